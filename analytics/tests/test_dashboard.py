"""Every dashboard figure recomputed in Python from the raw rows of a generated dataset (exact
Decimals), and the endpoints' query counts independent of the data's size."""

from collections import defaultdict
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from model_bakery import baker

from analytics.periods import Period, change
from analytics.selectors import dashboard as selectors
from billing.models import Invoice
from deliveries.models import Delivery
from orders.models import Order, OrderItem
from retailers.models import LedgerEntry, Retailer

from .test_receivables import pay_some_invoices

pytestmark = pytest.mark.django_db

OPEN = {"pending", "on_hold", "confirmed", "processing", "shipped"}
CENT = Decimal("0.01")


def q(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def local_day(moment):
    return timezone.localtime(moment).date()


def inside(period: Period, day) -> bool:
    return period.start <= day <= period.end


def expected_orders(period: Period) -> dict:
    rows = [o for o in Order.objects.values() if inside(period, local_day(o["created_at"]))]
    counted = [o for o in rows if o["status"] not in ("cancelled", "returned")]
    delivered = sum((o["total"] for o in rows if o["status"] == "delivered"), Decimal("0"))
    progress = sum((o["total"] for o in rows if o["status"] in OPEN), Decimal("0"))
    return {
        "orders": len(rows),
        "revenue_delivered": q(delivered),
        "revenue_in_progress": q(progress),
        "average_order_value": q((delivered + progress) / len(counted)) if counted else q(0),
        "active_retailers": len({o["retailer_id"] for o in counted}),
    }


def expected_exposure(period: Period) -> Decimal:
    total = Decimal("0")
    for retailer in Retailer.objects.all():
        entries = [e for e in LedgerEntry.objects.filter(retailer=retailer) if e.created_at < period.upper]
        if entries:
            balance = max(entries, key=lambda e: e.position).balance_after
            total += max(balance, Decimal("0"))
    return q(total)


def expected_overdue(period: Period) -> Decimal:
    return q(
        sum(
            (
                i.total - i.amount_paid
                for i in Invoice.objects.all()
                if i.status in ("issued", "partially_paid") and i.issued_at < period.upper and i.due_date < period.end
            ),
            Decimal("0"),
        )
    )


def on_time(d) -> bool:
    if d.status != "delivered":
        return False
    day, moment = local_day(d.delivered_at), timezone.localtime(d.delivered_at).time()
    if d.window_end is not None:
        return day < d.scheduled_date or (day == d.scheduled_date and moment <= d.window_end)
    if d.estimated_at is not None:
        return d.delivered_at <= d.estimated_at
    return day <= d.scheduled_date


def expected_deliveries(period: Period) -> dict:
    rows = [d for d in Delivery.objects.all() if inside(period, d.scheduled_date)]
    delivered = sum(1 for d in rows if d.status == "delivered")
    failed = sum(1 for d in rows if d.status == "failed" or (d.status == "cancelled" and d.failed_at))
    punctual = sum(1 for d in rows if on_time(d))

    def rate(a, b):
        return q(Decimal(a) * 100 / b) if b else None

    return {
        "deliveries": len(rows),
        "delivered": delivered,
        "failed": failed,
        "on_time": punctual,
        "success_rate": rate(delivered, delivered + failed),
        "on_time_rate": rate(punctual, delivered),
    }


def test_dashboard_figures_match_the_raw_rows(make_dataset):
    # given 60 orders of every status over 70 days, with deliveries, invoices (some partly or
    # fully paid) and ledgers
    make_dataset(orders=60)
    pay_some_invoices()
    today = timezone.localdate()
    period = Period(today - timedelta(days=29), today)
    previous = period.previous()

    # when
    data = selectors.dashboard(period)

    # then
    figures = data["figures"]
    assert previous == Period(today - timedelta(days=59), today - timedelta(days=30))
    cur, prev = expected_orders(period), expected_orders(previous)
    assert cur["orders"] > 5 and prev["orders"] > 5  # the dataset really spans both periods
    for key in cur:
        assert figures[key] == {"value": cur[key], "previous": prev[key], "change": change(cur[key], prev[key])}, key
    retailers = list(Retailer.objects.values("created_at", "status"))
    assert figures["new_signups"]["value"] == sum(1 for r in retailers if inside(period, local_day(r["created_at"])))
    assert figures["new_signups"]["previous"] == sum(
        1 for r in retailers if inside(previous, local_day(r["created_at"]))
    )
    assert figures["pending_approvals"] == {"value": 1, "previous": None, "change": None}
    assert figures["credit_exposure"]["value"] == expected_exposure(period)
    assert figures["credit_exposure"]["previous"] == expected_exposure(previous)
    assert figures["credit_exposure"]["value"] == q(sum(max(r.balance, 0) for r in Retailer.objects.all()))
    assert figures["overdue_amount"]["value"] == expected_overdue(period)
    assert figures["overdue_amount"]["previous"] == expected_overdue(previous)
    deliveries_cur, deliveries_prev = expected_deliveries(period), expected_deliveries(previous)
    assert figures["delivery_success_rate"]["value"] == deliveries_cur["success_rate"]
    assert figures["delivery_success_rate"]["previous"] == deliveries_prev["success_rate"]
    assert figures["on_time_rate"]["value"] == deliveries_cur["on_time_rate"]
    statuses = defaultdict(lambda: [0, Decimal("0")])
    for o in Order.objects.values():
        if inside(period, local_day(o["created_at"])):
            statuses[o["status"]][0] += 1
            statuses[o["status"]][1] += o["total"]
    assert {row["status"]: [row["count"], row["total"]] for row in data["status_distribution"] if row["count"]} == {
        status: [count, q(total)] for status, (count, total) in statuses.items()
    }


def test_cancelled_and_returned_orders_never_count_as_revenue(make_dataset):
    make_dataset(orders=30)
    today = timezone.localdate()
    period = Period(today - timedelta(days=69), today)
    before = selectors.dashboard(period)["figures"]

    # when every order becomes cancelled or returned
    Order.objects.filter(pk__in=Order.objects.values("pk")[:1000]).update(status="cancelled")
    Order.objects.filter(payment_method="credit").update(status="returned")
    after = selectors.dashboard(period)["figures"]

    # then there is no revenue, no active retailer, the orders still count
    assert before["revenue_delivered"]["value"] > 0
    assert after["revenue_delivered"]["value"] == Decimal("0.00")
    assert after["revenue_in_progress"]["value"] == Decimal("0.00")
    assert after["average_order_value"]["value"] == Decimal("0.00")
    assert after["active_retailers"]["value"] == 0
    assert after["orders"]["value"] == before["orders"]["value"] == 30


def test_delivery_performance_matches_the_raw_rows(make_dataset):
    make_dataset(orders=60, seed=11)
    today = timezone.localdate()
    period = Period(today - timedelta(days=29), today)

    data = selectors.delivery_performance(period)

    expected, previous = expected_deliveries(period), expected_deliveries(period.previous())
    assert {key: value["value"] for key, value in data["figures"].items()} == expected
    assert {key: value["previous"] for key, value in data["figures"].items()} == previous
    reasons = defaultdict(int)
    for d in Delivery.objects.all():
        if inside(period, d.scheduled_date) and d.failure_reason:
            reasons[d.failure_reason] += 1
    assert {row["reason"]: row["count"] for row in data["failure_reasons"]} == reasons


def test_trends_geo_and_top_lists_match_the_raw_rows(make_dataset):
    data = make_dataset(orders=60, seed=3)
    today = timezone.localdate()
    period = Period(today - timedelta(days=29), today)
    counted = [
        o
        for o in Order.objects.values()
        if inside(period, local_day(o["created_at"])) and o["status"] not in ("cancelled", "returned")
    ]

    # daily series: one point per day, revenue of counted orders only
    series = selectors.trends(period, "day")["series"]
    assert [point["date"] for point in series] == [period.start + timedelta(days=n) for n in range(30)]
    by_day = defaultdict(Decimal)
    for o in counted:
        by_day[local_day(o["created_at"])] += o["total"]
    assert {p["date"]: p["revenue"] for p in series if p["revenue"]} == {d: q(v) for d, v in by_day.items()}
    monthly = selectors.trends(period, "month")["series"]
    assert sum(p["revenue"] for p in monthly) == q(sum(by_day.values()))
    assert sum(p["orders"] for p in monthly) == sum(p["orders"] for p in series)

    # by wilaya and commune
    geo = selectors.geo(period)
    wilayas, communes = defaultdict(Decimal), defaultdict(Decimal)
    for o in counted:
        wilayas[o["delivery_wilaya_code"]] += o["total"]
        communes[(o["delivery_wilaya_code"], o["delivery_commune"])] += o["total"]
    assert {w["code"]: w["revenue"] for w in geo["wilayas"]} == {k: q(v) for k, v in wilayas.items()}
    assert {(c["wilaya_code"], c["commune"]): c["revenue"] for c in geo["communes"]} == {
        k: q(v) for k, v in communes.items()
    }

    # top retailers and products
    retailers = defaultdict(Decimal)
    for o in counted:
        retailers[o["retailer_id"]] += o["total"]
    top = selectors.top_retailers(period, 2)["results"]
    assert [(r["id"], r["revenue"]) for r in top] == sorted(
        ((k, q(v)) for k, v in retailers.items()), key=lambda item: (-item[1], item[0])
    )[:2]
    products, units = defaultdict(Decimal), defaultdict(int)
    counted_ids = {o["id"] for o in counted}
    for item in OrderItem.objects.all():
        if item.order_id in counted_ids:
            products[item.product_id] += item.line_total
            units[item.product_id] += item.quantity
    top_products = selectors.top_products(period, 10)["results"]
    assert {p["id"]: (p["units"], p["revenue"]) for p in top_products} == {
        k: (units[k], q(v)) for k, v in products.items()
    }
    assert {p["id"] for p in top_products} <= {p.id for p in data.products}


ENDPOINTS = ("dashboard", "trends", "geo", "top-retailers", "top-products", "delivery-performance")


def _queries(client, endpoint: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(f"/api/v1/analytics/{endpoint}?period=90d")
    assert response.status_code == 200, response.content
    return len(context)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_query_count_does_not_grow_with_the_data(endpoint, make_dataset, make_user, client_for):
    from django.core.cache import cache

    client = client_for(make_user(role="admin", perms=["analytics.view_dashboard"]))
    make_dataset(orders=5, seed=1)
    small = _queries(client, endpoint)
    cache.clear()
    make_dataset(orders=50, seed=2)
    large = _queries(client, endpoint)
    assert small == large
    # and a cached answer reads nothing but the session's user
    assert _queries(client, endpoint) < small


def test_dashboard_api_answers_money_as_strings_and_refuses_bad_ranges(make_dataset, make_user, client_for):
    make_dataset(orders=10)
    client = client_for(make_user(role="admin", perms=["analytics.view_dashboard"]))
    response = client.get("/api/v1/analytics/dashboard?date_from=2026-01-01&date_to=2026-01-31")
    assert response.status_code == 200
    body = response.json()
    assert body["data"]["period"] == {"date_from": "2026-01-01", "date_to": "2026-01-31"}
    assert body["data"]["previous_period"] == {"date_from": "2025-12-01", "date_to": "2025-12-31"}
    assert isinstance(body["data"]["figures"]["revenue_delivered"]["value"], str)

    for query, field in (
        ("date_from=2026-02-01", "date_to"),
        ("date_from=2026-02-01&date_to=2026-01-01", "date_to"),
        ("period=7d&date_from=2026-01-01&date_to=2026-01-02", "period"),
        ("period=1y", "period"),
    ):
        response = client.get(f"/api/v1/analytics/dashboard?{query}")
        assert response.status_code == 400, query
        assert response.json()["error_code"] == "VALIDATION_ERROR"
        assert field in response.json()["details"], query


def test_overdue_amount_subtracts_what_was_paid(make_dataset):
    data = make_dataset(orders=0)
    today = timezone.localdate()
    period = Period(today - timedelta(days=29), today)
    cases = [  # (status, total, amount paid, days past due)
        ("issued", "100.00", "0.00", 5),
        ("partially_paid", "250.00", "100.25", 10),
        ("paid", "80.00", "80.00", 10),
        ("cancelled", "70.00", "0.00", 10),
        ("partially_paid", "40.00", "10.00", -3),  # not due yet
    ]
    for number, (status, total, paid, days) in enumerate(cases):
        order = baker.make_recipe(
            "orders.order",
            retailer=data.retailers[0],
            payment_method="credit",
            subtotal=Decimal(total),
            delivery_fee=Decimal("0.00"),
            tax_total=Decimal("0.00"),
            stamp_duty=Decimal("0.00"),
            total=Decimal(total),
        )
        baker.make(
            Invoice,
            number=f"FAC-O-{number}",
            order=order,
            retailer=data.retailers[0],
            issued_at=timezone.now() - timedelta(days=40),
            due_date=today - timedelta(days=days),
            status=status,
            amount_paid=Decimal(paid),
            payment_method="credit",
            language="fr",
            seller={},
            buyer={},
            subtotal=Decimal(total),
            discount_total=Decimal("0.00"),
            delivery_fee=Decimal("0.00"),
            tax_total=Decimal("0.00"),
            stamp_duty=Decimal("0.00"),
            total=Decimal(total),
        )

    overdue = selectors.dashboard(period)["figures"]["overdue_amount"]

    # 100.00 + (250.00 − 100.25); the paid, cancelled and not yet due invoices owe nothing overdue
    assert overdue["value"] == Decimal("249.75")
    assert overdue["value"] == expected_overdue(period)
