"""`make bench`: seed (once) a dedicated PostgreSQL database, prepare, start gunicorn with the
production settings, drive every scenario with locust from another process, check the
ledgers, print the figures and save them as JSON. See docs/performance.md.

    .venv/bin/python bench/run.py              # standard dataset, full runs (~20 min + seeding)
    .venv/bin/python bench/run.py --quick      # small dataset, short runs; exit 1 on any error
"""

import argparse
import hashlib
import json
import math
import os
import platform
import runpy
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# The load generator: requirements-bench.txt's locust in the project's virtualenv, or another
# installation (BENCH_LOCUST=/path/to/locust) so the bench can run without touching it.
LOCUST = Path(os.environ.get("BENCH_LOCUST") or BIN / "locust")
sys.path.insert(0, str(ROOT))

from bench.cpu import KINDS, CpuMeter  # noqa: E402 (the root is on the path now)
from bench.serving import HOST, production_env, start_gunicorn, stop  # noqa: E402

RESULTS = ROOT / "bench-results"
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
REDIS_URL = "redis://127.0.0.1:6379/5"  # a database of its own: flushed at the start of each run

# (key, locust user class, request name of the figure, p95 target in ms or None, note)
SCENARIOS = [
    ("health", "HealthScenario", "health", None, "baseline: /health (no database)"),
    ("catalog", "CatalogScenario", "catalog ar category+search", 50, "GET products?lang=ar&category=…&search=…"),
    (
        "catalog_uncached",
        "CatalogUncachedScenario",
        "catalog ar category+search+in_stock (uncached)",
        50,
        "same + in_stock=true (never served from the cache): the cache-miss path",
    ),
    (
        "catalog_ceiling",
        "CatalogCeilingScenario",
        "catalog ceiling (raw SQL, same page)",
        None,
        "the uncached page as one SQL statement (json_agg), no Django: bench/ceiling.py on its own gunicorn",
    ),
    (
        "catalog_ceiling_ids",
        "CatalogCeilingIdsScenario",
        "catalog ceiling, subtree by ids (raw SQL, same page)",
        None,
        "the same statement with the category's subtree taken by ids (the app's plan): the database's pace",
    ),
    ("product_detail", "ProductDetailScenario", "product detail", 25, "GET products/{id}?lang=ar"),
    ("cart_add", "CartAddScenario", "cart add", 40, "POST retailers/cart/items (cart emptied every 20 adds)"),
    (
        "order_placement",
        "PlacementScenario",
        "order place (10 lines)",
        125,
        "POST retailers/orders, credit, Idempotency-Key (after 10 cart adds)",
    ),
    ("order_history", "OrderHistoryScenario", "retailer order history", 80, "GET retailers/orders (list target)"),
    ("admin_order_list", "AdminOrderListScenario", "admin order list", 80, "GET orders (+status, offset, limit)"),
    ("dashboard", "DashboardScenario", "dashboard (cached)", 50, "GET analytics/dashboard?period=30d, staff"),
    (
        "driver_route",
        "DriverScenario",
        "driver route",
        None,
        "driver app: GET drivers/me/route, then one status update (spec: no target)",
    ),
]
# Scenarios whose clients send a second kind of request with a figure of its own:
# scenario key → [(report key, request name, note)].
SECOND_FIGURES = {
    "driver_route": [
        (
            "driver_status",
            "driver status update",
            "POST drivers/me/deliveries/{id}/status, Idempotency-Key (same clients as driver_route)",
        )
    ]
}
# Ratios printed side by side (issue 19): (name, numerator scenario, denominator scenario, target).
RATIOS = [
    ("catalog_uncached / catalog_ceiling", "catalog_uncached", "catalog_ceiling", 0.9),
    ("catalog_uncached / catalog_ceiling_ids", "catalog_uncached", "catalog_ceiling_ids", None),
    ("catalog / health", "catalog", "health", 0.4),
]
MIX_TARGET_P95 = 100


def timed_measures(count: int) -> list[tuple[str, str, int, list[str]]]:
    """The answers bounded by time rather than throughput (issue 16), each computed afresh: one
    client, one request at a time. (key, note, target in ms, the paths requested in turn.)"""
    today = date.today()
    # Distinct 12-month ranges: each is a cache miss (the cache keys carry the range).
    cold = [
        f"/api/v1/analytics/dashboard?date_from={today - timedelta(days=364 + back)}"
        f"&date_to={today - timedelta(days=back)}"
        for back in range(count)
    ]
    sales = "/api/v1/reports/sales?period=12m&interval=month"
    return [
        ("dashboard_cold", "GET analytics/dashboard, a 12-month range not asked before (cache miss)", 1000, cold),
        (
            "sales_xlsx_12m",
            "GET reports/sales?format=xlsx, 12 months by category × month (the default), recorded",
            10000,
            [f"{sales}&by=category&format=xlsx"] * count,
        ),
        (
            "sales_csv_12m_products",
            "the largest export: 12 months by product × month as CSV (too many rows for XLSX), recorded",
            10000,
            [f"{sales}&by=product&format=csv"] * count,
        ),
    ]


# The paced run: the same clients, each slowed so that together they offer this share of the
# capacity the saturated run measured. Its p95 is the figure held against the target.
PACED_SHARE = 0.5

FULL = {"size": "standard", "users": 32, "duration": 60, "warmup": 10, "mix_users": 1000, "mix_spawn": 50,
        "mix_duration": 180, "think": (5.0, 15.0), "mix_staff": 20, "single": True, "paced": 30,
        "profile_iterations": 30, "driver_deliveries": 40, "timed": 5}  # fmt: skip
QUICK = {"size": "small", "users": 32, "duration": 8, "warmup": 3, "mix_users": 100, "mix_spawn": 50,
         "mix_duration": 15, "think": (1.0, 3.0), "mix_staff": 4, "single": False, "paced": 0,
         "profile_iterations": 5, "driver_deliveries": 8, "timed": 2}  # fmt: skip


def log(message: str) -> None:
    print(f"[bench {datetime.now().strftime('%H:%M:%S')}] {message}", flush=True)


def fail(message: str) -> None:
    log(f"ERROR: {message}")
    sys.exit(2)


# --- Environment ------------------------------------------------------------------------


def check_environment() -> None:
    import psycopg
    import redis

    try:
        psycopg.connect(dbname="postgres", connect_timeout=5, **PG).close()
    except psycopg.Error as exc:
        fail(f"PostgreSQL is not reachable on 127.0.0.1:5432 as postgres ({exc}).")
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=5).ping()
    except redis.RedisError as exc:
        fail(f"Redis is not reachable on 127.0.0.1:6379 ({exc}).")
    if not LOCUST.exists():
        fail(f"locust is missing ({LOCUST}): `make bench` installs requirements-bench.txt.")
    if not (BIN / "gunicorn").exists():
        fail("gunicorn is missing: run `make install`.")


def seed_fingerprint(size: str) -> str:
    """Changes when any seed module changes: the bench database is then seeded again."""
    digest = hashlib.sha256(size.encode())
    files = sorted([*ROOT.glob("*/seed.py"), *ROOT.glob("livrili/*/seed.py")])
    files.append(ROOT / "livrili/ops/management/commands/seed_demo.py")
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_database(name: str, fingerprint: str, reseed: bool) -> bool:
    """Create the database when missing; drop and recreate it when its seed is stale.
    Returns True when it must be (re)seeded."""
    import psycopg

    with psycopg.connect(dbname="postgres", autocommit=True, **PG) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    marker = None
    if exists:
        with psycopg.connect(dbname=name, **PG) as conn:
            table = conn.execute("SELECT to_regclass('bench_seed_marker')").fetchone()[0]
            if table:
                row = conn.execute("SELECT fingerprint FROM bench_seed_marker").fetchone()
                marker = row[0] if row else None
    if exists and marker == fingerprint and not reseed:
        return False
    with psycopg.connect(dbname="postgres", autocommit=True, **PG) as conn:
        if exists:
            log(f"dropping {name} (seed {marker or 'incomplete'} → {fingerprint})")
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return True


def write_marker(name: str, fingerprint: str, size: str) -> None:
    import psycopg

    with psycopg.connect(dbname=name, autocommit=True, **PG) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_seed_marker (fingerprint text, size text, seeded_at timestamptz)"
        )
        conn.execute("DELETE FROM bench_seed_marker")
        conn.execute("INSERT INTO bench_seed_marker VALUES (%s, %s, now())", [fingerprint, size])


def flush_cache() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def manage(env: dict, *args: str, timeout: float) -> str:
    command = [str(BIN / "python"), "manage.py", *args]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)  # noqa: S603
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise RuntimeError(f"manage.py {' '.join(args)} failed ({result.returncode})")
    return result.stdout


# --- Server ---------------------------------------------------------------------------------


def server_overrides(args) -> list[str]:
    """Flags for what the command line changes; the rest comes from gunicorn.conf.py (production)."""
    flags = [("--worker-class", args.worker_class), ("--workers", args.workers), ("--threads", args.threads)]
    return [part for flag, value in flags if value is not None for part in (flag, str(value))]


def gunicorn_model(args) -> dict:
    """The worker model the server runs: gunicorn.conf.py's, with the command line's overrides."""
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    return {key: getattr(args, key) or conf[key] for key in ("worker_class", "workers", "threads")}


def start_server(env: dict, args, app: str = "livrili.wsgi", port: int | None = None) -> subprocess.Popen:
    port = port or args.port
    command = [
        str(BIN / "gunicorn"),
        app,
        "--bind",
        f"{HOST}:{port}",
        *server_overrides(args),
        "--backlog",
        "2048",
        "--keep-alive",
        str(args.keep_alive),
        "--error-logfile",
        str(RESULTS / "gunicorn.log"),
        "--log-level",
        "warning",
    ]
    try:
        return start_gunicorn(command, cwd=ROOT, env=env, health_url=f"http://{HOST}:{port}/health")
    except RuntimeError as exc:
        fail(f"{exc}; see bench-results/gunicorn.log")


# --- Load -----------------------------------------------------------------------------------


def run_locust(
    user_class: str,
    *,
    users: int,
    spawn: float,
    duration: float,
    warmup: float,
    env: dict,
    tag: str,
    web_groups: set[int] | None = None,
):
    """One locust run; with `web_groups` (the process groups of the servers under load), its
    figures carry the CPU each request cost each process over the measured window (bench/cpu.py)."""
    out = RESULTS / f"locust-{tag}.json"
    out.unlink(missing_ok=True)
    command = [
        str(LOCUST),
        "-f",
        str(ROOT / "bench/locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(spawn),
        "--run-time",
        f"{int(warmup + duration)}s",
        "--stop-timeout",
        "10",
        "--only-summary",
        "--loglevel",
        "ERROR",
        *user_class.split(),
    ]
    run_env = {**env, "BENCH_STATS_OUT": str(out), "BENCH_WARMUP": str(warmup)}
    process = subprocess.Popen(  # noqa: S603
        command, cwd=ROOT, env=run_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    meter = CpuMeter(web_groups, process.pid) if web_groups else None
    window = threading.Timer(warmup, meter.start) if meter else None  # locust resets its figures then
    if window:
        window.start()
    try:
        stdout, stderr = process.communicate(timeout=warmup + duration + 180)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
    finally:
        if window:
            window.cancel()
    (RESULTS / f"locust-{tag}.log").write_text(stdout[-20000:] + stderr[-20000:])
    if not out.exists():
        sys.stderr.write(stderr[-3000:])
        raise RuntimeError(f"locust {user_class} wrote no figures (exit {process.returncode})")
    stats = json.loads(out.read_text())
    if meter:
        stats["cpu_us_per_request"] = meter.stop(stats["total"]["requests"])
    return stats


def cpu_busy(seconds: float = 2.0) -> float:
    """Share of the CPU in use over `seconds` while our server and load generator are idle:
    anything well above 0 is another process competing for the cores (figures then suffer)."""

    def sample():
        fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return fields[3] + fields[4], sum(fields)  # idle + iowait, total

    idle1, total1 = sample()
    time.sleep(seconds)
    idle2, total2 = sample()
    return round(1 - (idle2 - idle1) / max(total2 - total1, 1), 2)


def busy_check() -> float:
    busy = cpu_busy()
    if busy > 0.15:
        log(f"warning: {busy:.0%} of the CPU busy before this scenario (another process): figures will suffer")
    return busy


# --- Report ---------------------------------------------------------------------------------


def machine() -> dict:
    info = {"cpu_count": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["cpu_model"] = next(line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line)
        meminfo = Path("/proc/meminfo").read_text().splitlines()[0]
        info["memory_gb"] = round(int(meminfo.split()[1]) / 1024 / 1024, 1)
    except (OSError, StopIteration, ValueError):
        pass
    return info


def git_revision() -> str:
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()  # noqa: S603, S607

    if os.environ.get("BENCH_GIT_REVISION"):  # a tree exported without .git (git archive)
        return os.environ["BENCH_GIT_REVISION"]
    revision = git("rev-parse", "--short=12", "HEAD") or "unknown"
    return revision + ("-dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def dataset_counts(name: str) -> dict:
    import psycopg

    tables = {
        "products": "products_product",
        "categories": "products_category",
        "retailers": "retailers_retailer",
        "orders": "orders_order",
        "order_items": "orders_orderitem",
    }
    counts = {}
    with psycopg.connect(dbname=name, **PG) as conn:
        counts["postgres"] = conn.execute("SHOW server_version").fetchone()[0]
        for key, table in tables.items():
            counts[key] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 (fixed names)
    return counts


def figure(stats: dict, name: str) -> dict:
    entry = stats["entries"].get(name) or {"requests": 0, "failures": 0, "rps": 0}
    return {k: entry.get(k) for k in ("requests", "failures", "rps", "p50_ms", "p95_ms", "p99_ms", "avg_ms", "max_ms")}


def fmt(value, width=7) -> str:
    if value is None:
        return "-".rjust(width)
    return (f"{value:.0f}" if isinstance(value, float) and abs(value) >= 100 else str(value)).rjust(width)


def print_table(report: dict) -> None:
    head = (
        f"{'scenario':<18}{'p50':>7}{'p95':>7}{'p99':>7}{'req/s':>8}{'errors':>8}{'×health':>9}{'target':>8}{'gap':>7}"
    )
    head += f"{'half-load p50/p95':>19}{'1-client p50/p95':>18}"
    print("\n" + head + "\n" + "-" * len(head))
    for key, row in report["scenarios"].items():
        single, paced = row.get("single_client") or {}, row.get("paced") or {}
        single_text = f"{single.get('p50_ms', '-')}/{single.get('p95_ms', '-')}" if single else "-"
        paced_text = f"{paced.get('p50_ms', '-')}/{paced.get('p95_ms', '-')}" if paced else "-"
        print(
            f"{key:<18}{fmt(row['p50_ms'])}{fmt(row['p95_ms'])}{fmt(row['p99_ms'])}{fmt(row['rps'], 8)}"
            f"{fmt(row['errors'], 8)}{fmt(row.get('ratio_to_health'), 9)}{fmt(row.get('target_p95_ms'), 8)}"
            f"{fmt(row.get('gap_ms'), 7)}{paced_text:>19}{single_text:>18}"
        )
    print(
        "(latencies in ms; p50–req/s: 32 clients back to back (capacity); half-load: the same clients"
        " offering half that req/s; gap = half-load p95 − target (saturated p95 without a paced run);"
        " ×health = req/s ÷ /health req/s)"
    )
    for label, ratio in report.get("ratios", {}).items():
        target = f"target ≥ {ratio['target']}" if ratio["target"] else "no target"
        print(f"ratio {label}: {ratio['ratio']} ({target}, same run)")
    rows = report["scenarios"].items()
    metered = {key: row["cpu_us_per_request"] for key, row in rows if row.get("cpu_us_per_request")}
    if metered:
        print(f"\n{'CPU µs per request (32 clients)':<32}" + "".join(f"{kind:>9}" for kind in (*KINDS, "total")))
        for key, cpu in metered.items():
            print(f"{key:<32}" + "".join(f"{cpu[kind]:>9}" for kind in (*KINDS, "total")))
        print("(web = the gunicorn under load, load = locust, other = the rest of the machine)")
    print(f"\n{'in-process, one request':<26}{'status':>7}{'queries':>8}{'SQL ms':>8}{'CPU ms':>8}{'wall ms':>8}")
    for key, row in report.get("profile", {}).items():
        print(f"{key:<26}{row['status']:>7}{row['queries']:>8}{row['sql_ms']:>8}{row['cpu_ms']:>8}{row['wall_ms']:>8}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small dataset, short runs (CI smoke test)")
    parser.add_argument("--size", choices=["small", "standard", "large"])
    parser.add_argument("--users", type=int, help="concurrent clients per scenario (32)")
    parser.add_argument("--duration", type=float, help="measured seconds per scenario")
    parser.add_argument("--warmup", type=float, help="seconds before measuring")
    parser.add_argument("--mix-users", type=int)
    parser.add_argument("--mix-duration", type=float)
    parser.add_argument("--mix-staff", type=int, help="staff users among the mix users (20; 0 = retailers only)")
    parser.add_argument("--only", help="comma-separated scenario keys (health always runs), 'timed', 'mix'")
    parser.add_argument("--no-mix", action="store_true")
    parser.add_argument("--no-single", action="store_true", help="skip the 1-client latency runs")
    parser.add_argument("--paced", type=float, help="measured seconds of the half-capacity runs (30; 0 = none)")
    parser.add_argument("--no-profile", action="store_true", help="skip the in-process profile")
    parser.add_argument("--reseed", action="store_true", help="drop and seed the bench database again")
    parser.add_argument("--port", type=int, default=8010)
    parser.add_argument("--worker-class", help="default: gunicorn.conf.py's")
    parser.add_argument("--workers", type=int, help="default: gunicorn.conf.py's")
    parser.add_argument("--threads", type=int, help="default: gunicorn.conf.py's")
    parser.add_argument(
        "--keep-alive", type=int, default=30, help="seconds; above the mix think time, as a proxy would"
    )
    parser.add_argument("--label", default="", help="free text saved with the results")
    args = parser.parse_args()
    conf = dict(QUICK if args.quick else FULL)
    for key in ("size", "users", "duration", "warmup", "mix_users", "mix_duration", "mix_staff"):
        if getattr(args, key) is not None:
            conf[key] = getattr(args, key)
    if args.no_single:
        conf["single"] = False
    if args.paced is not None:
        conf["paced"] = args.paced
    only = set(args.only.split(",")) if args.only else None
    scenarios = [s for s in SCENARIOS if only is None or s[0] in only or s[0] == "health"]
    run_mix = not args.no_mix and (only is None or "mix" in only)

    started = time.monotonic()
    RESULTS.mkdir(exist_ok=True)
    check_environment()
    db_name = f"livrili_bench_{conf['size']}"
    env = production_env(
        database_url=f"postgres://postgres@127.0.0.1:5432/{db_name}",
        redis_url=REDIS_URL,
        CACHE_KEY_PREFIX="livrili-bench",
    )
    fingerprint = seed_fingerprint(conf["size"])
    must_seed = ensure_database(db_name, fingerprint, args.reseed)
    flush_cache()
    log(f"migrating {db_name}")
    manage(env, "migrate", "--no-input", "-v", "0", timeout=900)
    if must_seed:
        log(f"seeding {db_name} with seed_demo --size {conf['size']} (once; reused while the seeds are unchanged)")
        seed_started = time.monotonic()
        manage(env, "seed_demo", "--size", conf["size"], timeout=5400)
        write_marker(db_name, fingerprint, conf["size"])
        log(f"seeded in {time.monotonic() - seed_started:.0f} s")
    else:
        log(f"{db_name} already seeded ({fingerprint}): reused")

    prepared = RESULTS / "prepared.json"
    retailers = max(conf["users"], conf["mix_users"] - conf["mix_staff"] if run_mix else 0)
    log(f"preparing {retailers} retailers, stock, credit and tokens")
    print(
        manage(
            env,
            "bench_prepare",
            "--out",
            str(prepared),
            "--base-url",
            f"http://127.0.0.1:{args.port}",
            "--retailers",
            str(retailers),
            "--drivers",
            str(conf["users"] if any(s[0] == "driver_route" for s in scenarios) else 0),
            "--driver-deliveries",
            str(conf["driver_deliveries"]),
            "--size",
            conf["size"],
            timeout=1800,
        ).strip()
    )
    # What autovacuum does for a live database: statistics, and the visibility map that lets
    # PostgreSQL count and page from indexes alone (cheap once the tables are vacuumed).
    log("VACUUM ANALYZE")
    manage(
        env,
        "shell",
        "-c",
        "from django.db import connection; connection.cursor().execute('VACUUM ANALYZE')",
        timeout=1800,
    )
    locust_env = {
        **env,
        "BENCH_PREPARED": str(prepared),
        "BENCH_THINK_MIN": str(conf["think"][0]),
        "BENCH_THINK_MAX": str(conf["think"][1]),
        "BENCH_MIX_STAFF": str(conf["mix_staff"]),
        "BENCH_CEILING_URL": f"http://{HOST}:{args.port + 1}",
    }
    profile = {"orders_placed": 0} if args.no_profile else run_profile(env, prepared, conf)
    model = gunicorn_model(args)
    log(f"starting gunicorn ({model['worker_class']}, {model['workers']} workers × {model['threads']} threads)")
    server = start_server(env, args)
    report = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "label": args.label,
        "git_revision": git_revision(),
        "machine": machine(),
        "dataset": {"size": conf["size"], "database": db_name, **dataset_counts(db_name)},
        "server": {
            **model,
            "keep_alive_s": args.keep_alive,
            "conn_max_age": int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        },
        "config": {**conf, "think": list(conf["think"])},
        "scenarios": {},
        "raw": {},
    }
    orders_placed = profile.pop("orders_placed")
    orders_attempted = orders_placed
    report["profile"] = profile
    ceiling = None  # the raw-SQL ceiling's server
    try:
        health_rps = None
        for key, user_class, name, target, note in scenarios:
            load_before = busy_check()
            log(f"scenario {key}: {conf['users']} clients, {conf['warmup']:.0f}+{conf['duration']:.0f} s")
            # The ceiling has a server of its own (the app's worker model), up only while it runs.
            if key.startswith("catalog_ceiling"):
                ceiling = start_server(env, args, "bench.ceiling:application", args.port + 1)
            stats = run_locust(
                user_class,
                users=conf["users"],
                spawn=conf["users"],
                duration=conf["duration"],
                warmup=conf["warmup"],
                env=locust_env,
                tag=key,
                web_groups={p.pid for p in (server, ceiling) if p is not None},
            )
            orders_placed += stats["orders_placed"]
            orders_attempted += stats["orders_attempted"]
            runs = {"saturated": stats}  # the runs of this scenario, for SECOND_FIGURES
            row = figure(stats, name)
            row["cpu_busy_before"] = load_before
            row["cpu_us_per_request"] = stats.get("cpu_us_per_request")
            row["errors"] = stats["total"]["failures"]  # the scenario's auxiliary requests count too
            row["note"] = note
            row["target_p95_ms"] = target
            if key == "health":
                health_rps = row["rps"]
            row["ratio_to_health"] = round(row["rps"] / health_rps, 3) if health_rps else None
            if conf["paced"] and key != "health" and row["rps"]:
                rate = row["rps"] * PACED_SHARE
                paced = run_locust(
                    user_class,
                    users=conf["users"],
                    spawn=conf["users"],
                    duration=conf["paced"],
                    warmup=5,
                    env={**locust_env, "BENCH_RATE": str(rate / conf["users"])},
                    tag=f"{key}-paced",
                )
                orders_placed += paced["orders_placed"]
                orders_attempted += paced["orders_attempted"]
                row["paced"] = {"offered_rps": round(rate, 1), **figure(paced, name)}
                runs["paced"] = paced
                row["errors"] += paced["total"]["failures"]
            measured = (row.get("paced") or row)["p95_ms"]
            row["gap_ms"] = round(measured - target, 1) if target and measured is not None else None
            if conf["single"]:
                single = run_locust(
                    user_class, users=1, spawn=1, duration=10, warmup=2, env=locust_env, tag=f"{key}-1client"
                )
                orders_placed += single["orders_placed"]
                orders_attempted += single["orders_attempted"]
                row["single_client"] = figure(single, name)
                row["errors"] += single["total"]["failures"]
                runs["single"] = single
            report["scenarios"][key] = row
            for second_key, second_name, second_note in SECOND_FIGURES.get(key, []):
                second = {**figure(stats, second_name), "errors": 0, "note": second_note, "target_p95_ms": None}
                if "paced" in runs:
                    second["paced"] = figure(runs["paced"], second_name)
                if "single" in runs:
                    second["single_client"] = figure(runs["single"], second_name)
                second["ratio_to_health"] = round(second["rps"] / health_rps, 3) if health_rps else None
                report["scenarios"][second_key] = second  # errors are counted once, on the scenario's row
            report["raw"][key] = stats
            log(f"  {name}: p95 {row['p95_ms']} ms, {row['rps']} req/s, {row['errors']} errors")
            for error in stats["errors"][:3]:
                log(f"  error: {error['name']}: {error['error'][:200]} ×{error['occurrences']}")
            stop(ceiling)
            ceiling = None
        if only is None or "timed" in only:
            token = json.loads(prepared.read_text("utf-8"))["staff_token"]
            report["scenarios"].update(run_timed(f"http://{HOST}:{args.port}", token, conf["timed"]))
        if run_mix:
            load_before = busy_check()
            spawn_time = conf["mix_users"] / conf["mix_spawn"]
            log(
                f"scenario mix: {conf['mix_users']} users, think {conf['think'][0]:.0f}–{conf['think'][1]:.0f} s, "
                f"ramp {spawn_time:.0f} s + {conf['mix_duration']:.0f} s measured"
            )
            stats = run_locust_mix(conf, locust_env, spawn_time, web_groups={server.pid})
            orders_placed += stats["orders_placed"]
            orders_attempted += stats["orders_attempted"]
            total = stats["total"]
            row = {k: total.get(k) for k in ("requests", "rps", "p50_ms", "p95_ms", "p99_ms")}
            row.update(
                errors=total["failures"],
                note=f"{conf['mix_users']} users, think {conf['think'][0]:.0f}–{conf['think'][1]:.0f} s, all requests",
                target_p95_ms=MIX_TARGET_P95,
                gap_ms=round(total["p95_ms"] - MIX_TARGET_P95, 1) if total["p95_ms"] is not None else None,
                ratio_to_health=round(total["rps"] / health_rps, 3) if health_rps else None,
                cpu_busy_before=load_before,
                per_request={name: figure(stats, name) for name in stats["entries"]},
                cpu_us_per_request=stats.get("cpu_us_per_request"),
            )
            report["scenarios"][f"mix_{conf['mix_users']}" + ("" if conf["mix_staff"] else "_no_staff")] = row
            report["raw"]["mix"] = stats
            log(f"  mix: p95 {row['p95_ms']} ms, {row['rps']} req/s, {row['errors']} errors")
            for error in stats["errors"][:3]:
                log(f"  error: {error['name']}: {error['error'][:200]} ×{error['occurrences']}")
    finally:
        stop(ceiling)
        stop(server)
    report["ratios"] = {
        label: {
            "ratio": round(report["scenarios"][num]["rps"] / report["scenarios"][den]["rps"], 3),
            "target": minimum,
        }
        for label, num, den, minimum in RATIOS
        if report["scenarios"].get(num, {}).get("rps") and report["scenarios"].get(den, {}).get("rps")
    }

    log("checking ledgers (check_ledgers, bench_prepare --verify)")
    checks = {"orders_placed": orders_placed, "orders_attempted": orders_attempted}
    for label, command in (
        ("check_ledgers", ["check_ledgers"]),
        (
            "bench_verify",
            [
                *("bench_prepare", "--verify", str(prepared)),
                *("--orders-placed", str(orders_placed), "--orders-attempted", str(orders_attempted)),
            ],
        ),
    ):
        try:
            checks[label] = manage(env, *command, timeout=1800).strip().splitlines()[-1]
        except RuntimeError as exc:
            checks[label] = f"FAILED: {exc}"
    report["checks"] = checks
    report["elapsed_s"] = round(time.monotonic() - started)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"{stamp}{'-quick' if args.quick else ''}.json"
    out.write_text(json.dumps(report, indent=1))
    print_table(report)
    for label, value in checks.items():
        print(f"{label}: {value}")
    errors = sum(row["errors"] for row in report["scenarios"].values())
    ledgers_ok = not any(str(v).startswith("FAILED") for v in checks.values())
    print(f"results: {out.relative_to(ROOT)}  ({report['elapsed_s']} s)")
    if errors or not ledgers_ok:
        log(f"FAILED: {errors} request errors, ledgers {'ok' if ledgers_ok else 'NOT exact'}")
        return 1
    return 0


def nearest_rank(values: list[float], share: float) -> float:
    """The nearest-rank percentile: with 5 samples, p95 is the slowest."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * share) - 1)]


def run_timed(base_url: str, token: str, count: int) -> dict:
    rows = {}
    for key, note, target, paths in timed_measures(count):
        log(f"timed {key}: {len(paths)} requests, one at a time")
        times, errors = [], 0
        for path in paths:
            request = urllib.request.Request(base_url + path, headers={"Authorization": f"Bearer {token}"})  # noqa: S310 (our own server)
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310
                    response.read()
            except (urllib.error.URLError, TimeoutError) as exc:
                errors += 1
                log(f"  error: {path}: {exc}")
                continue
            times.append(round((time.perf_counter() - started) * 1000, 1))
        p95 = nearest_rank(times, 0.95) if times else None
        rows[key] = {
            "requests": len(paths),
            "failures": errors,
            "rps": None,
            "p50_ms": nearest_rank(times, 0.5) if times else None,
            "p95_ms": p95,
            "p99_ms": nearest_rank(times, 0.99) if times else None,
            "max_ms": max(times) if times else None,
            "times_ms": times,
            "errors": errors,
            "note": note,
            "target_p95_ms": target,
            "gap_ms": round(p95 - target, 1) if p95 is not None else None,
        }
        log(f"  {key}: {times} ms")
    return rows


def run_profile(env: dict, prepared: Path, conf: dict) -> dict:
    log("profiling one request of each scenario in-process (queries, SQL, CPU)")
    result = subprocess.run(  # noqa: S603
        [str(BIN / "python"), str(ROOT / "bench/profile_endpoints.py"), str(prepared), str(conf["profile_iterations"])],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-4000:])
        fail("bench/profile_endpoints.py failed")
    return json.loads(result.stdout)


def run_locust_mix(conf: dict, env: dict, spawn_time: float, web_groups: set[int]) -> dict:
    """Both mix classes in one locust run: staff users are a fixed count, the rest retailers; the
    CPU each mix request cost each process (bench/cpu.py) is measured after the ramp."""
    return run_locust(
        "MixRetailerUser MixStaffUser" if conf["mix_staff"] else "MixRetailerUser",
        users=conf["mix_users"],
        spawn=conf["mix_spawn"],
        duration=conf["mix_duration"],
        warmup=spawn_time + 5,
        env=env,
        tag="mix",
        web_groups=web_groups,
    )


if __name__ == "__main__":
    sys.exit(main())
