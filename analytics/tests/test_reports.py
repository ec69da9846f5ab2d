"""Reports recomputed from the raw rows of the generated dataset (exact Decimals), the files
they export and the record of every export."""

import csv
import io
from collections import defaultdict
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from model_bakery import baker
from openpyxl import load_workbook

from analytics.models import ReportExport
from analytics.periods import Period
from analytics.reports import report_build
from billing.models import CreditNote, Invoice, InvoiceLine
from deliveries.models import Delivery, Driver
from deliveries.selectors import driver_performance
from livrili.core.testing.assertions import assert_error
from orders.models import Order, OrderItem
from products.models import Product
from retailers.models import LedgerEntry, Retailer

pytestmark = pytest.mark.django_db

CENT = Decimal("0.01")


def q(value, places="0.01") -> Decimal:
    return Decimal(value).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def local_day(moment):
    return timezone.localtime(moment).date()


def last(days: int) -> Period:
    today = timezone.localdate()
    return Period(today - timedelta(days=days - 1), today)


def counted_items(period: Period, *, include_cancelled=False):
    orders = {
        o.pk: o
        for o in Order.objects.all()
        if period.start <= local_day(o.created_at) <= period.end
        and (include_cancelled or o.status not in ("cancelled", "returned"))
    }
    return orders, [i for i in OrderItem.objects.all() if i.order_id in orders]


@pytest.mark.parametrize("include_cancelled", [False, True])
def test_sales_by_category_and_product_per_month_match_the_lines(make_dataset, include_cancelled):
    make_dataset(orders=60)
    period = last(60)
    orders, items = counted_items(period, include_cancelled=include_cancelled)

    for by, key in (("product", lambda i: i.product_id), ("category", lambda i: i.product.category_id)):
        report = report_build("sales", period=period, interval="month", by=by, include_cancelled=include_cancelled)
        expected = defaultdict(lambda: [set(), 0, Decimal("0"), Decimal("0"), Decimal("0")])
        for item in items:
            month = local_day(orders[item.order_id].created_at).replace(day=1)
            row = expected[(month, str(key(item)))]
            row[0].add(item.order_id)
            row[1] += item.quantity
            row[2] += item.line_subtotal
            row[3] += item.line_tax
            row[4] += item.line_total
        assert {
            (r["period"], r["key"]): (r["orders"], r["units"], r["net"], r["tax"], r["gross"]) for r in report.rows
        } == {k: (len(v[0]), v[1], q(v[2]), q(v[3]), q(v[4])) for k, v in expected.items()}


def test_sales_by_retailer_and_wilaya_per_week_match_the_orders(make_dataset):
    make_dataset(orders=60, seed=5)
    period = last(60)
    orders, _ = counted_items(period)
    for by, key in (("retailer", lambda o: str(o.retailer_id)), ("wilaya", lambda o: o.delivery_wilaya_code)):
        report = report_build("sales", period=period, interval="week", by=by)
        expected = defaultdict(lambda: [0, Decimal("0"), Decimal("0")])
        for order in orders.values():
            day = local_day(order.created_at)
            row = expected[(day - timedelta(days=day.weekday()), key(order))]
            row[0] += 1
            row[1] += order.subtotal
            row[2] += order.total
        assert {(r["period"], r["key"]): (r["orders"], r["net"], r["gross"]) for r in report.rows} == {
            k: (v[0], q(v[1]), q(v[2])) for k, v in expected.items()
        }


def _invoice(order, number, rate_lines, issued_at):
    invoice = baker.make(
        Invoice,
        number=number,
        order=order,
        retailer=order.retailer,
        issued_at=issued_at,
        due_date=issued_at.date(),
        payment_method="credit",
        language="fr",
        seller={},
        buyer={},
        subtotal=sum(n for _, n, _ in rate_lines),
        discount_total=Decimal("0"),
        delivery_fee=Decimal("0"),
        tax_total=sum(t for _, _, t in rate_lines),
        stamp_duty=Decimal("0"),
        total=sum(n + t for _, n, t in rate_lines),
    )
    for position, (rate, net, tax) in enumerate(rate_lines, 1):
        InvoiceLine.objects.create(
            invoice=invoice,
            position=position,
            kind="product",
            description="x",
            quantity=1,
            unit_price=net,
            tax_rate=rate,
            line_subtotal=net,
            line_tax=tax,
            line_total=net + tax,
        )
    return invoice


def test_tax_report_sums_invoices_per_rate_and_month_minus_credit_notes():
    orders = baker.make_recipe("orders.order", _quantity=2)
    today = timezone.localdate()
    this_month = timezone.make_aware(timezone.datetime.combine(today.replace(day=1), timezone.datetime.min.time()))
    previous_month = this_month - timedelta(days=3)
    D = Decimal
    first = _invoice(
        orders[0], "F-1", [(D("19.00"), D("100.00"), D("19.00")), (D("9.00"), D("50.00"), D("4.50"))], previous_month
    )
    _invoice(orders[1], "F-2", [(D("19.00"), D("200.00"), D("38.00"))], this_month + timedelta(hours=1))
    InvoiceLine.objects.create(
        invoice=first,
        position=9,
        kind="stamp_duty",
        description="timbre",
        quantity=1,
        unit_price=D("1.00"),
        tax_rate=D("0"),
        line_subtotal=D("1.00"),
        line_tax=D("0"),
        line_total=D("1.00"),
    )
    entry = LedgerEntry(
        retailer=first.retailer, position=1, kind="credit_note", amount=D("-173.50"), balance_after=D("-173.50")
    )
    entry.save()
    baker.make(
        CreditNote,
        number="AV-1",
        invoice=first,
        ledger_entry=entry,
        issued_at=this_month + timedelta(hours=2),
        reason="r",
        subtotal=D("-150.00"),
        delivery_fee=D("0"),
        tax_total=D("-23.50"),
        stamp_duty=D("0"),
        total=D("-173.50"),
    )

    report = report_build("tax", period=Period(previous_month.date().replace(day=1), today))

    month0, month1 = previous_month.date().replace(day=1), today.replace(day=1)
    assert [
        (r["month"], r["rate"], r["invoices"], r["cancelled"], r["net"], r["tax"], r["gross"]) for r in report.rows
    ] == [
        (month0, D("9.00"), 1, 0, D("50.00"), D("4.50"), D("54.50")),
        (month0, D("19.00"), 1, 0, D("100.00"), D("19.00"), D("119.00")),
        (month1, D("9.00"), 0, 1, D("-50.00"), D("-4.50"), D("-54.50")),
        (month1, D("19.00"), 1, 1, D("100.00"), D("19.00"), D("119.00")),
    ]


def test_product_performance_and_stock_predictions_match_the_lines(make_dataset):
    data = make_dataset(orders=50)
    Product.objects.filter(pk=data.products[0].pk).update(cost_price=Decimal("12.50"))
    period = last(30)
    _, items = counted_items(period)
    units, revenue = defaultdict(int), defaultdict(Decimal)
    for item in items:
        units[item.product_id] += item.quantity
        revenue[item.product_id] += item.line_subtotal

    rows = {r["id"]: r for r in report_build("product-performance", period=period).rows}
    for product in Product.objects.all():
        row = rows[str(product.pk)]
        velocity = Decimal(units[product.pk]) / 30
        assert (row["units"], row["revenue"], row["stock"]) == (units[product.pk], q(revenue[product.pk]), 100)
        assert row["velocity"] == q(velocity, "0.001")
        assert row["days_of_cover"] == (q(100 / velocity, "0.1") if velocity else None)
        if product.cost_price is None:
            assert row["cost"] is row["margin"] is None
        else:
            cost = q(product.cost_price * units[product.pk])
            assert (row["cost"], row["margin"]) == (cost, q(revenue[product.pk]) - cost)

    predictions = report_build("stock-predictions", period=None, days=30, lead_days=7, cover_days=14).rows
    assert len(predictions) == sum(1 for p in units.values() if p)
    for row in predictions:
        product_units = units[Product.objects.get(pk=row["id"]).pk]
        velocity = Decimal(product_units) / 30
        assert row["days_until_stockout"] == q(100 / velocity, "0.1")
        need = -(-velocity * 21 // 1) - 100  # ceil(velocity × 21) − stock
        assert row["suggested_reorder"] == max(0, int(need))
    assert [r["days_until_stockout"] for r in predictions] == sorted(r["days_until_stockout"] for r in predictions)


def test_retailer_activity_scores_recency_frequency_and_spend(make_dataset):
    make_dataset(orders=40)
    period = last(30)
    report = report_build("retailer-activity", period=period, dormant_days=10)
    counted = [o for o in Order.objects.all() if o.status not in ("cancelled", "returned")]
    for row in report.rows:
        mine = [o for o in counted if str(o.retailer_id) == row["id"]]
        inside = [o for o in mine if period.start <= local_day(o.created_at) <= period.end]
        last_day = max((local_day(o.created_at) for o in mine), default=None)
        assert row["last_order"] == last_day
        assert row["frequency"] == len(inside)
        assert row["monetary"] == q(sum((o.total for o in inside), Decimal("0")))
        assert row["dormant"] == (last_day is None or (period.end - last_day).days > 10)
        assert len(row["rfm"]) == 3 and set(row["rfm"]) <= set("12345")
    assert {r["id"] for r in report.rows} == {str(r.pk) for r in Retailer.objects.filter(status="active")}


def test_driver_performance_report_agrees_with_each_drivers_figures(make_dataset, make_user):
    make_dataset(orders=50)
    drivers = [
        baker.make(Driver, user=make_user(role="driver"), vehicle_type="van", vehicle_plate=f"P-{n}", capacity_kg=500)
        for n in range(2)
    ]
    for index, delivery in enumerate(Delivery.objects.order_by("number")):
        Delivery.objects.filter(pk=delivery.pk).update(driver=drivers[index % 2], rating=(index % 5) + 1)
    period = last(30)

    rows = {r["id"]: r for r in report_build("driver-performance", period=period).rows}

    for driver in drivers:
        figures = driver_performance(driver, date_from=period.start, date_to=period.end)
        row = rows[str(driver.pk)]
        for key in (
            "deliveries",
            "delivered",
            "failed",
            "success_rate",
            "on_time_rate",
            "average_rating",
            "cash_collected",
        ):
            assert row[key] == figures[key], key


def test_report_queries_do_not_grow_with_the_data(make_dataset):
    def count(report_type, **parameters):
        with CaptureQueriesContext(connection) as context:
            report_build(report_type, **parameters)
        return len(context)

    cases = [
        ("sales", {"period": last(90), "by": "product"}),
        ("sales", {"period": last(90), "by": "wilaya"}),
        ("tax", {"period": last(90)}),
        ("product-performance", {"period": last(90)}),
        ("stock-predictions", {"period": None}),
        ("retailer-activity", {"period": last(90)}),
        ("driver-performance", {"period": last(90)}),
        ("audit", {"period": last(90)}),
        ("credit-aging", {"period": None}),
        ("cash-collection", {"period": last(90)}),
    ]
    make_dataset(orders=5, seed=1)
    small = [count(t, **p) for t, p in cases]
    make_dataset(orders=50, seed=2)
    assert [count(t, **p) for t, p in cases] == small


# --- API ----------------------------------------------------------------------------------------


@pytest.fixture
def finance(make_user, client_for):
    return client_for(make_user(role="admin", perms=["analytics.run_report", "analytics.view_reportexport"]))


def test_report_api_answers_json_and_records_nothing(make_dataset, finance):
    make_dataset(orders=20)
    response = finance.get("/api/v1/reports/sales?period=30d&by=wilaya&interval=month")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["type"] == "sales" and data["parameters"] == {
        "interval": "month",
        "by": "wilaya",
        "include_cancelled": False,
    }
    assert [c["key"] for c in data["columns"]] == ["period", "key", "name", "orders", "net", "tax", "gross"]
    expected = report_build("sales", period=last(30), by="wilaya").rows
    assert [(r["key"], r["gross"]) for r in data["rows"]] == [(r["key"], str(r["gross"])) for r in expected]
    assert ReportExport.objects.count() == 0


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_report_files_hold_the_rows_and_each_export_is_recorded(make_dataset, finance, file_format):
    make_dataset(orders=20)
    expected = report_build("sales", period=last(30), by="product").rows

    response = finance.get(f"/api/v1/reports/sales?period=30d&by=product&format={file_format}")

    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    if file_format == "csv":
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        assert [(r[1], r[-1]) for r in rows[1:]] == [(r["key"], str(r["gross"])) for r in expected]
    else:
        sheet = load_workbook(io.BytesIO(content)).active
        values = list(sheet.iter_rows(min_row=2, values_only=True))
        assert [(v[1], Decimal(str(v[-1])).quantize(CENT)) for v in values] == [
            (r["key"], r["gross"]) for r in expected
        ]
    export = ReportExport.objects.get()
    assert (export.report_type, export.format, export.source, export.row_count, export.size) == (
        "sales",
        file_format,
        "api",
        len(expected),
        len(content),
    )
    assert export.parameters["by"] == "product" and export.parameters["date_to"] == timezone.localdate().isoformat()
    assert export.file.read() == content

    listing = finance.get("/api/v1/report-exports")
    assert listing.json()["pagination"]["total"] == 1
    assert listing.json()["data"][0]["row_count"] == len(expected)


def test_report_pdf_in_arabic(make_dataset, finance):
    make_dataset(orders=10)
    response = finance.get("/api/v1/reports/retailer-activity?period=30d&format=pdf&lang=ar")
    if response.status_code == 503:  # WeasyPrint's libraries missing on this machine
        assert_error(response, 503, "SERVICE_UNAVAILABLE")
        assert ReportExport.objects.count() == 0
        return
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert ReportExport.objects.get().parameters["language"] == "ar"


@pytest.mark.parametrize(
    "path, status, code",
    [
        ("/api/v1/reports/receivables", 404, "NOT_FOUND"),
        ("/api/v1/reports/cash-collection?format=docx", 400, "VALIDATION_ERROR"),
        ("/api/v1/reports/credit-aging?format=csv&period=1y", 400, "VALIDATION_ERROR"),
        ("/api/v1/reports/sales?format=docx", 400, "VALIDATION_ERROR"),
        ("/api/v1/reports/sales?by=city&format=csv", 400, "VALIDATION_ERROR"),
        ("/api/v1/reports/stock-predictions?days=3&format=csv", 400, "VALIDATION_ERROR"),
        ("/api/v1/reports/sales?date_from=2026-01-02&date_to=2026-01-01&format=xlsx", 400, "VALIDATION_ERROR"),
    ],
)
def test_refused_report_requests_write_nothing(finance, path, status, code):
    assert_error(finance.get(path), status, code)
    assert ReportExport.objects.count() == 0


@pytest.mark.parametrize(("file_format", "limit"), [("json", 10_000), ("xlsx", 100_000), ("pdf", 1_000)])
def test_a_report_too_long_for_its_format_is_refused_in_the_request_language_and_recorded_nowhere(
    make_dataset, finance, monkeypatch, file_format, limit
):
    """183 000 rows of 12-month sales by product × month outlived the server's 30 s as XLSX
    (a 500): each format answers a bounded number of rows, CSV any number."""
    from analytics import rendering

    make_dataset(orders=20)
    rows = len(report_build("sales", period=last(30), by="product").rows)
    monkeypatch.setitem(rendering.ROW_LIMITS, file_format, rows - 1)

    response = finance.get(
        f"/api/v1/reports/sales?period=30d&by=product&format={file_format}", HTTP_ACCEPT_LANGUAGE="fr"
    )

    body = assert_error(response, 400, "VALIDATION_ERROR")
    expected = (
        f"Ce rapport compte {rows} lignes ; une réponse {file_format.upper()} en contient au plus {rows - 1}. "
        "Choisissez CSV, une période plus courte ou un regroupement moins détaillé."
    )
    assert body["details"] == {"format": [expected]}
    assert ReportExport.objects.count() == 0
    assert finance.get("/api/v1/reports/sales?period=30d&by=product&format=csv").status_code == 200
    monkeypatch.undo()
    assert rendering.ROW_LIMITS[file_format] == limit


def test_reports_need_the_report_permission(make_user, client_for):
    client = client_for(make_user(role="admin", perms=["analytics.view_dashboard"]))
    assert_error(client.get("/api/v1/reports/sales?format=csv"), 403, "FORBIDDEN")
    assert ReportExport.objects.count() == 0


def test_demand_forecast_report_has_the_daily_forecast_and_the_backtest_sheet(make_dataset, finance):
    make_dataset(orders=60)
    query = "by=product&horizon=7&history_days=63&limit=2&backtest_weeks=2"

    data = finance.get(f"/api/v1/reports/demand-forecast?{query}").json()["data"]
    assert [c["key"] for c in data["summary_columns"]][-4:] == ["wape", "mape", "naive_wape", "naive_mape"]
    assert len(data["summary"]) == 2 and len(data["rows"]) == 14
    first_day = timezone.localdate().isoformat()  # the history ends yesterday: today is forecast
    assert data["rows"][0]["date"] == first_day
    assert all(Decimal(r["lower"]) <= Decimal(r["forecast"]) <= Decimal(r["upper"]) for r in data["rows"])

    response = finance.get(f"/api/v1/reports/demand-forecast?{query}&format=xlsx")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert len(workbook.worksheets) == 2
    assert workbook.worksheets[1].max_row == 3  # header + the two series' back-tests
    assert_error(finance.get("/api/v1/reports/demand-forecast?by=wilaya"), 400, "VALIDATION_ERROR")
