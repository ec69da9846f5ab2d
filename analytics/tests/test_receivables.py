"""Credit aging and cash collection recomputed from the raw invoice, delivery, payment and
handover rows (exact Decimals)."""

import random
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from model_bakery import baker

from analytics.periods import Period
from analytics.reports import report_build
from billing.models import CashHandover, Invoice, Payment
from deliveries.models import Delivery, Driver

from .conftest import at

pytestmark = pytest.mark.django_db


def local_day(moment):
    return timezone.localtime(moment).date()


def pay_some_invoices(seed: int = 3):
    """Partly pay some open invoices and push some due dates back past 90 days."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    for invoice in Invoice.objects.filter(status="issued").order_by("number"):
        choice = rng.random()
        if choice < 0.3:
            paid = (invoice.total * Decimal(rng.randint(1, 99)) / 100).quantize(Decimal("0.01"))
            if Decimal("0") < paid < invoice.total:
                Invoice.objects.filter(pk=invoice.pk).update(status="partially_paid", amount_paid=paid)
        elif choice < 0.4:
            Invoice.objects.filter(pk=invoice.pk).update(status="paid", amount_paid=invoice.total)
        elif choice < 0.6:
            Invoice.objects.filter(pk=invoice.pk).update(
                due_date=invoice.due_date - timedelta(days=rng.randint(40, 120))
            )


def bucket(days_past_due: int) -> str:
    if days_past_due <= 0:
        return "not_due"
    if days_past_due <= 30:
        return "0_30"
    if days_past_due <= 60:
        return "31_60"
    if days_past_due <= 90:
        return "61_90"
    return "90_plus"


def test_credit_aging_matches_the_open_invoices_amounts_due(make_dataset):
    make_dataset(orders=80, seed=11)
    pay_some_invoices()
    today = timezone.localdate()
    names = ["not_due", "0_30", "31_60", "61_90", "90_plus"]
    expected = defaultdict(lambda: dict.fromkeys(names, Decimal("0.00")))
    for invoice in Invoice.objects.all():
        if invoice.status not in ("issued", "partially_paid"):
            continue
        due = invoice.total - invoice.amount_paid
        expected[str(invoice.retailer_id)][bucket((today - invoice.due_date).days)] += due

    report = report_build("credit-aging", period=None)

    *retailers, total = report.rows
    assert {r["id"]: {n: r[n] for n in names} for r in retailers} == dict(expected)
    assert all(r["total"] == sum((r[n] for n in names), Decimal("0")) for r in report.rows)
    assert {n: total[n] for n in names} == {n: sum((e[n] for e in expected.values()), Decimal("0")) for n in names}
    assert total["id"] == "" and total["total"] == sum(
        (i.total - i.amount_paid for i in Invoice.objects.filter(status__in=("issued", "partially_paid"))),
        Decimal("0"),
    )
    # the fixture spreads the amounts over every bucket, so the test covers each boundary rule
    assert all(total[n] > 0 for n in names)
    assert [c.key for c in report.columns] == ["business_name", *names, "total"]


def test_credit_aging_bucket_boundaries(make_dataset):
    data = make_dataset(orders=0)
    today = timezone.localdate()
    retailer = data.retailers[0]
    for number, days in enumerate((-1, 0, 1, 30, 31, 60, 61, 90, 91)):
        order = baker.make_recipe(
            "orders.order",
            retailer=retailer,
            payment_method="credit",
            subtotal=Decimal("10.00"),
            delivery_fee=Decimal("0.00"),
            tax_total=Decimal("0.00"),
            stamp_duty=Decimal("0.00"),
            total=Decimal("10.00"),
        )
        baker.make(
            Invoice,
            number=f"FAC-B-{number}",
            order=order,
            retailer=retailer,
            issued_at=timezone.now(),
            due_date=today - timedelta(days=days),
            status="issued",
            payment_method="credit",
            language="fr",
            seller={},
            buyer={},
            subtotal=Decimal("10.00"),
            discount_total=Decimal("0.00"),
            delivery_fee=Decimal("0.00"),
            tax_total=Decimal("0.00"),
            stamp_duty=Decimal("0.00"),
            total=Decimal("10.00"),
        )
    row = report_build("credit-aging", period=None).rows[0]
    assert {n: row[n] for n in ("not_due", "0_30", "31_60", "61_90", "90_plus")} == {
        "not_due": Decimal("20.00"),  # due tomorrow and due today
        "0_30": Decimal("20.00"),
        "31_60": Decimal("20.00"),
        "61_90": Decimal("20.00"),
        "90_plus": Decimal("10.00"),
    }


def make_cash_day(make_user, data, seed: int = 4):
    """Two drivers delivering the dataset's deliveries, their cash payments (standing or not)
    and handovers (approved or only counted)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    drivers = [
        baker.make(Driver, user=make_user(role="driver"), vehicle_type="van", vehicle_plate=f"C-{n}", capacity_kg=500)
        for n in range(2)
    ]
    cashier = make_user(role="admin")
    for index, delivery in enumerate(Delivery.objects.order_by("number")):
        Delivery.objects.filter(pk=delivery.pk).update(driver=drivers[index % 2])
    today = timezone.localdate()
    for n in range(30):
        driver = rng.choice(drivers)
        status = rng.choice(["in_custody", "confirmed", "cancelled", "in_custody"])
        baker.make(
            Payment,
            retailer=rng.choice(data.retailers[:3]),
            amount=Decimal(rng.randint(100, 900000)) / 100,
            method="cash",
            status=status,
            received_at=at(today - timedelta(days=rng.randint(0, 20)), rng.randint(0, 23), rng.randint(0, 59)),
            collected_by=driver.user,
            reversed_at=timezone.now() if status == "cancelled" else None,
            idempotency_key=f"cash-{n}",
        )
    for n in range(10):
        expected = Decimal(rng.randint(100, 500000)) / 100
        counted = expected + rng.choice([Decimal("0.00"), Decimal("-50.00"), Decimal("20.00")])
        approved = rng.random() < 0.7
        discrepancy = counted - expected
        baker.make(
            CashHandover,
            driver=rng.choice(drivers),
            received_by=cashier,
            business_date=today - timedelta(days=rng.randint(0, 20)),
            expected_amount=expected,
            counted_amount=counted,
            discrepancy=discrepancy,
            reason="other" if discrepancy else "",
            status="approved" if approved else ("balanced" if not discrepancy else "discrepancy"),
            approved_at=timezone.now() if approved else None,
        )
    return drivers


def test_cash_collection_per_driver_per_day_matches_the_rows(make_dataset, make_user):
    data = make_dataset(orders=80, seed=12)
    make_cash_day(make_user, data)
    today = timezone.localdate()
    period = Period(today - timedelta(days=29), today)
    zero = Decimal("0.00")
    expected = defaultdict(lambda: dict.fromkeys(("expected", "collected", "handed_over", "discrepancy"), zero))
    drivers = {d.user_id: d.pk for d in Driver.objects.all()}
    for delivery in Delivery.objects.select_related("order"):
        if (
            delivery.status == "delivered"
            and delivery.order.payment_method == "cash"
            and delivery.driver_id
            and period.start <= local_day(delivery.delivered_at) <= period.end
        ):
            expected[(str(delivery.driver_id), local_day(delivery.delivered_at))]["expected"] += (
                delivery.cash_to_collect
            )
    for payment in Payment.objects.all():
        if (
            payment.status in ("in_custody", "confirmed")
            and period.start <= local_day(payment.received_at) <= period.end
        ):
            expected[(str(drivers[payment.collected_by_id]), local_day(payment.received_at))]["collected"] += (
                payment.amount
            )
    for handover in CashHandover.objects.all():
        if handover.status == "approved" and period.start <= handover.business_date <= period.end:
            row = expected[(str(handover.driver_id), handover.business_date)]
            row["handed_over"] += handover.counted_amount
            row["discrepancy"] += handover.discrepancy

    report = report_build("cash-collection", period=period)

    got = {
        (r["id"], r["date"]): {
            "expected": r["expected"],
            "collected": r["collected"],
            "handed_over": r["handed_over"],
            "discrepancy": r["handover_discrepancy"],
        }
        for r in report.rows
    }
    assert got == dict(expected)
    assert all(r["collection_gap"] == r["collected"] - r["expected"] for r in report.rows)
    assert [r["date"] for r in report.rows] == sorted(r["date"] for r in report.rows)
    # each kind of figure is present in the generated data
    assert all(any(v[k] for v in got.values()) for k in ("expected", "collected", "handed_over", "discrepancy"))


@pytest.mark.parametrize("report_type", ["credit-aging", "cash-collection"])
@pytest.mark.parametrize("file_format", ["json", "csv", "xlsx"])
def test_receivable_reports_answer_every_format(make_dataset, make_user, client_for, report_type, file_format):
    data = make_dataset(orders=20)
    make_cash_day(make_user, data)
    client = client_for(make_user(role="admin", perms=["analytics.run_report"]))
    response = client.get(f"/api/v1/reports/{report_type}?period=30d&format={file_format}")
    assert response.status_code == 200
    if file_format == "json":
        body = response.json()["data"]
        assert body["type"] == report_type and body["rows"]
    else:
        assert len(b"".join(response.streaming_content)) > 0
