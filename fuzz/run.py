"""`make fuzz`: property-based fuzzing of every operation of /api/schema/ with schemathesis,
against a live server on 127.0.0.1, as four identities: anonymous, a retailer (active, with
credit, an address and a cart), a driver and an admin (superuser).

    .venv/bin/python fuzz/run.py                      # all identities, default budget
    .venv/bin/python fuzz/run.py --identity retailer --max-examples 20

The run builds its own database (PostgreSQL `livrili_fuzz`, dropped and created again, when
DATABASE_URL points to PostgreSQL; otherwise a SQLite file in a temporary folder), migrates,
loads `seed_demo --size small`, prepares the identities (fuzz/prepare.py), starts gunicorn
with the production settings on a free local port, then runs `st run` once per identity with
the checks below and a time budget. Exit 1 on any failure; fuzz-results/ keeps the logs,
one JSON report per identity and the failures to reproduce (curl commands in the logs).
Schemathesis runs from its own virtualenv (.venv-fuzz, requirements-fuzz.txt) so that its
pytest plugin and hypothesis stay out of the application's test runs.
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from bench.serving import HOST, production_env, start_gunicorn, stop  # noqa: E402 (the root is on the path now)

FUZZ_BIN = ROOT / ".venv-fuzz" / "bin"
RESULTS = ROOT / "fuzz-results"
FUZZ_DB = "livrili_fuzz"
FUZZ_REDIS_DB = 15  # a Redis database of its own, flushed at the start and the end of a run
IDENTITIES = ("anonymous", "retailer", "driver", "admin")  # admin last: its writes may touch the others
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance")
PHASES = "examples,coverage,fuzzing"  # stateful needs OpenAPI links, which the schema has none of
KNOWN_ID_SHARE = 0.5  # share of path ids drawn from real objects (the rest are generated: mostly 404)

# Path parameters bound to the ids fuzz/prepare.py lists: (path regex, parameter, id list)
PATH_IDS = [
    (r"^/api/v1/products/\{id\}", "id", "products"),
    (r"^/api/v1/products/\{id\}/images/\{image_id\}$", "image_id", "images"),
    (r"^/api/v1/products/by-sku/\{sku\}$", "sku", "skus"),
    (r"^/api/v1/categories/\{id\}", "id", "categories"),
    (r"^/api/v1/tags/\{id\}", "id", "tags"),
    (r"^/api/v1/suppliers/\{id\}", "id", "suppliers"),
    (r"^/api/v1/orders/\{id\}", "id", "orders"),
    (r"^/api/v1/retailers/\{id\}", "id", "retailers"),
    (r"^/api/v1/retailers/orders/\{id\}", "id", "own_orders"),
    (r"^/api/v1/retailers/addresses/\{id\}$", "id", "addresses"),
    (r"^/api/v1/retailers/cart/items/\{product_id\}$", "product_id", "cart_products"),
    (r"^/api/v1/retailers/documents/\{id\}", "id", "documents"),
    (r"^/api/v1/retailers/members/\{id\}$", "id", "members"),
    (r"^/api/v1/users/\{id\}", "id", "users"),
    (r"^/api/v1/deliveries/\{id\}", "id", "deliveries"),
    (r"^/api/v1/drivers/\{id\}", "id", "drivers"),
    (r"^/api/v1/drivers/me/deliveries/\{id\}", "id", "own_deliveries"),
    (r"^/api/v1/notifications/\{id\}", "id", "own_notifications"),
    (r"^/api/v1/notification-templates/\{id\}", "id", "notification_templates"),
    (r"^/api/v1/broadcasts/\{id\}", "id", "broadcasts"),
    (r"^/api/v1/invoices/\{id\}", "id", "invoices"),
    (r"^/api/v1/retailers/invoices/\{id\}", "id", "own_invoices"),
    (r"^/api/v1/payments/\{id\}", "id", "payments"),
    (r"^/api/v1/cash-handovers/\{id\}", "id", "cash_handovers"),
    (r"^/api/v1/alerts/\{id\}", "id", "alerts"),
    (r"^/api/v1/report-schedules/\{id\}$", "id", "report_schedules"),
]


def log(message: str) -> None:
    print(f"[fuzz {datetime.now(UTC).strftime('%H:%M:%S')}] {message}", flush=True)


def fail(message: str) -> None:
    log(f"ERROR: {message}")
    sys.exit(2)


# --- Database and cache ---------------------------------------------------------------------


def database_url(workdir: Path) -> str:
    """PostgreSQL `livrili_fuzz` on DATABASE_URL's server, created anew; else SQLite in workdir."""
    source = os.environ.get("DATABASE_URL", "")
    if not source.startswith(("postgres://", "postgresql://")):
        return f"sqlite:///{workdir / 'fuzz.sqlite3'}"
    import psycopg

    parts = urlsplit(source)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        fail(f"DATABASE_URL points to {parts.hostname}: the fuzz only uses a local PostgreSQL")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{FUZZ_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{FUZZ_DB}"')
    return urlunsplit(parts._replace(path=f"/{FUZZ_DB}"))


def redis_url() -> str:
    """REDIS_URL's server, database FUZZ_REDIS_DB (flushed), or '' (local-memory cache)."""
    source = os.environ.get("REDIS_URL", "")
    if not source:
        return ""
    parts = urlsplit(source)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        fail(f"REDIS_URL points to {parts.hostname}: the fuzz only uses a local Redis")
    url = urlunsplit(parts._replace(path=f"/{FUZZ_REDIS_DB}"))
    flush_redis(url)
    return url


def flush_redis(url: str) -> None:
    if url:
        import redis

        redis.Redis.from_url(url, socket_timeout=5).flushdb()


def manage(env: dict, *args: str, timeout: float) -> None:
    command = [str(BIN / "python"), "manage.py", *args]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)  # noqa: S603
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        fail(f"manage.py {' '.join(args)} failed ({result.returncode})")


def prepare(env: dict) -> dict:
    out = RESULTS / "identities.json"
    command = [str(BIN / "python"), str(ROOT / "fuzz/prepare.py"), str(out)]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)  # noqa: S603
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        fail("fuzz/prepare.py failed")
    log(result.stdout.strip())
    return json.loads(out.read_text())["identities"]


# --- Server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(env: dict, port: int) -> subprocess.Popen:
    # SQLite takes one writer at a time: one sync worker serializes requests, so a fuzzed write
    # never meets "database is locked" (a 500 that production on PostgreSQL would not give)
    workers = 2 if env["DATABASE_URL"].startswith("postgres") else 1
    command = [
        str(BIN / "gunicorn"),
        "livrili.wsgi",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    try:
        return start_gunicorn(
            command, cwd=ROOT, env=env, health_url=f"http://{HOST}:{port}/health", log_file=RESULTS / "server.log"
        )
    except RuntimeError as exc:
        fail(f"{exc}; see fuzz-results/server.log")


# --- Schemathesis ---------------------------------------------------------------------------


def toml_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def write_config(path: Path, known_ids: dict[str, list[str]]) -> None:
    """schemathesis.toml for one identity: its real ids as dictionaries bound to path parameters."""
    lines = []
    bound = [(regex, param, name) for regex, param, name in PATH_IDS if known_ids.get(name)]
    for name in sorted({name for _regex, _param, name in bound}):
        values = ", ".join(toml_string(value) for value in known_ids[name])
        lines += [f"[dictionaries.{name}]", f"values = [{values}]", ""]
    for regex, param, name in bound:
        lines += [
            "[[operations]]",
            f"include-path-regex = {toml_string(regex)}",
            f'parameters = {{ "path.{param}" = {{ dictionary = "{name}", probability = {KNOWN_ID_SHARE} }} }}',
            "",
        ]
    path.write_text("\n".join(lines))


def run_schemathesis(identity: str, token: str | None, known_ids: dict, port: int, args) -> dict:
    config = RESULTS / f"schemathesis-{identity}.toml"
    write_config(config, known_ids)
    report = RESULTS / f"report-{identity}.json"
    report.unlink(missing_ok=True)
    command = [
        str(FUZZ_BIN / "st"),
        "--config-file",
        str(config),
        "run",
        f"http://{HOST}:{port}/api/schema/",
        "--checks",
        ",".join(CHECKS),
        "--phases",
        PHASES,
        "--max-examples",
        str(args.max_examples),
        "--max-time",
        str(args.max_time),
        "--workers",
        str(args.workers),
        "--seed",
        str(args.seed),
        "--generation-database",
        "none",
        "--request-timeout",
        "30",
        "--continue-on-failure",
        "--report",
        "json,junit",
        "--report-json-path",
        str(report),
        "--report-junit-path",
        str(RESULTS / f"junit-{identity}.xml"),
        "--output-truncate",
        "false",
        "--no-color",
    ]
    if args.path_regex:
        command += ["--include-path-regex", args.path_regex]
    if token:
        command += ["--header", f"Authorization: Bearer {token}"]
    log(f"{identity}: st run (max {args.max_examples} examples per operation, {args.max_time} s)")
    started = time.monotonic()
    # Ample margin over --max-time: schemathesis finishes the case under way, then reports
    timeout = args.max_time + 600
    # cwd: schemathesis keeps a .schemathesis/ folder (its case store) where it runs
    result = subprocess.run(command, cwd=RESULTS, capture_output=True, text=True, timeout=timeout)  # noqa: S603
    output = result.stdout + result.stderr
    if token:
        output = output.replace(token, "<token>")
    (RESULTS / f"schemathesis-{identity}.log").write_text(output)
    if not report.exists():
        sys.stderr.write(output[-4000:])
        fail(f"{identity}: schemathesis wrote no report (exit {result.returncode})")
    data = json.loads(report.read_text())
    data["identity"] = identity
    data["elapsed"] = round(time.monotonic() - started, 1)
    return data


# --- Summary --------------------------------------------------------------------------------

SERVER_ERROR_LOG = re.compile(r" ERROR \[[^\]]*\] django\.request: (.+?): (\S+)")


def server_errors() -> dict[str, int]:
    """5xx answers the server logged (Django logs each one at ERROR), by status text and path shape."""
    counts: dict[str, int] = {}
    log_path = RESULTS / "server.log"
    for line in log_path.read_text(errors="replace").splitlines() if log_path.exists() else []:
        match = SERVER_ERROR_LOG.search(line)
        if match:
            path = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "{id}", match.group(2))
            key = f"{match.group(1)}: {path}"
            counts[key] = counts.get(key, 0) + 1
    return counts


def summarize(reports: list[dict]) -> int:
    print("\nSchema fuzz (schemathesis) — operations × identities, test cases (one request each), failures")
    head = f"{'identity':<11}{'operations':>11}{'cases':>8}{'failing':>9}{'errors':>8}{'seconds':>9}  stop"
    print(head + "\n" + "-" * len(head))
    totals = {"operations": 0, "cases": 0}
    by_check: dict[str, int] = {}
    problems = 0
    for report in reports:
        operations = (report.get("operations") or {}).get("tested", 0)
        cases = report["test_cases"]["generated"]
        failing = sum(group["count"] for group in report["failures"])
        errors = sum(group["count"] for group in report["errors"])
        totals["operations"] += operations
        totals["cases"] += cases
        problems += failing + errors + (0 if report["complete"] else 1)
        for group in report["failures"]:
            by_check[group["title"]] = by_check.get(group["title"], 0) + group["count"]
        print(
            f"{report['identity']:<11}{operations:>11}{cases:>8}{failing:>9}{errors:>8}{report['elapsed']:>9}"
            f"  {report['stop_reason']}"
        )
    print(f"{'total':<11}{totals['operations']:>11}{totals['cases']:>8}")
    if by_check:
        print("\nFailures by kind (unique failures; operations and reproductions in fuzz-results/*.log):")
        for title, count in sorted(by_check.items(), key=lambda item: -item[1]):
            print(f"  {count:>5}  {title}")
        for report in reports:
            for group in report["failures"]:
                operations = ", ".join(group["operations"][:8]) + (" …" if len(group["operations"]) > 8 else "")
                print(f"  [{report['identity']}] {group['title']}: {operations}")
    for report in reports:
        for group in report["errors"]:
            print(f"  [{report['identity']}] error: {group['title']} ×{group['count']}")
    logged = server_errors()
    print(f"\n5xx responses in the server log: {sum(logged.values())}")
    for key, count in sorted(logged.items(), key=lambda item: -item[1])[:20]:
        print(f"  {count:>5}  {key}")
    problems += sum(logged.values())
    print(f"\nfuzz: {'FAILED' if problems else 'passed'} ({problems} failure(s), error(s) and logged 5xx)")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--identity", action="append", choices=IDENTITIES, help="repeatable; default: all four")
    parser.add_argument("--max-examples", type=int, default=int(os.environ.get("FUZZ_MAX_EXAMPLES", "10")))
    parser.add_argument(
        "--max-time",
        type=int,
        default=int(os.environ.get("FUZZ_MAX_TIME", "150")),
        help="seconds per identity (the run stops starting new cases after it)",
    )
    # One schemathesis worker: with two threads, hypothesis parsing lambda sources at once raised
    # "AST constructor recursion depth mismatch" inside the tool (CPython 3.11's ast is not
    # thread-safe), an error of the fuzzer that failed the run without any server fault.
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", "20261203")))
    parser.add_argument("--path-regex", help="fuzz only the operations whose path matches (to reproduce a failure)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (SQLite file, media)")
    args = parser.parse_args()
    # Always in IDENTITIES order: the admin's cases change other identities (passwords, statuses).
    identities = [identity for identity in IDENTITIES if identity in (args.identity or IDENTITIES)]
    if not (FUZZ_BIN / "st").exists():
        fail("schemathesis is missing: `make fuzz` installs requirements-fuzz.txt into .venv-fuzz")
    RESULTS.mkdir(exist_ok=True)
    stale_files = [*RESULTS.glob("report-*.json"), *RESULTS.glob("schemathesis-*"), *RESULTS.glob("junit-*")]
    for stale in [*stale_files, *RESULTS.glob("server.log")]:  # the 5xx count reads this run's log only
        stale.unlink()
    workdir = Path(tempfile.mkdtemp(prefix="livrili-fuzz-"))
    cache = redis_url()
    env = production_env(
        database_url=database_url(workdir),
        redis_url=cache,
        CACHE_KEY_PREFIX="livrili-fuzz",
        MEDIA_ROOT=str(workdir / "media"),
        PRIVATE_MEDIA_ROOT=str(workdir / "private"),
    )
    database = re.sub(r"//[^@/]*@", "//", env["DATABASE_URL"])
    log(f"database {database}, cache {cache or 'local memory'}; migrating and seeding (seed_demo --size small)")
    server = None
    try:
        manage(env, "migrate", "--no-input", "-v", "0", timeout=900)
        manage(env, "seed_demo", "--size", "small", timeout=900)
        identities_data = prepare(env)
        port = free_port()
        server = start_server(env, port)
        log(f"gunicorn on {HOST}:{port}")
        reports = []
        for identity in identities:
            data = identities_data[identity]
            reports.append(run_schemathesis(identity, data["token"], data["ids"], port, args))
    finally:
        if server is not None:
            stop(server)
        flush_redis(cache)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    (RESULTS / "summary.json").write_text(json.dumps(reports, indent=1))
    return summarize(reports)


if __name__ == "__main__":
    sys.exit(main())
