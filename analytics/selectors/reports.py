"""The reports (workflows §9): each builder aggregates in SQL and returns a `Report` (columns and
rows) that `analytics.reports` renders as JSON, CSV, XLSX or PDF.

Sales count orders by the day they were placed (local time); cancelled and returned orders are
left out unless asked for. The TVA report reads invoices (issued in the month) and subtracts
credit notes in the month they were issued."""

import math
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DateField, IntegerField, Max, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate, TruncMonth, TruncTime, TruncWeek
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from billing.models import CashHandover, CreditNote, HandoverStatus, InvoiceLine, LineKind, Payment, PaymentStatus
from billing.selectors import ar_aging
from deliveries.models import Delivery, DeliveryStatus, Driver
from deliveries.selectors import on_time
from livrili.core.models import AuditLog, Wilaya
from orders.models import Order, OrderItem, PaymentMethod
from products.models import Product
from retailers.models import Retailer

from ..periods import Period, percent, today
from .dashboard import NOT_REVENUE, ZERO, money_sum

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text, int, money, decimal, date, percent


@dataclass
class Report:
    type: str
    title: str
    period: Period | None
    parameters: dict
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)
    # a second table some reports add (the demand forecast's back-test per series)
    summary_columns: list[Column] = field(default_factory=list)
    summary: list[dict] = field(default_factory=list)


def _q(value, places: str = "0.01") -> Decimal:
    return Decimal(value or 0).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _language() -> str:
    language = (get_language() or "ar")[:2]
    return language if language in ("ar", "fr", "en") else "ar"


def _local_date(value):
    if hasattr(value, "date"):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


# Buckets as local dates computed by the database (no per-row time zone conversion in Python:
# 183 000 rows of a 12-month sales report by product spent a second there).
BUCKETS = {
    "day": lambda field, tzinfo: TruncDate(field, tzinfo=tzinfo),
    "week": lambda field, tzinfo: TruncWeek(field, tzinfo=tzinfo, output_field=DateField()),
    "month": lambda field, tzinfo: TruncMonth(field, tzinfo=tzinfo, output_field=DateField()),
}


# --- Sales ------------------------------------------------------------------------------------


def sales(*, period: Period, interval: str = "month", by: str = "category", include_cancelled: bool = False) -> Report:
    """Sales per day/week/month × category, product, retailer or wilaya. Categories and products
    read the order lines (net, TVA, gross of the lines); retailers and wilayas the orders (their
    totals include the delivery fee and the stamp duty)."""
    zone = timezone.get_current_timezone()
    language = _language()
    if by in ("category", "product"):
        lines = OrderItem.objects.filter(order__created_at__gte=period.lower, order__created_at__lt=period.upper)
        if not include_cancelled:
            lines = lines.exclude(order__status__in=NOT_REVENUE)
        if by == "product":
            keys = ("product_id", "product__sku", f"product__name_{language}")
        else:
            keys = ("product__category_id", f"product__category__name_{language}")
        rows = (
            lines.annotate(bucket=BUCKETS[interval]("order__created_at", tzinfo=zone))
            .values("bucket", *keys)
            .annotate(
                orders=Count("order_id", distinct=True),
                units=Coalesce(Sum("quantity"), 0),
                net=money_sum("line_subtotal"),
                tax=money_sum("line_tax"),
                gross=money_sum("line_total"),
            )
            .order_by("bucket", "-gross", keys[0])
        )
        result = [
            {
                "period": _local_date(row["bucket"]),
                "key": str(row[keys[0]]),
                "name": " · ".join(str(row[k]) for k in keys[1:]),
                "orders": row["orders"],
                "units": row["units"],
                "net": _q(row["net"]),
                "tax": _q(row["tax"]),
                "gross": _q(row["gross"]),
            }
            for row in rows
        ]
        columns_extra = [Column("units", _("Units"), "int")]
    else:
        orders = Order.objects.filter(**period.range("created_at"))
        if not include_cancelled:
            orders = orders.exclude(status__in=NOT_REVENUE)
        keys = ("retailer_id", "retailer__business_name") if by == "retailer" else ("delivery_wilaya_code",)
        rows = (
            orders.annotate(bucket=BUCKETS[interval]("created_at", tzinfo=zone))
            .values("bucket", *keys)
            .annotate(
                orders=Count("pk"),
                net=money_sum("subtotal"),
                tax=money_sum("tax_total"),
                gross=money_sum("total"),
            )
            .order_by("bucket", "-gross", keys[0])
        )
        names = dict(Wilaya.objects.values_list("code", "name")) if by == "wilaya" else {}
        result = [
            {
                "period": _local_date(row["bucket"]),
                "key": str(row[keys[0]]),
                "name": row["retailer__business_name"] if by == "retailer" else names.get(row[keys[0]], ""),
                "orders": row["orders"],
                "net": _q(row["net"]),
                "tax": _q(row["tax"]),
                "gross": _q(row["gross"]),
            }
            for row in rows
        ]
        columns_extra = []
    columns = [
        Column("period", _("Period"), "date"),
        Column("key", _("Code")),
        Column("name", _("Name")),
        Column("orders", _("Orders"), "int"),
        *columns_extra,
        Column("net", _("Net (excl. tax)"), "money"),
        Column("tax", _("TVA"), "money"),
        Column("gross", _("Gross (incl. tax)"), "money"),
    ]
    return Report(
        "sales",
        str(_("Sales")),
        period,
        {"interval": interval, "by": by, "include_cancelled": include_cancelled},
        columns,
        result,
    )


# --- TVA --------------------------------------------------------------------------------------


def tax(*, period: Period) -> Report:
    """TVA per rate per month, what the monthly declaration needs: the taxed lines (goods and
    delivery fee; the stamp duty is not TVA) of invoices issued in the month, minus the lines of
    invoices cancelled by a credit note issued in the month."""
    zone = timezone.get_current_timezone()
    taxed = InvoiceLine.objects.exclude(kind=LineKind.STAMP_DUTY)
    issued = (
        taxed.filter(invoice__issued_at__gte=period.lower, invoice__issued_at__lt=period.upper)
        .annotate(month=TruncMonth("invoice__issued_at", tzinfo=zone))
        .values("month", "tax_rate")
        .annotate(
            net=money_sum("line_subtotal"), tax=money_sum("line_tax"), invoices=Count("invoice_id", distinct=True)
        )
    )
    credit_notes = CreditNote.objects.filter(issued_at__gte=period.lower, issued_at__lt=period.upper)
    cancelled = (
        taxed.filter(invoice__credit_notes__in=credit_notes)
        .annotate(month=TruncMonth("invoice__credit_notes__issued_at", tzinfo=zone))
        .values("month", "tax_rate")
        .annotate(
            net=money_sum("line_subtotal"), tax=money_sum("line_tax"), invoices=Count("invoice_id", distinct=True)
        )
    )
    merged: dict = {}
    for sign, rows in ((1, issued), (-1, cancelled)):
        for row in rows:
            item = merged.setdefault(
                (_local_date(row["month"]), row["tax_rate"]),
                {"invoices": 0, "cancelled": 0, "net": ZERO, "tax": ZERO},
            )
            item["invoices" if sign > 0 else "cancelled"] += row["invoices"]
            item["net"] += sign * row["net"]
            item["tax"] += sign * row["tax"]
    rows = [
        {
            "month": month,
            "rate": _q(rate),
            "invoices": item["invoices"],
            "cancelled": item["cancelled"],
            "net": _q(item["net"]),
            "tax": _q(item["tax"]),
            "gross": _q(item["net"] + item["tax"]),
        }
        for (month, rate), item in sorted(merged.items())
    ]
    columns = [
        Column("month", _("Month"), "date"),
        Column("rate", _("Rate (%)"), "decimal"),
        Column("invoices", _("Invoices"), "int"),
        Column("cancelled", _("Cancelled by credit note"), "int"),
        Column("net", _("Net (excl. tax)"), "money"),
        Column("tax", _("TVA"), "money"),
        Column("gross", _("Gross (incl. tax)"), "money"),
    ]
    return Report("tax", str(_("TVA")), period, {}, columns, rows)


# --- Products ---------------------------------------------------------------------------------


def _sold(period: Period, prefix: str = "order_items__") -> Q:
    return Q(
        **{
            f"{prefix}order__created_at__gte": period.lower,
            f"{prefix}order__created_at__lt": period.upper,
        }
    ) & ~Q(**{f"{prefix}order__status__in": NOT_REVENUE})


def product_performance(*, period: Period) -> Report:
    """Per product over the period (counted orders): units, revenue (net of tax), cost at today's
    cost price, margin, velocity (units per day) and days of cover (stock ÷ velocity)."""
    sold = _sold(period)
    language = _language()
    rows = (
        Product.objects.annotate(
            units=Coalesce(Sum("order_items__quantity", filter=sold), 0),
            revenue=money_sum("order_items__line_subtotal", sold),
        )
        .filter(Q(units__gt=0) | Q(is_active=True))
        .values("pk", "sku", f"name_{language}", "stock_quantity", "cost_price", "units", "revenue")
        .order_by("-revenue", "sku")
    )
    result = []
    for row in rows:
        units, revenue = row["units"], _q(row["revenue"])
        cost = None if row["cost_price"] is None else _q(row["cost_price"] * units)
        margin = None if cost is None else revenue - cost
        velocity = Decimal(units) / period.days
        result.append(
            {
                "id": str(row["pk"]),
                "sku": row["sku"],
                "name": row[f"name_{language}"],
                "units": units,
                "revenue": revenue,
                "cost": cost,
                "margin": margin,
                "margin_rate": None if margin is None or not revenue else _q(margin * 100 / revenue),
                "velocity": _q(velocity, "0.001"),
                "stock": row["stock_quantity"],
                "days_of_cover": _q(row["stock_quantity"] / velocity, "0.1") if velocity else None,
            }
        )
    columns = [
        Column("sku", _("SKU")),
        Column("name", _("Product")),
        Column("units", _("Units"), "int"),
        Column("revenue", _("Revenue (excl. tax)"), "money"),
        Column("cost", _("Cost"), "money"),
        Column("margin", _("Margin"), "money"),
        Column("margin_rate", _("Margin (%)"), "percent"),
        Column("velocity", _("Units per day"), "decimal"),
        Column("stock", _("Stock"), "int"),
        Column("days_of_cover", _("Days of cover"), "decimal"),
    ]
    return Report("product-performance", str(_("Product performance")), period, {}, columns, result)


def stock_predictions(*, days: int = 30, lead_days: int = 7, cover_days: int = 14) -> Report:
    """Active products that sell: velocity over the last `days` days (units of counted orders per
    day), days until stock-out (stock ÷ velocity), the date it comes, and the quantity to order
    to cover `lead_days + cover_days` of sales (rounded up; nothing when stock already covers)."""
    end = today()
    period = Period(end - timedelta(days=days - 1), end)
    language = _language()
    rows = (
        Product.objects.filter(is_active=True)
        .annotate(units=Coalesce(Sum("order_items__quantity", filter=_sold(period)), 0))
        .filter(units__gt=0)
        .values("pk", "sku", f"name_{language}", "stock_quantity", "units", "order_multiple")
    )
    result = []
    for row in rows:
        velocity = Decimal(row["units"]) / days
        stock = row["stock_quantity"]
        until = stock / velocity
        need = math.ceil(velocity * (lead_days + cover_days)) - stock
        multiple = row["order_multiple"] or 1
        reorder = 0 if need <= 0 else math.ceil(need / multiple) * multiple
        result.append(
            {
                "id": str(row["pk"]),
                "sku": row["sku"],
                "name": row[f"name_{language}"],
                "stock": stock,
                "units": row["units"],
                "velocity": _q(velocity, "0.001"),
                "days_until_stockout": _q(until, "0.1"),
                "stockout_date": end + timedelta(days=int(until)),
                "suggested_reorder": reorder,
            }
        )
    result.sort(key=lambda item: (item["days_until_stockout"], item["sku"]))
    columns = [
        Column("sku", _("SKU")),
        Column("name", _("Product")),
        Column("stock", _("Stock"), "int"),
        Column("units", _("Units sold"), "int"),
        Column("velocity", _("Units per day"), "decimal"),
        Column("days_until_stockout", _("Days until stock-out"), "decimal"),
        Column("stockout_date", _("Stock-out date"), "date"),
        Column("suggested_reorder", _("Suggested reorder"), "int"),
    ]
    parameters = {"days": days, "lead_days": lead_days, "cover_days": cover_days}
    return Report("stock-predictions", str(_("Stock-out predictions")), period, parameters, columns, result)


def _f(value: float | None, places: str = "0.1") -> Decimal | None:
    return None if value is None else _q(Decimal(str(value)), places)


def demand_forecast(
    *, by: str = "category", horizon: int = 14, history_days: int = 182, limit: int = 10, backtest_weeks: int = 4
) -> Report:
    """Daily units (counted orders) of the `limit` best-selling products or categories over the
    last `history_days` days, forecast `horizon` days ahead with 80 % intervals
    (`analytics.forecasting`), and each series' back-test against the seasonal-naive forecast.
    Series too short to learn a weekly profile are left out."""
    from .. import forecasting

    end = today() - timedelta(days=1)  # whole days only: today is still being ordered
    period = Period(end - timedelta(days=history_days - 1), end)
    language = _language()
    key = "product_id" if by == "product" else "product__category_id"
    name = f"product__name_{language}" if by == "product" else f"product__category__name_{language}"
    lines = OrderItem.objects.filter(
        ~Q(order__status__in=NOT_REVENUE), order__created_at__gte=period.lower, order__created_at__lt=period.upper
    )
    top = list(lines.values(key, name).annotate(units=Sum("quantity")).order_by("-units", key)[:limit])
    zone = timezone.get_current_timezone()
    daily = (
        lines.filter(**{f"{key}__in": [row[key] for row in top]})
        .annotate(day=TruncDate("order__created_at", tzinfo=zone))
        .values(key, "day")
        .annotate(units=Sum("quantity"))
    )
    series: dict = {row[key]: [0.0] * period.days for row in top}
    for row in daily:
        series[row[key]][(row["day"] - period.start).days] = float(row["units"])
    rows, summary = [], []
    for item in top:
        history = series[item[key]]
        if not forecasting.enough_history(history, backtest_weeks):
            continue
        prediction = forecasting.forecast(history, horizon)
        test = forecasting.backtest(history, weeks=backtest_weeks)
        label = str(item[name])
        for step in range(horizon):
            day = end + timedelta(days=step + 1)
            rows.append(
                {
                    "key": str(item[key]),
                    "name": label,
                    "date": day,
                    "forecast": _f(prediction.mean[step]),
                    "lower": _f(prediction.lower[step]),
                    "upper": _f(prediction.upper[step]),
                }
            )
        summary.append(
            {
                "key": str(item[key]),
                "name": label,
                "units": item["units"],
                "forecast_total": _f(sum(prediction.mean)),
                "wape": _f(test.wape, "0.01"),
                "mape": _f(test.mape, "0.01"),
                "naive_wape": _f(test.naive_wape, "0.01"),
                "naive_mape": _f(test.naive_mape, "0.01"),
            }
        )
    columns = [
        Column("key", _("Code")),
        Column("name", _("Name")),
        Column("date", _("Date"), "date"),
        Column("forecast", _("Forecast (units)"), "decimal"),
        Column("lower", _("Low (80 %)"), "decimal"),
        Column("upper", _("High (80 %)"), "decimal"),
    ]
    summary_columns = [
        Column("key", _("Code")),
        Column("name", _("Name")),
        Column("units", _("Units sold"), "int"),
        Column("forecast_total", _("Forecast over the horizon"), "decimal"),
        Column("wape", _("Back-test WAPE (%)"), "percent"),
        Column("mape", _("Back-test MAPE (%)"), "percent"),
        Column("naive_wape", _("Seasonal-naive WAPE (%)"), "percent"),
        Column("naive_mape", _("Seasonal-naive MAPE (%)"), "percent"),
    ]
    parameters = {
        "by": by,
        "horizon": horizon,
        "history_days": history_days,
        "limit": limit,
        "backtest_weeks": backtest_weeks,
    }
    report = Report("demand-forecast", str(_("Demand forecast")), period, parameters, columns, rows)
    report.summary_columns, report.summary = summary_columns, summary
    return report


# --- Retailers --------------------------------------------------------------------------------


def _quintiles(values: list, *, reverse: bool = False) -> list[int]:
    """A 1–5 score per value by rank (5 = best); ties share the better score."""
    if not values:
        return []
    ordered = sorted(values, reverse=reverse)
    size = len(values)
    first_rank = {}
    for rank, value in enumerate(ordered):
        first_rank.setdefault(value, rank)
    return [5 - (first_rank[value] * 5 // size) for value in values]


def retailer_activity(*, period: Period, dormant_days: int = 30) -> Report:
    """Recency (days since the last counted order, ever), frequency and monetary value (counted
    orders placed in the period) per active retailer, with 1–5 scores by rank, and dormant
    retailers (no counted order for `dormant_days` days, or never)."""
    counted = ~Q(orders__status__in=NOT_REVENUE)
    inside = counted & Q(orders__created_at__gte=period.lower, orders__created_at__lt=period.upper)
    rows = list(
        Retailer.objects.filter(status="active")
        .annotate(
            last_order=Max("orders__created_at", filter=counted),
            frequency=Count("orders", filter=inside),
            monetary=money_sum("orders__total", inside),
        )
        .values("pk", "business_name", "wilaya_id", "last_order", "frequency", "monetary")
        .order_by("business_name", "pk")
    )
    reference = period.end
    recency = [None if r["last_order"] is None else (reference - _local_date(r["last_order"])).days for r in rows]
    never = 10**6
    r_scores = _quintiles([never if value is None else value for value in recency])
    f_scores = _quintiles([r["frequency"] for r in rows], reverse=True)
    m_scores = _quintiles([r["monetary"] for r in rows], reverse=True)
    result = [
        {
            "id": str(row["pk"]),
            "business_name": row["business_name"],
            "wilaya": row["wilaya_id"],
            "last_order": None if row["last_order"] is None else _local_date(row["last_order"]),
            "recency_days": days,
            "frequency": row["frequency"],
            "monetary": _q(row["monetary"]),
            "rfm": f"{r}{f}{m}",
            "dormant": days is None or days > dormant_days,
        }
        for row, days, r, f, m in zip(rows, recency, r_scores, f_scores, m_scores, strict=True)
    ]
    columns = [
        Column("business_name", _("Retailer")),
        Column("wilaya", _("Wilaya")),
        Column("last_order", _("Last order"), "date"),
        Column("recency_days", _("Days since last order"), "int"),
        Column("frequency", _("Orders"), "int"),
        Column("monetary", _("Spend"), "money"),
        Column("rfm", _("RFM score")),
        Column("dormant", _("Dormant"), "bool"),
    ]
    return Report(
        "retailer-activity", str(_("Retailer activity")), period, {"dormant_days": dormant_days}, columns, result
    )


# --- Drivers ----------------------------------------------------------------------------------


def driver_performance(*, period: Period) -> Report:
    """Per driver, over the deliveries it holds scheduled in the period, with the drivers'
    performance rules (`deliveries.selectors.driver_performance`: success, on time)."""
    zone = timezone.get_current_timezone()
    failed = Q(status=DeliveryStatus.FAILED) | Q(status=DeliveryStatus.CANCELLED, failed_at__isnull=False)
    rows = (
        Delivery.objects.filter(driver__isnull=False, scheduled_date__gte=period.start, scheduled_date__lte=period.end)
        .annotate(
            delivered_on=TruncDate("delivered_at", tzinfo=zone), delivered_time=TruncTime("delivered_at", tzinfo=zone)
        )
        .values("driver_id", "driver__user__full_name", "driver__vehicle_plate")
        .annotate(
            deliveries=Count("pk"),
            delivered=Count("pk", filter=Q(status=DeliveryStatus.DELIVERED)),
            failed=Count("pk", filter=failed),
            punctual=Count("pk", filter=on_time()),
            ratings=Count("rating"),
            rating_sum=Coalesce(Sum("rating"), Value(0), output_field=IntegerField()),
            cash_collected=money_sum("cash_collected", Q(status=DeliveryStatus.DELIVERED)),
        )
        .order_by("driver__user__full_name", "driver_id")
    )
    result = [
        {
            "id": str(row["driver_id"]),
            "driver": row["driver__user__full_name"],
            "vehicle_plate": row["driver__vehicle_plate"],
            "deliveries": row["deliveries"],
            "delivered": row["delivered"],
            "failed": row["failed"],
            "success_rate": percent(row["delivered"], row["delivered"] + row["failed"]),
            "on_time_rate": percent(row["punctual"], row["delivered"]),
            "average_rating": _q(Decimal(row["rating_sum"]) / row["ratings"]) if row["ratings"] else None,
            "cash_collected": _q(row["cash_collected"]),
        }
        for row in rows
    ]
    columns = [
        Column("driver", _("Driver")),
        Column("vehicle_plate", _("Vehicle plate")),
        Column("deliveries", _("Deliveries"), "int"),
        Column("delivered", _("Delivered"), "int"),
        Column("failed", _("Failed"), "int"),
        Column("success_rate", _("Success (%)"), "percent"),
        Column("on_time_rate", _("On time (%)"), "percent"),
        Column("average_rating", _("Average rating"), "decimal"),
        Column("cash_collected", _("Cash collected"), "money"),
    ]
    return Report("driver-performance", str(_("Driver performance")), period, {}, columns, result)


# --- Receivables and cash ---------------------------------------------------------------------

AGING_LABELS = {
    "not_due": _("Not due"),
    "0_30": _("0–30 days"),
    "31_60": _("31–60 days"),
    "61_90": _("61–90 days"),
    "90_plus": _("Over 90 days"),
}


def credit_aging() -> Report:
    """What retailers owe today (open invoices' total − amount paid) by days past the due date,
    per retailer, then a last row with the totals (`billing.selectors.ar_aging`, in SQL)."""
    aging = ar_aging(today=today())
    names = aging["buckets"]
    rows = [
        {
            "id": str(row["retailer_id"]),
            "business_name": row["business_name"],
            **{name: row[name] for name in names},
            "total": row["total"],
        }
        for row in aging["retailers"]
    ]
    rows.append({"id": "", "business_name": str(_("Total")), **aging["total"]})
    columns = [
        Column("business_name", _("Retailer")),
        *(Column(name, AGING_LABELS.get(name, name), "money") for name in names),
        Column("total", _("Total due"), "money"),
    ]
    return Report("credit-aging", str(_("Credit aging")), Period(today(), today()), {}, columns, rows)


def cash_collection(*, period: Period) -> Report:
    """Per driver per day (business time zone) over the period: expected = cash to collect of the
    cash orders' deliveries it delivered that day; collected = the cash payments it received that
    day that stand (in its custody or confirmed); handed over = counted amounts of its approved
    handovers of that day; `collection_gap` = collected − expected; `handover_discrepancy` = Σ of
    those handovers' discrepancies (counted − their expected). Three grouped queries."""
    zone = timezone.get_current_timezone()
    figures: dict = {}

    def add(driver_id, day, key, amount):
        row = figures.setdefault(
            (driver_id, day), {"expected": ZERO, "collected": ZERO, "handed_over": ZERO, "handover_discrepancy": ZERO}
        )
        row[key] += amount or ZERO

    delivered = (
        Delivery.objects.filter(
            driver__isnull=False,
            status=DeliveryStatus.DELIVERED,
            order__payment_method=PaymentMethod.CASH,
            delivered_at__gte=period.lower,
            delivered_at__lt=period.upper,
        )
        .annotate(day=TruncDate("delivered_at", tzinfo=zone))
        .values("driver_id", "day")
        .annotate(amount=money_sum("cash_to_collect"))
    )
    for row in delivered:
        add(row["driver_id"], row["day"], "expected", row["amount"])
    users = dict(Driver.objects.values_list("user_id", "pk"))
    collected = (
        Payment.objects.filter(
            collected_by__isnull=False,
            status__in=(PaymentStatus.IN_CUSTODY, PaymentStatus.CONFIRMED),
            received_at__gte=period.lower,
            received_at__lt=period.upper,
        )
        .annotate(day=TruncDate("received_at", tzinfo=zone))
        .values("collected_by_id", "day")
        .annotate(amount=money_sum("amount"))
    )
    for row in collected:
        if row["collected_by_id"] in users:
            add(users[row["collected_by_id"]], row["day"], "collected", row["amount"])
    handed = (
        CashHandover.objects.filter(
            status=HandoverStatus.APPROVED, business_date__gte=period.start, business_date__lte=period.end
        )
        .values("driver_id", "business_date")
        .annotate(amount=money_sum("counted_amount"), discrepancy=money_sum("discrepancy"))
    )
    for row in handed:
        add(row["driver_id"], row["business_date"], "handed_over", row["amount"])
        add(row["driver_id"], row["business_date"], "handover_discrepancy", row["discrepancy"])
    names = {
        row["pk"]: (row["user__full_name"] or row["user__username"], row["vehicle_plate"])
        for row in Driver.objects.filter(pk__in={driver for driver, _day in figures}).values(
            "pk", "user__full_name", "user__username", "vehicle_plate"
        )
    }
    rows = []
    for (driver_id, day), item in sorted(
        figures.items(), key=lambda pair: (pair[0][1], names[pair[0][0]][0], str(pair[0][0]))
    ):
        rows.append(
            {
                "id": str(driver_id),
                "date": _local_date(day),
                "driver": names[driver_id][0],
                "vehicle_plate": names[driver_id][1],
                "expected": _q(item["expected"]),
                "collected": _q(item["collected"]),
                "handed_over": _q(item["handed_over"]),
                "collection_gap": _q(item["collected"] - item["expected"]),
                "handover_discrepancy": _q(item["handover_discrepancy"]),
            }
        )
    columns = [
        Column("date", _("Date"), "date"),
        Column("driver", _("Driver")),
        Column("vehicle_plate", _("Vehicle plate")),
        Column("expected", _("Expected"), "money"),
        Column("collected", _("Collected"), "money"),
        Column("handed_over", _("Handed over"), "money"),
        Column("collection_gap", _("Collected − expected"), "money"),
        Column("handover_discrepancy", _("Handover discrepancy"), "money"),
    ]
    return Report("cash-collection", str(_("Cash collection")), period, {}, columns, rows)


# --- Audit ------------------------------------------------------------------------------------

AUDIT_LIMIT = 10_000


def audit(*, period: Period, action: str = "") -> Report:
    """Who changed what in the period (the audit log; the last 10 000 entries at most)."""
    entries = AuditLog.objects.filter(**period.range("created_at")).select_related("actor", "content_type")
    if action:
        entries = entries.filter(action=action)
    rows = entries.order_by("-created_at").values(
        "created_at",
        "actor__username",
        "action",
        "content_type__app_label",
        "content_type__model",
        "object_repr",
        "ip",
    )[:AUDIT_LIMIT]
    result = [
        {
            "at": timezone.localtime(row["created_at"]).strftime("%Y-%m-%d %H:%M:%S"),
            "actor": row["actor__username"] or "",
            "action": row["action"],
            "object_type": f"{row['content_type__app_label']}.{row['content_type__model']}",
            "object": row["object_repr"],
            "ip": row["ip"] or "",
        }
        for row in rows
    ]
    columns = [
        Column("at", _("At")),
        Column("actor", _("User")),
        Column("action", _("Action")),
        Column("object_type", _("Object type")),
        Column("object", _("Object")),
        Column("ip", _("IP address")),
    ]
    return Report("audit", str(_("Audit trail")), period, {"action": action}, columns, result)
