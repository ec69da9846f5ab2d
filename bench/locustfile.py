"""Livrili load scenarios for locust (headless, driven by bench/run.py; see docs/performance.md).

One user class per scenario, chosen on the locust command line; every scenario user sends its
requests back to back (closed loop, no think time) except `MixRetailerUser`/`MixStaffUser`,
the 1 000-user think-time mix. Any non-2xx answer is a failure. Environment:
  BENCH_PREPARED   JSON written by `manage.py bench_prepare` (tokens, products, queries)
  BENCH_STATS_OUT  where to write this run's figures (JSON) when locust stops
  BENCH_WARMUP     seconds after which the statistics are reset (warm-up excluded)
  BENCH_THINK_MIN / BENCH_THINK_MAX   think time of the mix users (seconds)
  BENCH_MIX_STAFF  how many of the mix users are staff (admin order list)
  BENCH_RATE       when set, each scenario user waits a random time of mean 1/BENCH_RATE
                   seconds (exponential) between iterations: the paced runs below capacity
"""

import itertools
import json
import os
import random
import time
import uuid
from pathlib import Path

import gevent
from locust import between, constant, events, task
from locust.contrib.fasthttp import FastHttpUser

PREPARED = json.loads(Path(os.environ.get("BENCH_PREPARED", "bench-results/prepared.json")).read_text("utf-8"))
RETAILERS = PREPARED["retailers"]
PRODUCTS = PREPARED["products"]
DETAIL_IDS = PREPARED["detail_product_ids"] or [p["id"] for p in PRODUCTS]
QUERIES = PREPARED["catalog_queries"]
LINES = PREPARED["lines_per_order"]
DRIVERS = PREPARED.get("drivers") or []
THINK = (float(os.environ.get("BENCH_THINK_MIN", "5")), float(os.environ.get("BENCH_THINK_MAX", "15")))
RATE = float(os.environ.get("BENCH_RATE") or 0)
_next_retailer = itertools.count()
_next_driver = itertools.count()

# Request names: the scenario figures are read from these entries.
CATALOG = "catalog ar category+search"
CATALOG_UNCACHED = "catalog ar category+search+in_stock (uncached)"
CATALOG_CEILING = "catalog ceiling (raw SQL, same page)"
CATALOG_CEILING_IDS = "catalog ceiling, subtree by ids (raw SQL, same page)"
DETAIL = "product detail"
CART_ADD = "cart add"
CART_FILL = "cart add (order fill)"
CART_CLEAR = "cart clear"
CART_VIEW = "cart view"
PLACE = "order place (10 lines)"
PLACE_MIX = "order place (mix)"
HISTORY = "retailer order history"
ADMIN_LIST = "admin order list"
DASHBOARD = "dashboard (cached)"
HEALTH = "health"
DRIVER_ROUTE = "driver route"
DRIVER_STATUS = "driver status update"
# What a driver reports for each delivery of its route, in turn (failed needs no proof).
DRIVER_STEPS = ({"status": "picked_up"}, {"status": "in_transit"}, {"status": "failed", "failure_reason": "absent"})


def check(response, expected=None):
    """Any non-2xx (or not the expected status) is a failure, with the start of the body."""
    ok = response.status_code == expected if expected else 200 <= response.status_code < 300
    if not ok:
        body = (response.text or "")[:300]
        response.failure(f"HTTP {response.status_code}: {body}")


def poisson_wait(rate: float):
    """Exponential waits: each user's iterations form a Poisson stream, so users spawned together
    do not keep firing together (a fixed period would turn 32 users into bursts of 32)."""
    return lambda user: random.expovariate(rate)


class BenchUser(FastHttpUser):
    abstract = True
    wait_time = poisson_wait(RATE) if RATE else constant(0)
    host = PREPARED["base_url"]

    def get(self, path, name, **kwargs):
        with self.client.get(path, name=name, catch_response=True, **kwargs) as response:
            check(response)
            return response

    def send(self, method, path, name, expected=None, **kwargs):
        with self.client.request(method, path, name=name, catch_response=True, **kwargs) as response:
            check(response, expected)
            return response


class RetailerUser(BenchUser):
    """Each virtual user has a retailer of its own (bench_prepare makes enough of them)."""

    abstract = True

    def on_start(self):
        index = next(_next_retailer)
        self.retailer = RETAILERS[index % len(RETAILERS)]
        self.headers = {"Authorization": f"Bearer {self.retailer['token']}"}
        self.cart_lines = set()

    def catalog_page(self, name=CATALOG, extra=""):
        query = random.choice(QUERIES)
        path = f"/api/v1/products?lang=ar&category={query['category']}&search={query['search']}{extra}"
        self.get(path, name, headers=self.headers)

    def product_detail(self):
        self.get(f"/api/v1/products/{random.choice(DETAIL_IDS)}?lang=ar", DETAIL, headers=self.headers)

    def cart_add(self, product, quantity, name=CART_ADD):
        body = {"product_id": product["id"], "quantity": quantity}
        self.send("POST", "/api/v1/retailers/cart/items", name, 200, json=body, headers=self.headers)
        self.cart_lines.add(product["id"])

    def cart_clear(self):
        self.send("DELETE", "/api/v1/retailers/cart", CART_CLEAR, 204, headers=self.headers)
        self.cart_lines.clear()

    def place(self, name):
        _measure["orders_attempted"] += 1  # sent; the server may finish it after locust stops
        headers = {**self.headers, "Idempotency-Key": uuid.uuid4().hex}
        body = {"payment_method": "credit"}
        self.send("POST", "/api/v1/retailers/orders", name, 201, json=body, headers=headers)
        self.cart_lines.clear()

    def history(self):
        self.get("/api/v1/retailers/orders", HISTORY, headers=self.headers)


# --- Scenarios at 32 concurrent clients, no think time -------------------------------------


class HealthScenario(BenchUser):
    @task
    def health(self):
        self.get("/health", HEALTH)


class CatalogScenario(RetailerUser):
    @task
    def catalog(self):
        self.catalog_page()


class CatalogUncachedScenario(RetailerUser):
    @task
    def catalog(self):
        self.catalog_page(CATALOG_UNCACHED, "&in_stock=true")


class CatalogCeilingScenario(BenchUser):
    """The same pages as CatalogUncachedScenario from bench/ceiling.py (one SQL statement, no
    Django), served by a second gunicorn at BENCH_CEILING_URL: the database's pace for that page."""

    host = os.environ.get("BENCH_CEILING_URL") or PREPARED["base_url"]

    name, form = CATALOG_CEILING, ""

    @task
    def catalog(self):
        query = random.choice(QUERIES)
        path = f"/catalog?lang=ar&category={query['category']}&search={query['search']}&in_stock=true{self.form}"
        self.get(path, self.name)


class CatalogCeilingIdsScenario(CatalogCeilingScenario):
    """The same ceiling with the category's subtree taken by ids (the plan of the app's statement)."""

    name, form = CATALOG_CEILING_IDS, "&subtree=ids"


class ProductDetailScenario(RetailerUser):
    @task
    def detail(self):
        self.product_detail()


class CartAddScenario(RetailerUser):
    """Adds a valid quantity of a pool product; the cart is emptied every 20 adds, so carts
    stay the size of a real one (the clear is reported on its own line)."""

    def on_start(self):
        super().on_start()
        self.cart_clear()
        self.adds = 0

    @task
    def add(self):
        if self.adds and self.adds % 20 == 0:
            self.cart_clear()
        product = random.choice(PRODUCTS)
        self.cart_add(product, product["quantity"])
        self.adds += 1


class PlacementScenario(RetailerUser):
    """Fills its own cart with 10 distinct valid lines, then places it (credit, unique
    Idempotency-Key). Only the placement is the scenario's figure."""

    def on_start(self):
        super().on_start()
        self.cart_clear()

    @task
    def place_order(self):
        for product in random.sample(PRODUCTS, LINES):
            self.cart_add(product, product["quantity"], CART_FILL)
        self.place(PLACE)


class OrderHistoryScenario(RetailerUser):
    @task
    def history_page(self):
        self.history()


class AdminOrderListScenario(BenchUser):
    PATHS = ["/api/v1/orders", "/api/v1/orders?status=pending", "/api/v1/orders?offset=20", "/api/v1/orders?limit=50"]

    def on_start(self):
        self.headers = {"Authorization": f"Bearer {PREPARED['staff_token']}"}

    @task
    def order_list(self):
        self.get(random.choice(self.PATHS), ADMIN_LIST, headers=self.headers)


class DashboardScenario(BenchUser):
    """Operators opening the dashboard: the same 30-day figures, answered from the short-lived
    analytics cache (the cold computation is timed apart, bench/run.py TIMED)."""

    def on_start(self):
        self.headers = {"Authorization": f"Bearer {PREPARED['staff_token']}"}

    @task
    def dashboard(self):
        self.get("/api/v1/analytics/dashboard?period=30d", DASHBOARD, headers=self.headers)


class DriverScenario(BenchUser):
    """A driver app: fetch the route of the day, then one status update (with Idempotency-Key)
    for the next step of the next delivery. Each client is its own bench driver; when its
    deliveries are all done it only fetches its route (counted apart, `driver pool done`)."""

    def on_start(self):
        driver = DRIVERS[next(_next_driver) % len(DRIVERS)]
        self.headers = {"Authorization": f"Bearer {driver['token']}"}
        self.route_path = f"/api/v1/drivers/me/route?date={driver['route_date']}"
        # Each locust run is a new process: the steps left come from the server's state.
        route = self.get(self.route_path, f"{DRIVER_ROUTE} (start)", headers=self.headers).json()["data"]
        done = {"assigned": 0, "picked_up": 1, "in_transit": 2}
        self.steps = [
            (stop["delivery_id"], step)
            for stop in route["stops"]
            if stop["delivery_status"] in done
            for step in DRIVER_STEPS[done[stop["delivery_status"]] :]
        ]

    @task
    def route_and_update(self):
        self.get(self.route_path, DRIVER_ROUTE, headers=self.headers)
        if not self.steps:
            _measure["driver_pool_done"] += 1
            return
        delivery, body = self.steps.pop(0)
        headers = {**self.headers, "Idempotency-Key": uuid.uuid4().hex}
        path = f"/api/v1/drivers/me/deliveries/{delivery}/status"
        self.send("POST", path, DRIVER_STATUS, 200, json=body, headers=headers)


# --- The 1 000-user think-time mix -------------------------------------------------------
# Retailer users (all but BENCH_MIX_STAFF) pick, after a think time of 5–15 s: catalog page
# 40 %, product detail 25 %, cart add 15 %, order history 10 %, cart view 5 %, checkout 5 %
# (places the cart when it has a line, else adds one; each mix line alone meets the
# minimum order value). Staff users list orders. Each retailer user has its own retailer.


class MixRetailerUser(RetailerUser):
    wait_time = between(*THINK)
    weight = 1

    def on_start(self):
        super().on_start()
        self.cart_clear()

    def mix_product(self):
        product = random.choice(PRODUCTS)
        return product, product["quantity"] * LINES

    @task(40)
    def catalog(self):
        self.catalog_page()

    @task(25)
    def detail(self):
        self.product_detail()

    @task(15)
    def add(self):
        self.cart_add(*self.mix_product())

    @task(10)
    def orders(self):
        self.history()

    @task(5)
    def cart(self):
        self.get("/api/v1/retailers/cart", CART_VIEW, headers=self.headers)

    @task(5)
    def checkout(self):
        if self.cart_lines:
            self.place(PLACE_MIX)
        else:
            self.cart_add(*self.mix_product())


class MixStaffUser(AdminOrderListScenario):
    wait_time = between(*THINK)
    fixed_count = int(os.environ.get("BENCH_MIX_STAFF", "20"))


# --- Figures -------------------------------------------------------------------------------

_measure = {"started": None, "orders_placed": 0, "orders_attempted": 0, "driver_pool_done": 0}


@events.request.add_listener
def _count_orders(name, exception, **kwargs):
    # Placements that succeeded over the whole run, warm-up included (checked against the database).
    if name in (PLACE, PLACE_MIX) and exception is None:
        _measure["orders_placed"] += 1


@events.test_start.add_listener
def _schedule_reset(environment, **kwargs):
    warmup = float(os.environ.get("BENCH_WARMUP", "0"))

    def reset():
        environment.stats.reset_all()
        _measure["started"] = time.time()

    _measure["started"] = time.time()
    if warmup > 0:
        gevent.spawn_later(warmup, reset)


@events.quitting.add_listener
def _write_stats(environment, **kwargs):
    out = os.environ.get("BENCH_STATS_OUT")
    if not out:
        return
    duration = max(time.time() - (_measure["started"] or time.time()), 1e-6)
    entries = {}
    for (name, method), entry in environment.stats.entries.items():
        if not entry.num_requests and not entry.num_failures:
            continue
        entries[name] = {
            "method": method,
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "rps": round(entry.num_requests / duration, 2),
            "avg_ms": round(entry.avg_response_time, 1),
            "p50_ms": entry.get_response_time_percentile(0.5),
            "p95_ms": entry.get_response_time_percentile(0.95),
            "p99_ms": entry.get_response_time_percentile(0.99),
            "max_ms": round(entry.max_response_time or 0, 1),
        }
    total = environment.stats.total
    errors = [
        {"name": error.name, "error": str(error.error)[:300], "occurrences": error.occurrences}
        for error in list(environment.stats.errors.values())[:20]
    ]
    result = {
        "duration_s": round(duration, 2),
        "orders_placed": _measure["orders_placed"],
        "orders_attempted": _measure["orders_attempted"],
        "driver_pool_done": _measure["driver_pool_done"],
        "entries": entries,
        "total": {
            "requests": total.num_requests,
            "failures": total.num_failures,
            "rps": round(total.num_requests / duration, 2),
            "p50_ms": total.get_response_time_percentile(0.5),
            "p95_ms": total.get_response_time_percentile(0.95),
            "p99_ms": total.get_response_time_percentile(0.99),
        },
        "errors": errors,
    }
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=1)
