"""The operator dashboard's figures (workflows §9), each an aggregate query whose count does not
depend on the data's size.

Revenue is the order total (TTC) of orders *placed* in the period, split by where they are now:
delivered, or still in progress (pending, on hold, confirmed, processing, shipped); cancelled
and returned orders never count. State figures (credit exposure, overdue amount) are measured at
the end of each period; pending approvals is today's count only (no history is kept)."""

from collections import OrderedDict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest, TruncDate, TruncMonth, TruncTime, TruncWeek
from django.utils import timezone
from django.utils.translation import get_language

from billing.models import OPEN_INVOICE_STATUSES, Invoice
from deliveries.models import Delivery, DeliveryStatus
from deliveries.selectors import on_time
from livrili.core.models import Wilaya
from orders.models import Order, OrderItem, OrderStatus
from orders.rules import OPEN_STATUSES
from retailers.models import LedgerEntry, Retailer, RetailerStatus

from ..periods import Period, figure, percent

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=20, decimal_places=2)
NOT_REVENUE = (OrderStatus.CANCELLED, OrderStatus.RETURNED)
COUNTED = ~Q(status__in=NOT_REVENUE)


def money_sum(field: str, condition: Q | None = None):
    return Coalesce(Sum(field, filter=condition), Value(ZERO), output_field=MONEY)


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _in(period: Period, field: str = "created_at") -> Q:
    return Q(**period.range(field))


def _order_figures(current: Period, previous: Period) -> dict:
    """The order figures of both periods in one query: the orders grouped by retailer (a hash
    aggregate over a few thousand groups), then summed; active retailers are the groups with a
    counted order, which spares the two COUNT(DISTINCT) sorts that spilled to disk on a year."""
    per_retailer = {}
    for name, period in (("cur", current), ("prev", previous)):
        inside = _in(period)
        per_retailer |= {
            f"r_orders_{name}": Count("pk", filter=inside),
            f"r_counted_{name}": Count("pk", filter=inside & COUNTED),
            f"r_delivered_{name}": money_sum("total", inside & Q(status=OrderStatus.DELIVERED)),
            f"r_progress_{name}": money_sum("total", inside & Q(status__in=OPEN_STATUSES)),
            # 1 when the retailer has a counted order in the period
            f"r_active_{name}": Coalesce(Max(Value(1), filter=inside & COUNTED), 0),
        }
    totals = {}
    for name in ("cur", "prev"):
        totals |= {
            f"orders_{name}": Coalesce(Sum(f"r_orders_{name}"), 0),
            f"counted_{name}": Coalesce(Sum(f"r_counted_{name}"), 0),
            f"delivered_{name}": money_sum(f"r_delivered_{name}"),
            f"progress_{name}": money_sum(f"r_progress_{name}"),
            f"active_{name}": Coalesce(Sum(f"r_active_{name}"), 0),
        }
    row = (
        Order.objects.filter(created_at__gte=previous.lower, created_at__lt=current.upper)
        .values("retailer_id")
        .annotate(**per_retailer)
        .order_by()
        .aggregate(**totals)
    )
    figures = {}
    for name in ("cur", "prev"):
        revenue = row[f"delivered_{name}"] + row[f"progress_{name}"]
        counted = row[f"counted_{name}"]
        figures[name] = {
            "orders": row[f"orders_{name}"],
            "revenue_delivered": _money(row[f"delivered_{name}"]),
            "revenue_in_progress": _money(row[f"progress_{name}"]),
            "average_order_value": _money(revenue / counted) if counted else ZERO,
            "active_retailers": row[f"active_{name}"],
        }
    return figures


def _retailer_figures(current: Period, previous: Period) -> dict:
    return Retailer.objects.aggregate(
        signups_cur=Count("pk", filter=_in(current)),
        signups_prev=Count("pk", filter=_in(previous)),
        pending=Count("pk", filter=Q(status=RetailerStatus.PENDING)),
    )


def _balance_at(moment):
    """Each retailer's balance at `moment`: its last ledger entry before it."""
    return Subquery(
        LedgerEntry.objects.filter(retailer=OuterRef("pk"), created_at__lt=moment)
        .order_by("-position")
        .values("balance_after")[:1]
    )


def _exposure(current: Period, previous: Period) -> dict:
    """Credit exposure: what retailers owe (the positive balances) at the end of each period."""
    return Retailer.objects.annotate(
        balance_cur=_balance_at(current.upper), balance_prev=_balance_at(previous.upper)
    ).aggregate(
        # GREATEST(balance, 0) rather than a FILTER on the balance: the filter repeated each
        # balance's subquery (four per retailer instead of two)
        cur=money_sum(Greatest("balance_cur", Value(ZERO))),
        prev=money_sum(Greatest("balance_prev", Value(ZERO))),
    )


def _overdue(current: Period, previous: Period) -> dict:
    """Overdue: what is still due (total − amount paid) on open invoices (issued or partially
    paid) issued by the end of the period and due before its last day. Payments are read as they
    stand now: an invoice paid since is not overdue in the previous period either."""
    due = ExpressionWrapper(F("total") - F("amount_paid"), output_field=MONEY)
    return (
        Invoice.objects.filter(status__in=OPEN_INVOICE_STATUSES)
        .annotate(due=due)
        .aggregate(
            cur=money_sum("due", Q(issued_at__lt=current.upper, due_date__lt=current.end)),
            prev=money_sum("due", Q(issued_at__lt=previous.upper, due_date__lt=previous.end)),
        )
    )


def status_distribution(period: Period) -> list[dict]:
    rows = (
        Order.objects.filter(**period.range("created_at"))
        .values("status")
        .annotate(count=Count("pk"), total=money_sum("total"))
    )
    found = {row["status"]: row for row in rows}
    return [
        {
            "status": status.value,
            "label": status.label,
            "count": found.get(status.value, {}).get("count", 0),
            "total": _money(found.get(status.value, {}).get("total")),
        }
        for status in OrderStatus
    ]


def _delivery_aggregates(name: str, period: Period) -> dict:
    inside = Q(scheduled_date__gte=period.start, scheduled_date__lte=period.end)
    failed = Q(status=DeliveryStatus.FAILED) | Q(status=DeliveryStatus.CANCELLED, failed_at__isnull=False)
    return {
        f"deliveries_{name}": Count("pk", filter=inside),
        f"delivered_{name}": Count("pk", filter=inside & Q(status=DeliveryStatus.DELIVERED)),
        f"failed_{name}": Count("pk", filter=inside & failed),
        f"on_time_{name}": Count("pk", filter=inside & on_time()),
    }


def _deliveries(current: Period, previous: Period) -> dict:
    """Success = delivered / (delivered + failed); on time = delivered on time / delivered
    (`deliveries.selectors.on_time`, the drivers' performance rule), over deliveries scheduled
    in each period."""
    zone = timezone.get_current_timezone()
    row = (
        Delivery.objects.filter(scheduled_date__gte=previous.start, scheduled_date__lte=current.end)
        .annotate(
            delivered_on=TruncDate("delivered_at", tzinfo=zone), delivered_time=TruncTime("delivered_at", tzinfo=zone)
        )
        .aggregate(**_delivery_aggregates("cur", current), **_delivery_aggregates("prev", previous))
    )
    result = {}
    for name in ("cur", "prev"):
        delivered, failed = row[f"delivered_{name}"], row[f"failed_{name}"]
        result[name] = {
            "deliveries": row[f"deliveries_{name}"],
            "delivered": delivered,
            "failed": failed,
            "on_time": row[f"on_time_{name}"],
            "success_rate": percent(delivered, delivered + failed),
            "on_time_rate": percent(row[f"on_time_{name}"], delivered),
        }
    return result


def delivery_performance(period: Period) -> dict:
    previous = period.previous()
    figures = _deliveries(period, previous)
    reasons = (
        Delivery.objects.filter(scheduled_date__gte=period.start, scheduled_date__lte=period.end)
        .exclude(failure_reason="")
        .values("failure_reason")
        .annotate(count=Count("pk"))
        .order_by("-count", "failure_reason")
    )
    labels = dict(Delivery._meta.get_field("failure_reason").choices)
    return {
        "period": _period(period),
        "previous_period": _period(previous),
        "figures": {key: figure(figures["cur"][key], figures["prev"][key]) for key in figures["cur"]},
        "failure_reasons": [
            {"reason": row["failure_reason"], "label": str(labels[row["failure_reason"]]), "count": row["count"]}
            for row in reasons
        ],
    }


def _period(period: Period) -> dict:
    return {"date_from": period.start, "date_to": period.end}


def dashboard(period: Period) -> dict:
    previous = period.previous()
    orders = _order_figures(period, previous)
    retailers = _retailer_figures(period, previous)
    exposure = _exposure(period, previous)
    overdue = _overdue(period, previous)
    deliveries = _deliveries(period, previous)
    cur, prev = orders["cur"], orders["prev"]
    return {
        "period": _period(period),
        "previous_period": _period(previous),
        "figures": {
            **{key: figure(cur[key], prev[key]) for key in cur},
            "new_signups": figure(retailers["signups_cur"], retailers["signups_prev"]),
            "pending_approvals": figure(retailers["pending"], None),
            "credit_exposure": figure(_money(exposure["cur"]), _money(exposure["prev"])),
            "overdue_amount": figure(_money(overdue["cur"]), _money(overdue["prev"])),
            "delivery_success_rate": figure(deliveries["cur"]["success_rate"], deliveries["prev"]["success_rate"]),
            "on_time_rate": figure(deliveries["cur"]["on_time_rate"], deliveries["prev"]["on_time_rate"]),
        },
        "status_distribution": status_distribution(period),
    }


# --- Trends -----------------------------------------------------------------------------------

INTERVALS = {"day": TruncDate, "week": TruncWeek, "month": TruncMonth}


def default_interval(period: Period) -> str:
    if period.days <= 31:
        return "day"
    return "week" if period.days <= 120 else "month"


def _bucket_start(day: date, interval: str) -> date:
    if interval == "week":
        return day - timedelta(days=day.weekday())  # ISO weeks, from Monday
    if interval == "month":
        return day.replace(day=1)
    return day


def _next_bucket(day: date, interval: str) -> date:
    if interval == "week":
        return day + timedelta(days=7)
    if interval == "month":
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day + timedelta(days=1)


def _as_date(value) -> date:
    if hasattr(value, "date"):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def trends(period: Period, interval: str) -> dict:
    """Orders and revenue per day, ISO week or month (local time), every bucket present."""
    zone = timezone.get_current_timezone()
    rows = (
        Order.objects.filter(**period.range("created_at"))
        .annotate(bucket=INTERVALS[interval]("created_at", tzinfo=zone))
        .values("bucket")
        .annotate(
            orders=Count("pk"),
            revenue_delivered=money_sum("total", Q(status=OrderStatus.DELIVERED)),
            revenue_in_progress=money_sum("total", Q(status__in=OPEN_STATUSES)),
            cancelled=Count("pk", filter=Q(status__in=NOT_REVENUE)),
        )
        .order_by("bucket")
    )
    found = {_as_date(row["bucket"]): row for row in rows}
    series = OrderedDict()
    bucket = _bucket_start(period.start, interval)
    while bucket <= period.end:
        row = found.get(bucket, {})
        delivered, progress = _money(row.get("revenue_delivered")), _money(row.get("revenue_in_progress"))
        series[bucket] = {
            "date": bucket,
            "orders": row.get("orders", 0),
            "cancelled_or_returned": row.get("cancelled", 0),
            "revenue_delivered": delivered,
            "revenue_in_progress": progress,
            "revenue": delivered + progress,
        }
        bucket = _next_bucket(bucket, interval)
    return {"period": _period(period), "interval": interval, "series": list(series.values())}


# --- Geography, top lists --------------------------------------------------------------------


def geo(period: Period) -> dict:
    """Revenue (counted orders) by delivery wilaya and by commune."""
    counted = Order.objects.filter(COUNTED, **period.range("created_at"))
    by_wilaya = counted.values("delivery_wilaya_code").annotate(orders=Count("pk"), revenue=money_sum("total"))
    by_commune = counted.values("delivery_wilaya_code", "delivery_commune").annotate(
        orders=Count("pk"), revenue=money_sum("total")
    )
    names = dict(Wilaya.objects.values_list("code", "name"))
    wilayas = sorted(
        (
            {
                "code": row["delivery_wilaya_code"],
                "name": names.get(row["delivery_wilaya_code"], ""),
                "orders": row["orders"],
                "revenue": _money(row["revenue"]),
            }
            for row in by_wilaya
        ),
        key=lambda item: (-item["revenue"], item["code"]),
    )
    communes = sorted(
        (
            {
                "wilaya_code": row["delivery_wilaya_code"],
                "commune": row["delivery_commune"],
                "orders": row["orders"],
                "revenue": _money(row["revenue"]),
            }
            for row in by_commune
        ),
        key=lambda item: (-item["revenue"], item["wilaya_code"], item["commune"]),
    )
    return {"period": _period(period), "wilayas": wilayas, "communes": communes}


def top_retailers(period: Period, limit: int) -> dict:
    """The retailers with the most revenue (counted orders) in the period."""
    rows = (
        Order.objects.filter(COUNTED, **period.range("created_at"))
        .values("retailer_id", "retailer__business_name", "retailer__wilaya_id")
        .annotate(orders=Count("pk"), revenue=money_sum("total"))
        .order_by("-revenue", "retailer_id")[:limit]
    )
    return {
        "period": _period(period),
        "results": [
            {
                "id": row["retailer_id"],
                "business_name": row["retailer__business_name"],
                "wilaya_code": row["retailer__wilaya_id"],
                "orders": row["orders"],
                "revenue": _money(row["revenue"]),
            }
            for row in rows
        ],
    }


def top_products(period: Period, limit: int) -> dict:
    """The products with the most revenue (line totals TTC of counted orders) in the period."""
    language = (get_language() or "ar")[:2]
    language = language if language in ("ar", "fr", "en") else "ar"
    rows = (
        OrderItem.objects.filter(
            ~Q(order__status__in=NOT_REVENUE),
            order__created_at__gte=period.lower,
            order__created_at__lt=period.upper,
        )
        .values("product_id", "product__sku", f"product__name_{language}", "product__name_ar")
        .annotate(units=Sum("quantity"), orders=Count("order_id", distinct=True), revenue=money_sum("line_total"))
        .order_by("-revenue", "product_id")[:limit]
    )
    return {
        "period": _period(period),
        "results": [
            {
                "id": row["product_id"],
                "sku": row["product__sku"],
                "name": row[f"product__name_{language}"] or row["product__name_ar"],
                "units": row["units"],
                "orders": row["orders"],
                "revenue": _money(row["revenue"]),
            }
            for row in rows
        ],
    }
