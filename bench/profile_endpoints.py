"""Per-request cost of each bench scenario, in-process (Django test client, no HTTP server):
SQL queries, time in SQL, wall time and CPU time of this process (CPU time is not inflated
when another process competes for the cores, wall time is). Run by bench/run.py with the
bench environment (same database, cache and signing key as the prepared tokens):

    python bench/profile_endpoints.py bench-results/prepared.json [iterations] > profile.json
"""

import json
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livrili.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def measure(call, iterations: int, warm: bool = True) -> dict:
    if warm:
        call()  # caches, connection
    walls, cpus, sql_ms, counts, status = [], [], [], [], None
    for _ in range(iterations):
        with CaptureQueriesContext(connection) as queries:
            wall, cpu = time.perf_counter(), time.process_time()
            response = call()
            cpus.append((time.process_time() - cpu) * 1000)
            walls.append((time.perf_counter() - wall) * 1000)
        status = response.status_code
        counts.append(len(queries.captured_queries))
        sql_ms.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
    return {
        "status": status,
        "queries": max(counts),
        "sql_ms": round(statistics.median(sql_ms), 1),
        "wall_ms": round(statistics.median(walls), 1),
        "cpu_ms": round(statistics.median(cpus), 1),
    }


def main() -> None:
    prepared = json.loads(Path(sys.argv[1]).read_text("utf-8"))
    iterations = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    client = Client(HTTP_HOST="127.0.0.1")
    retailer = {"HTTP_AUTHORIZATION": f"Bearer {prepared['retailers'][0]['token']}"}
    staff = {"HTTP_AUTHORIZATION": f"Bearer {prepared['staff_token']}"}
    products, queries = prepared["products"], prepared["catalog_queries"]
    rng = random.Random(6)

    def catalog(extra=""):
        # The cached scenario repeats one query (a cache hit after the warm-up call); the
        # uncached one (in_stock is never cached) varies it.
        query = rng.choice(queries) if extra else queries[0]
        path = f"/api/v1/products?lang=ar&category={query['category']}&search={query['search']}{extra}"
        return client.get(path, **retailer)

    def add(product=None):
        product = product or rng.choice(products)
        body = {"product_id": product["id"], "quantity": product["quantity"]}
        return client.post("/api/v1/retailers/cart/items", body, content_type="application/json", **retailer)

    def place():
        # The cart fill runs before the clock: only the placement is measured.
        client.delete("/api/v1/retailers/cart", **retailer)
        for product in rng.sample(products, prepared["lines_per_order"]):
            add(product)
        return lambda: client.post(
            "/api/v1/retailers/orders",
            {"payment_method": "credit"},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
            **retailer,
        )

    results = {
        "health": measure(lambda: client.get("/health"), iterations),
        "catalog": measure(catalog, iterations),
        "catalog_uncached": measure(lambda: catalog("&in_stock=true"), iterations),
        "product_detail": measure(
            lambda: client.get(f"/api/v1/products/{rng.choice(prepared['detail_product_ids'])}?lang=ar", **retailer),
            iterations,
        ),
    }
    client.delete("/api/v1/retailers/cart", **retailer)
    results["cart_add"] = measure(add, iterations)
    placements = [measure(place(), 1, warm=False) for _ in range(max(iterations // 4, 3))]
    results["order_placement"] = {
        key: (placements[-1][key] if key == "status" else round(statistics.median(p[key] for p in placements), 1))
        for key in placements[0]
    }
    results["orders_placed"] = sum(p["status"] == 201 for p in placements)
    results["order_history"] = measure(lambda: client.get("/api/v1/retailers/orders", **retailer), iterations)
    results["admin_order_list"] = measure(lambda: client.get("/api/v1/orders", **staff), iterations)
    client.delete("/api/v1/retailers/cart", **retailer)
    results.update(analytics(client, staff, iterations))
    json.dump(results, sys.stdout, indent=1)


def analytics(client, staff: dict, iterations: int) -> dict:
    """The dashboard cold (a new date range each call: never cached) and cached, and the
    12-month sales report as XLSX (quality.md: ≤ 1 s cold, ≤ 50 ms cached, ≤ 10 s)."""
    from datetime import timedelta

    from django.utils import timezone

    ends = iter(timezone.localdate() - timedelta(days=n) for n in range(10_000))

    def cold():
        end = next(ends)
        start = end - timedelta(days=29)
        return client.get(f"/api/v1/analytics/dashboard?date_from={start}&date_to={end}", **staff)

    sales = "/api/v1/reports/sales?period=12m&by=category&interval=month&format=xlsx"
    return {
        "dashboard_cold": measure(cold, iterations, warm=False),
        "dashboard_cached": measure(lambda: client.get("/api/v1/analytics/dashboard?period=30d", **staff), iterations),
        "sales_xlsx_12m": measure(lambda: client.get(sales, **staff), max(iterations // 10, 2), warm=False),
    }


if __name__ == "__main__":
    main()
