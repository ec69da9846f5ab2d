"""`make chaos`: order placement under faults, against a private PostgreSQL cluster and Redis.

    .venv/bin/python chaos/run.py     # 2.5–4 min; exit 0 when every check holds, 1 if one fails, 2 if aborted

What it does (docs/chaos.md):

1. starts its own PostgreSQL 15 cluster (initdb in a temporary directory, trust auth, a free
   port from 55432, the unix socket in that directory; run as the `postgres` OS user when
   started as root) and its own Redis (a free port from 56379, no persistence); the machine's
   PostgreSQL (5432) and Redis (6379) are never touched;
2. migrates, seeds `seed_demo --size small` and runs `bench_prepare` (active retailers with
   ample credit, stocked products, access tokens), all through the real services;
3. serves the app with gunicorn (gunicorn.conf.py, several sync workers, DJANGO_DEBUG=0);
4. runs a bounded placement load: one client per retailer (threads), each looping: empty the
   cart, add lines, place with a fresh `Idempotency-Key`, retrying the SAME key (same body)
   on a timeout, a connection error, a 5xx or a 429, with backoff, until a 201 or a
   definitive 4xx (or it gives up after a bounded number of tries); for one key in five the
   client drops the first answer (a flaky network) and sends the same key again;
5. while the load runs, injects faults one after the other, each followed by the recovery
   (`/health/ready` 200 again by itself) and a few seconds of normal load: `kill -9` of
   gunicorn workers while placements are in flight (the master respawns them), a PostgreSQL
   fast stop / start, a Redis outage of several seconds, a PostgreSQL immediate (crash)
   restart; `/health/ready` is polled throughout;
6. after the load, resolves the keys it gave up on the way a client would (empty the cart,
   send the same key again: a 201 means the order existed and its answer had been lost) and
   replays every key that got a 201 (the first answer must come back);
7. checks: orders believed created == orders stored (none lost, none unknown), no duplicate
   per (retailer, key), no unexpected refusal, no 500 at all, no failed request while only
   Redis was down, `check_ledgers` exact, `bench_prepare --verify` exact, `/health/ready` answered 503
   (`SERVICE_UNAVAILABLE`) during each outage and 200 again by itself, all workers back;
8. prints the summary, stops everything and deletes the temporary directory (also on failure,
   Ctrl-C, SIGTERM or when the overall time limit is hit).
"""

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from datetime import datetime
from http.client import HTTPException
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from bench.serving import HOST, production_env, start_gunicorn, stop  # noqa: E402 (the root is on the path now)

PG_BIN = Path(os.environ.get("CHAOS_PG_BIN", "/usr/lib/postgresql/15/bin"))
RESERVED_PORTS = {5432, 6379}  # the machine's own services: never used, never touched
T0 = time.monotonic()


def log(message: str) -> None:
    print(f"[chaos {time.monotonic() - T0:6.1f}s] {message}", flush=True)


class Deadline(Exception):
    pass


def free_port(preferred: int) -> int:
    for port in (preferred, *range(preferred + 1, preferred + 50)):
        if port in RESERVED_PORTS:
            continue
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do: TIME_WAIT is free
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port near {preferred}")


def run(command: list[str], *, timeout: float, env: dict | None = None, check: bool = True):
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)  # noqa: S603
    if check and result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise RuntimeError(f"{' '.join(command[:3])} … exited {result.returncode}")
    return result


# --- Private services ------------------------------------------------------------------------


class Postgres:
    """A throw-away cluster: its own data directory, port and socket directory."""

    def __init__(self, workdir: Path, port: int):
        self.dir = workdir / "pg"
        self.data = self.dir / "data"
        self.port = port
        self.as_root = os.geteuid() == 0

    def cmd(self, *args: str) -> list[str]:
        command = [str(PG_BIN / args[0]), *args[1:]]
        return ["runuser", "-u", "postgres", "--", *command] if self.as_root else command

    def init(self) -> None:
        self.dir.mkdir()
        if self.as_root:
            shutil.chown(self.dir.parent, "postgres")  # the socket and log live under it
            shutil.chown(self.dir, "postgres", "postgres")
        run(self.cmd("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                     "--locale=C.UTF-8", "--no-sync"), timeout=120)  # fmt: skip
        options = {
            "port": self.port,
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.dir}'",
            "fsync": "off",  # the OS never crashes here: commits still survive every restart we do
            "full_page_writes": "off",
            "shared_buffers": "'128MB'",
            "max_connections": 60,
            "logging_collector": "off",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in options.items())

    def start(self) -> None:
        run(self.cmd("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "server.log"), "-w", "-t", "60", "start"),
            timeout=90)  # fmt: skip

    def stop(self, mode: str = "fast", check: bool = True) -> None:
        run(self.cmd("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop"), timeout=90, check=check)

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


class Redis:
    def __init__(self, workdir: Path, port: int):
        self.port = port
        self.dir = workdir / "redis"
        self.dir.mkdir()

    def start(self) -> None:
        run(["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--daemonize", "yes", "--dir", str(self.dir), "--logfile", str(self.dir / "redis.log"),
             "--pidfile", str(self.dir / "redis.pid")], timeout=30)  # fmt: skip
        for _ in range(100):
            if self.ping():
                return
            time.sleep(0.05)
        raise RuntimeError("private Redis did not start")

    def ping(self) -> bool:
        result = run(["redis-cli", "-p", str(self.port), "ping"], timeout=10, check=False)
        return result.stdout.strip() == "PONG"

    def stop(self) -> None:
        run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], timeout=10, check=False)
        for _ in range(100):
            if not self.ping():
                return
            time.sleep(0.05)


def worker_pids(process: subprocess.Popen) -> list[int]:
    """The gunicorn master's children: its workers."""
    try:
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    except OSError:
        return []
    return [int(pid) for pid in children]


class Gunicorn:
    def __init__(self, workdir: Path, port: int, workers: int, env: dict):
        self.port, self.workers, self.env, self.workdir = port, workers, env, workdir
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**self.env, "GUNICORN_BIND": f"{HOST}:{self.port}", "GUNICORN_WORKERS": str(self.workers)}
        command = [str(BIN / "gunicorn"), "livrili.wsgi", "--error-logfile", str(self.workdir / "gunicorn.log"),
                   "--no-control-socket"]  # its default path ($HOME/.gunicorn/gunicorn.ctl) is shared  # fmt: skip
        self.process = start_gunicorn(
            command,
            cwd=ROOT,
            env=env,
            health_url=f"{self.url}/health",
            log_file=self.workdir / "gunicorn.out",  # Django's log (stderr) too
            ready=lambda process: len(worker_pids(process)) == self.workers,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        return worker_pids(self.process) if self.process is not None else []

    def stop(self) -> None:
        stop(self.process, timeout=10)


# --- HTTP -----------------------------------------------------------------------------------


def send(method: str, url: str, *, token: str | None = None, body=None, headers=None, timeout: float = 10.0):
    """(status, parsed JSON or text); status None for a connection error or a timeout."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 (our own server)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except (OSError, HTTPException) as exc:  # refused, reset, timeout, bad status line
        return None, type(exc).__name__
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw[:200].decode(errors="replace")


def http_get(url: str, timeout: float = 5.0):
    return send("GET", url, timeout=timeout)


# --- Load -----------------------------------------------------------------------------------

RETRYABLE = {429, 500, 502, 503, 504}


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = Counter()  # (endpoint, status or error name) → n
        self.by_phase = Counter()  # (phase, endpoint, status or error) → n
        self.placing = 0  # placement requests in flight
        self.server_errors = Counter()  # "status error_code" → n
        self.events: list[tuple[float, str, str]] = []  # (t, endpoint, error) of connection errors and timeouts

    def add(self, endpoint: str, status, detail, phase: str) -> None:
        label = status if status is not None else detail
        with self.lock:
            self.requests[(endpoint, label)] += 1
            self.by_phase[(phase, endpoint, label)] += 1
            if status is not None and status >= 500:
                self.server_errors[f"{status} {detail}"] += 1
            if status is None:
                self.events.append((time.monotonic() - T0, endpoint, detail))

    def placing_delta(self, delta: int) -> None:
        with self.lock:
            self.placing += delta


class Chaos:
    """Shared state: the current fault phase and its timeline."""

    def __init__(self):
        self.phase = "normal"
        self.timeline: list[tuple[float, str]] = []
        self.lock = threading.Lock()

    def set(self, phase: str, note: str) -> None:
        with self.lock:
            self.phase = phase
            self.timeline.append((time.monotonic() - T0, note))
        log(note)


class Client(threading.Thread):
    """One retailer: empty the cart, add lines, place with a fresh key; retry the same key."""

    def __init__(self, index, retailer, products, base, stop_event, stats, chaos, run_id, args):
        super().__init__(name=f"client-{index}", daemon=True)
        self.index, self.retailer, self.token = index, retailer["retailer_id"], retailer["token"]
        self.products, self.base, self.stop_event = products, base, stop_event
        self.stats, self.chaos, self.run_id, self.args = stats, chaos, run_id, args
        self.rng = random.Random(index)  # noqa: S311 - a request pattern, not a secret
        self.keys: dict[str, dict] = {}  # key → body, outcome, order_id, tries, codes [[sent, answered, …]]
        self.iterations = 0
        self.skipped = 0

    def call(self, endpoint: str, method: str, path: str, timeout: float | None = None, **kwargs):
        url = f"{self.base}/api/v1/{path}"
        status, data = send(method, url, token=self.token, timeout=timeout or self.args.timeout, **kwargs)
        detail = data if status is None else data.get("error_code") if isinstance(data, dict) else None
        self.stats.add(endpoint, status, detail, self.chaos.phase)
        return status, data

    def backoff(self, attempt: int) -> None:
        time.sleep(min(0.2 * 2**attempt, 2.0) * (0.5 + self.rng.random()))

    def until_ok(self, endpoint, method, path, ok: set[int], **kwargs) -> bool:
        """A non-idempotent cart call retried on retryable failures (a repeated add only raises
        a quantity; the checks do not depend on the cart)."""
        for attempt in range(self.args.max_tries):
            status, _data = self.call(endpoint, method, path, **kwargs)
            if status in ok:
                return True
            if status is not None and status not in RETRYABLE:
                return False
            self.backoff(attempt)
        return False

    def run(self) -> None:
        while not self.stop_event.is_set():
            self.iterations += 1
            lines = self.rng.sample(self.products, self.args.lines)
            filled = self.until_ok("cart clear", "DELETE", "retailers/cart", {204}) and all(
                self.until_ok(
                    "cart add",
                    "POST",
                    "retailers/cart/items",
                    {200},
                    body={"product_id": p["id"], "quantity": p["quantity"] * self.args.quantity_factor},
                )
                for p in lines
            )
            if not filled:
                self.skipped += 1  # no key spent: the next iteration empties the cart again
                continue
            key = f"chaos-{self.run_id}-{self.index}-{uuid.uuid4().hex[:12]}"
            body = {"payment_method": "cash" if self.iterations % 4 == 0 else "credit"}
            self.keys[key] = entry = {"body": body, "outcome": "pending", "tries": 0, "codes": []}
            self.place(key, entry)

    def place(self, key: str, entry: dict) -> None:
        # A flaky mobile network: for a share of the keys the first answer never reaches the client
        # (it stops waiting after a few ms); the server goes on and commits, the retry must find it.
        dropped = self.rng.random() < self.args.dropped_share
        entry["first_answer_dropped"] = dropped
        for attempt in range(self.args.max_tries):
            entry["tries"] += 1
            entry["sent_at"] = time.time()  # wall clock: compared with the order's created_at
            timeout = self.rng.uniform(0.01, 0.3) if dropped and attempt == 0 else None
            self.stats.placing_delta(1)
            try:
                endpoint = "place, answer dropped" if timeout else "place"
                status, data = self.call(endpoint, "POST", "retailers/orders", body=entry["body"],
                                         headers={"Idempotency-Key": key}, timeout=timeout)  # fmt: skip
            finally:
                self.stats.placing_delta(-1)
            entry["codes"].append([round(entry["sent_at"], 3), round(time.time(), 3), status or data])
            if status == 201:
                entry.update(outcome="created", order_id=data["data"]["id"], number=data["data"]["number"])
                entry["first_answer"] = data
                return
            if status is not None and status not in RETRYABLE:
                code = data.get("error_code") if isinstance(data, dict) else None
                entry.update(outcome="refused", error_code=code)
                return
            if timeout:
                time.sleep(1.5)  # the app notices the lost answer and sends the same key again
            else:
                self.backoff(attempt)
        entry["outcome"] = "gave_up"


class HealthPoller(threading.Thread):
    def __init__(self, base: str, stop_event: threading.Event):
        super().__init__(name="health", daemon=True)
        self.base, self.stop_event = base, stop_event
        self.samples: list[tuple[float, float, int | None, str | None]] = []  # (sent, answered, status, code)

    def run(self) -> None:
        while not self.stop_event.is_set():
            sent = time.monotonic() - T0
            status, data = http_get(f"{self.base}/health/ready", timeout=5)
            code = data.get("error_code") if isinstance(data, dict) else None
            self.samples.append((sent, time.monotonic() - T0, status, code))
            time.sleep(0.1)


# --- Orchestration ----------------------------------------------------------------------------


def manage(env: dict, *args: str, timeout: float, check: bool = True):
    return run([str(BIN / "python"), "manage.py", *args], env=env, timeout=timeout, check=check)


def inject_faults(args, pg, redis, server: Gunicorn, chaos: Chaos, stats: Stats, poller, windows: list):
    """The faults, one after the other while the load runs; after each, the load goes on until
    `/health/ready` answers 200 again by itself (a probe sent after the fault ended) plus a few
    seconds of normal service. `windows` gets (name, start, end) of each outage; returns
    (faults injected, [(fault, seconds until ready again or None)])."""
    injected, recoveries = Counter(), []
    rng = random.Random(7)  # noqa: S311 - which workers to kill, not a secret

    def settle(name: str, since: float) -> None:
        deadline = time.monotonic() + args.recover_seconds
        ready = None
        while time.monotonic() < deadline and ready is None:
            ready = next((answered for sent, answered, status, _c in reversed(poller.samples)
                          if sent > since and status == 200), None)  # fmt: skip
            time.sleep(0.1)
        while ready is not None and len(server.worker_pids()) < server.workers and time.monotonic() < deadline:
            time.sleep(0.1)  # the master respawns killed workers
        recoveries.append((name, None if ready is None else round(ready - since, 1)))
        time.sleep(args.gap)

    def kill_workers(count: int) -> None:
        """While a placement is in flight (waited for up to 5 s), a few ms into it: the kill lands
        before, inside or just after its transaction, so some answers are lost after the commit."""
        deadline = time.monotonic() + 5
        while stats.placing == 0 and time.monotonic() < deadline:
            time.sleep(0.002)
        in_flight = stats.placing
        time.sleep(rng.uniform(0, 0.05))
        pids = server.worker_pids()
        for pid in rng.sample(pids, min(count, len(pids))):
            os.kill(pid, signal.SIGKILL)
            injected["kill -9 gunicorn worker"] += 1
        name = f"kill -9 of {count} gunicorn worker(s)"
        chaos.set(chaos.phase, f"{name}, {in_flight} placement(s) in flight")
        settle(name, time.monotonic() - T0)

    def outage(name: str, phase: str, down, up, hold: float) -> None:
        chaos.set(phase, f"{name}: down")
        start = time.monotonic() - T0
        down()
        time.sleep(hold)
        up()
        end = time.monotonic() - T0
        windows.append((name, start, end))
        chaos.set("normal", f"{name}: up again")
        injected[name] += 1
        settle(name, end)

    time.sleep(args.gap)  # normal service first
    kill_workers(1)
    outage("PostgreSQL fast stop + start", "postgres down", lambda: pg.stop("fast"), pg.start, args.pg_down)
    kill_workers(server.workers)  # every worker at once
    outage("Redis outage", "redis down", redis.stop, redis.start, args.redis_down)
    outage("PostgreSQL immediate (crash) restart", "postgres down", lambda: pg.stop("immediate"), pg.start,
           args.pg_down)  # fmt: skip
    kill_workers(2)
    return injected, recoveries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--retailers", type=int, default=6, help="concurrent retailer clients")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--gap", type=float, default=4.0, help="seconds of normal load before and after each fault")
    parser.add_argument("--lines", type=int, default=4, help="cart lines per order")
    parser.add_argument("--quantity-factor", type=int, default=3, help="× bench quantity (4 lines × 3 ≥ the minimum)")
    parser.add_argument("--pg-down", type=float, default=3.0, help="seconds PostgreSQL stays stopped")
    parser.add_argument("--redis-down", type=float, default=8.0, help="seconds Redis stays stopped")
    parser.add_argument("--dropped-share", type=float, default=0.2, help="keys whose first answer the client drops")
    parser.add_argument("--max-tries", type=int, default=12, help="tries per key (backoff 0.2 s doubling, ≤ 2 s)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per HTTP request")
    parser.add_argument("--recover-seconds", type=float, default=60.0, help="time allowed to be ready again")
    parser.add_argument("--time-limit", type=float, default=420.0, help="hard limit for the whole run, in seconds")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, data) for a look")
    args = parser.parse_args()
    if args.lines * args.quantity_factor < 10:
        parser.error("--lines × --quantity-factor must be ≥ 10: each bench quantity is worth a tenth of the minimum")

    def on_alarm(_signum, _frame):
        raise Deadline(f"time limit of {args.time_limit:.0f} s reached")

    def on_term(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)
    signal.alarm(int(args.time_limit))

    missing = [str(path) for path in (PG_BIN / "initdb", PG_BIN / "pg_ctl", BIN / "gunicorn") if not path.exists()]
    missing += [tool for tool in ("redis-server", "redis-cli") if shutil.which(tool) is None]
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        missing.append("runuser (PostgreSQL refuses to run as root)")
    if missing:
        log(f"missing: {', '.join(missing)} (PostgreSQL 15 binaries: set CHAOS_PG_BIN)")
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="livrili-chaos-"))
    pg = Postgres(workdir, free_port(55432))
    redis = Redis(workdir, free_port(56379))
    try:
        return scenario(args, workdir, pg, redis)
    except (Deadline, KeyboardInterrupt, RuntimeError, subprocess.TimeoutExpired) as exc:
        log(f"ABORTED: {exc}")
        return 2
    finally:
        signal.alarm(0)
        cleanup(workdir, pg, redis, args.keep)


SERVERS: list[Gunicorn] = []


def cleanup(workdir: Path, pg: Postgres, redis: Redis, keep: bool) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    for server in SERVERS:
        try:
            server.stop()
        except Exception as exc:  # noqa: BLE001 - go on cleaning
            log(f"cleanup: gunicorn: {exc}")
    try:
        redis.stop()
    except Exception as exc:  # noqa: BLE001
        log(f"cleanup: redis: {exc}")
    try:
        if pg.running():
            pg.stop("immediate", check=False)
    except Exception as exc:  # noqa: BLE001
        log(f"cleanup: postgres: {exc}")
    if keep:
        log(f"kept {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    log("cleaned up: private PostgreSQL, Redis and gunicorn stopped")


def scenario(args, workdir: Path, pg: Postgres, redis: Redis) -> int:
    log(f"private PostgreSQL on 127.0.0.1:{pg.port}, Redis on 127.0.0.1:{redis.port}, workdir {workdir}")
    pg.init()
    pg.start()
    run(pg.cmd("createdb", "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres", "livrili_chaos"), timeout=30)
    redis.start()
    http_port = free_port(58010)
    env = production_env(
        database_url=f"postgres://postgres@127.0.0.1:{pg.port}/livrili_chaos",
        redis_url=f"redis://127.0.0.1:{redis.port}/0",
    )
    log("migrating")
    manage(env, "migrate", "--no-input", "-v", "0", timeout=300)
    log("seeding (seed_demo --size small)")
    manage(env, "seed_demo", "--size", "small", timeout=600)
    prepared = workdir / "prepared.json"
    log(f"bench_prepare: {args.retailers} retailers with credit, stocked products, tokens")
    out = manage(env, "bench_prepare", "--out", str(prepared), "--base-url", f"http://127.0.0.1:{http_port}",
                 "--retailers", str(args.retailers), "--products", "40", "--detail-products", "1",
                 "--token-hours", "1", timeout=300)  # fmt: skip
    log(out.stdout.strip().splitlines()[-1])
    data = json.loads(prepared.read_text())
    manage(env, "check_ledgers", timeout=120)  # the seeded data balances before any fault

    server = Gunicorn(workdir, http_port, args.workers, env)
    SERVERS.append(server)
    boot = time.monotonic()
    server.start()
    boot = time.monotonic() - boot
    log(f"gunicorn: {args.workers} sync workers on {server.url}, serving {boot:.1f} s after the start")

    run_id = datetime.now().strftime("%H%M%S")
    stop_load, stop_health = threading.Event(), threading.Event()
    stats, chaos = Stats(), Chaos()
    clients = [
        Client(i, r, data["products"], server.url, stop_load, stats, chaos, run_id, args)
        for i, r in enumerate(data["retailers"][: args.retailers])
    ]
    poller = HealthPoller(server.url, stop_health)
    poller.start()
    log(f"load: {len(clients)} retailer clients; faults one after the other, each followed by recovery")
    load_started = time.monotonic()
    for client in clients:
        client.start()
    windows: list[tuple[str, float, float]] = []
    injected, recoveries = inject_faults(args, pg, redis, server, chaos, stats, poller, windows)
    stop_load.set()
    log("load stopping: clients finish the key in hand")
    for client in clients:
        client.join(timeout=args.max_tries * (args.timeout + 2.5))
    still = [c.name for c in clients if c.is_alive()]
    load_seconds = time.monotonic() - load_started

    # Ready again by itself (no intervention since the last fault).
    ready_at = None
    deadline = time.monotonic() + args.recover_seconds
    while time.monotonic() < deadline:
        if poller.samples and poller.samples[-1][2] == 200:
            ready_at = poller.samples[-1][1]
            break
        time.sleep(0.2)
    stop_health.set()
    poller.join(timeout=10)

    # Resolve the keys given up on, as the app would: empty cart, same key again.
    resolution = Counter()
    for client in clients:
        for key, entry in client.keys.items():
            if entry["outcome"] not in ("gave_up", "pending"):
                continue
            client.until_ok("cart clear", "DELETE", "retailers/cart", {204})
            status, body = client.call("resolve", "POST", "retailers/orders", body=entry["body"],
                                       headers={"Idempotency-Key": key})  # fmt: skip
            if status == 201:
                entry.update(resolved="had an order", order_id=body["data"]["id"], number=body["data"]["number"])
                resolution["had an order (answer lost)"] += 1
            elif status == 422 and isinstance(body, dict) and body.get("error_code") == "CART_EMPTY":
                entry["resolved"] = "no order"
                resolution["no order (never committed)"] += 1
            else:
                entry["resolved"] = f"unexpected {status}"
                resolution[f"unexpected {status}"] += 1
    # Replays of every key that got a 201 must return the same order (the first answer).
    replay = Counter()
    for client in clients:
        for key, entry in client.keys.items():
            if entry["outcome"] != "created":
                continue
            status, body = client.call("replay", "POST", "retailers/orders", body=entry["body"],
                                       headers={"Idempotency-Key": key})  # fmt: skip
            if status == 201 and body == entry["first_answer"]:
                replay["the first answer"] += 1
            elif status == 201 and body["data"]["id"] == entry["order_id"]:
                first = entry["first_answer"]["data"]
                fields = sorted(k for k in {*first, *body["data"]} if first.get(k) != body["data"].get(k))
                replay[f"same order, other body ({', '.join(fields) or 'envelope'})"] += 1
            else:
                replay[f"not the same order: {status}"] += 1

    workers_after = len(server.worker_pids())
    record = {f"{c.retailer} {key}": {k: v for k, v in e.items() if k != "first_answer"}
              for c in clients for key, e in c.keys.items()}  # fmt: skip
    (workdir / "keys.json").write_text(json.dumps(record, indent=1))  # kept with --keep
    server.stop()
    return report(args, env, pg, data, prepared, clients, stats, injected, windows, poller, ready_at, resolution,
                  replay, workers_after, still, load_seconds, run_id, chaos, recoveries, boot)  # fmt: skip


def stored_orders(pg: Postgres, run_id: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=pg.port, user="postgres", dbname="livrili_chaos") as conn:
        return conn.execute(
            "SELECT retailer_id::text, idempotency_key, id::text, number, extract(epoch FROM created_at)::float "
            "FROM orders_order "
            "WHERE idempotency_key LIKE %s",
            [f"chaos-{run_id}-%"],
        ).fetchall()


def report(args, env, pg, data, prepared, clients, stats, injected, windows, poller, ready_at, resolution, replay,
           workers_after, still, load_seconds, run_id, chaos, recoveries, boot) -> int:  # fmt: skip
    problems: list[str] = []
    keys = {(c.retailer, key): entry for c in clients for key, entry in c.keys.items()}
    outcomes = Counter(entry["outcome"] for entry in keys.values())
    believed = {k: e for k, e in keys.items() if e["outcome"] == "created" or e.get("resolved") == "had an order"}
    rows = stored_orders(pg, run_id)
    stored = Counter((retailer, key) for retailer, key, *_rest in rows)
    stored_ids = {(retailer, key): order_id for retailer, key, order_id, *_rest in rows}
    created_at = {(retailer, key): at for retailer, key, _id, _number, at in rows}
    # A 201 on a retry for an order created before that retry was sent: an earlier answer was lost
    # after the commit (dropped, worker killed) and the key brought the stored order back. A lower
    # bound: an earlier try still queued when the retry was sent may also have created the order.
    recovered = [k for k, e in keys.items() if e["outcome"] == "created" and e["tries"] > 1
                 and created_at.get(k, float("inf")) < e["sent_at"]]  # fmt: skip

    lost = [k for k, e in believed.items() if stored_ids.get(k) != e["order_id"]]
    duplicated = [k for k, n in stored.items() if n > 1]
    unknown = [k for k in stored if k not in believed]  # stored, yet the client never learnt of it
    refused = [(k, e.get("error_code")) for k, e in keys.items() if e["outcome"] == "refused"]
    unresolved = [k for k, e in keys.items() if e.get("resolved", "").startswith("unexpected")]
    if lost:
        problems.append(f"{len(lost)} order(s) answered 201 but not stored: {lost[:5]}")
    if duplicated:
        problems.append(f"{len(duplicated)} key(s) with more than one order: {duplicated[:5]}")
    if unknown:
        problems.append(f"{len(unknown)} stored order(s) the client never got: {unknown[:5]}")
    if refused:
        problems.append(f"{len(refused)} placement(s) refused with a 4xx: {Counter(c for _k, c in refused)}")
    if unresolved:
        problems.append(f"{len(unresolved)} given-up key(s) with an unexpected answer on resolution")
    if any(label != "the first answer" for label in replay):
        problems.append(f"replays of 201 keys: {dict(replay)}")
    if not believed:
        problems.append("no order placed at all")
    if still:
        problems.append(f"clients still running after the load: {still}")

    redis_only = Counter()
    for (phase, endpoint, label), n in stats.by_phase.items():
        if phase == "redis down" and "dropped" not in endpoint:
            redis_only[f"{endpoint} {label}"] += n
    redis_failures = {k: n for k, n in redis_only.items() if not k.split()[-1].isdigit() or int(k.split()[-1]) >= 500}
    if redis_failures:
        problems.append(f"requests failed while only Redis was down: {redis_failures}")
    internal = {f"{endpoint} {label}": n for (endpoint, label), n in stats.requests.items() if label == 500}
    if internal:
        problems.append(f"500 answers (a database or cache outage must answer 503, retryable): {internal}")

    # /health/ready during each outage window (a sample taken while it was down) and after it.
    health_lines = []
    for name, start, end in windows:  # a probe counts for the outage when its request overlapped it
        during = Counter((s, c) for sent, answered, s, c in poller.samples if sent <= end and answered >= start)
        unavailable = during.get((503, "SERVICE_UNAVAILABLE"), 0)
        after = next((answered for sent, answered, s, _c in poller.samples if sent > end and s == 200), None)
        health_lines.append(
            f"{name}: {unavailable}× 503 SERVICE_UNAVAILABLE while down"
            + (f", 200 again {after - end:.1f} s after it came back" if after else ", never 200 again")
        )
        if not unavailable:
            problems.append(f"/health/ready never answered 503 SERVICE_UNAVAILABLE during {name}: {dict(during)}")
        if after is None:
            problems.append(f"/health/ready not 200 again after {name}")
    for name, seconds in recoveries:
        if seconds is None:
            problems.append(f"/health/ready not 200 within {args.recover_seconds:.0f} s after {name}")
    if ready_at is None:
        problems.append(f"/health/ready not 200 within {args.recover_seconds:.0f} s after the load")
    if workers_after != args.workers:
        problems.append(f"{workers_after} gunicorn workers after the run, {args.workers} expected")

    ledgers = manage(env, "check_ledgers", timeout=300, check=False)
    ledgers_ok = ledgers.returncode == 0 and "All ledgers balance" in ledgers.stdout
    if not ledgers_ok:
        problems.append(f"check_ledgers: {(ledgers.stdout + ledgers.stderr).strip()[-1500:]}")
    answered = sum(1 for e in keys.values() if e["outcome"] == "created")
    verify = manage(env, "bench_prepare", "--verify", str(prepared), "--orders-placed", str(len(believed)),
                    "--orders-attempted", str(len(believed)), timeout=300, check=False)  # fmt: skip
    if verify.returncode != 0:
        problems.append(f"bench_prepare --verify: {(verify.stdout + verify.stderr).strip()[-1500:]}")

    by_endpoint = Counter()
    for (endpoint, _label), n in stats.requests.items():
        by_endpoint[endpoint] += n
    placements = {str(label): n for (endpoint, label), n in sorted(stats.requests.items(), key=str)
                  if endpoint == "place"}  # fmt: skip
    print("\n=== chaos summary ===")
    print(f"load: {len(clients)} retailer clients, {load_seconds:.0f} s, {args.workers} gunicorn sync workers "
          f"(cold start to all workers up and /health 200: {boot:.1f} s)")  # fmt: skip
    print("faults injected: " + ", ".join(f"{name} ×{n}" for name, n in injected.items()))
    for t, note in chaos.timeline:
        print(f"  t={t:6.1f}s  {note}")
    print(f"requests: {sum(by_endpoint.values())} ({', '.join(f'{k} {n}' for k, n in by_endpoint.items())})")
    print(f"placement answers: {placements}")
    events = Counter(f"{endpoint} {error}" for _t, endpoint, error in stats.events)
    print(f"connection errors and timeouts: {dict(events) or 0}"
          + (" at t=" + ", ".join(f"{t:.0f}" for t, _e, _d in stats.events[:30]) if events else ""))  # fmt: skip
    print(f"5xx answers (all endpoints): {dict(stats.server_errors) or 0}")
    print(f"answers while only Redis was down: {dict(redis_only) or 'none'}")
    print(f"keys: {len(keys)} ({dict(outcomes)}); given up, then resolved: {dict(resolution) or 0}")
    print(f"orders believed created: {len(believed)} (201 during the load: {answered}); stored: {len(stored)}")
    dropped = sum(1 for k in recovered if keys[k]["first_answer_dropped"])
    print(f"answers lost after the commit, the retry with the same key got the stored order: {len(recovered)} "
          f"({dropped} dropped by the client on purpose, {len(recovered) - dropped} lost to a fault)")  # fmt: skip
    print(f"lost: {len(lost)}, duplicated: {len(duplicated)}, stored but unknown to the client: {len(unknown)}")
    print(f"replays of 201 keys: {dict(replay)}")
    print("health: " + "; ".join(health_lines) + (f"; ready at the end (t={ready_at:.1f}s)" if ready_at else ""))
    print("ready again (200) after each fault, by itself: "
          + ", ".join(f"{name} {'never' if s is None else f'{s} s'}" for name, s in recoveries))  # fmt: skip
    print(f"check_ledgers: {'exact (All ledgers balance.)' if ledgers_ok else 'MISMATCH'}; "
          f"bench_prepare --verify: {'exact' if verify.returncode == 0 else 'FAILED'}")  # fmt: skip
    print(f"gunicorn workers after the run: {workers_after}/{args.workers}")
    print(f"total time: {time.monotonic() - T0:.0f} s")
    if problems:
        print("\nFAILED:")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print("\nOK: every check holds.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
