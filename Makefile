PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTHON := $(BIN)/python
export DJANGO_DEBUG ?= 1

.PHONY: install run test seed lint format messages migrate bench

$(BIN)/activate: requirements.txt requirements-dev.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(BIN)/activate

install: $(BIN)/activate

messages: install
	$(PYTHON) manage.py compile_translations

migrate: install
	$(PYTHON) manage.py migrate --no-input -v 0

seed: migrate
	$(PYTHON) manage.py seed_demo --size $${SIZE:-small}

run: messages seed
	@echo "Serving on http://127.0.0.1:8000  (admin: /admin/, API docs: /api/docs/)"
	$(PYTHON) manage.py runserver 127.0.0.1:8000

test: messages
	DJANGO_DEBUG=0 $(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Benchmark (docs/performance.md): PostgreSQL and Redis on 127.0.0.1; ARGS="--only catalog" etc.
.PHONY: bench-install bench-quick
bench-install: install
	$(BIN)/pip install --quiet -r requirements-bench.txt

bench: messages bench-install
	$(PYTHON) bench/run.py $(ARGS)

bench-quick: messages bench-install
	$(PYTHON) bench/run.py --quick $(ARGS)

# Schema fuzz and dependency audit (docs/decisions.md): tools in their own virtualenv, .venv-fuzz
FUZZ_BIN := .venv-fuzz/bin
.PHONY: fuzz-install fuzz audit
$(FUZZ_BIN)/activate: requirements-fuzz.txt
	$(PY) -m venv .venv-fuzz
	$(FUZZ_BIN)/pip install --quiet -r requirements-fuzz.txt
	touch $(FUZZ_BIN)/activate

fuzz-install: $(FUZZ_BIN)/activate

# Every /api/schema/ operation × anonymous, retailer, driver, admin on a live local server;
# ARGS="--identity admin --max-examples 20" etc. Uses PostgreSQL/Redis when DATABASE_URL/REDIS_URL say so.
fuzz: messages fuzz-install
	$(PYTHON) fuzz/run.py $(ARGS)

# pip-audit over requirements*.txt; ARGS="--allow-unreachable" when the vulnerability service may be out of reach
audit: fuzz-install
	$(FUZZ_BIN)/python fuzz/audit.py $(ARGS)

# Chaos test (docs/chaos.md): placement load against a private PostgreSQL 15 cluster and Redis
# (temporary, own ports) with kill -9 of workers, PostgreSQL restarts and a Redis outage; ~3 min.
.PHONY: chaos
chaos: messages
	$(PYTHON) chaos/run.py $(ARGS)
