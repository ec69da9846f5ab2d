"""Deliveries' reads: querysets with their joins prepared, and the drivers' figures."""

from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, DecimalField, F, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDate, TruncTime
from django.utils import timezone

from .models import Delivery, DeliveryEvent, DeliveryStatus, Driver

S = DeliveryStatus


def delivery_list() -> QuerySet[Delivery]:
    """Staff's deliveries with their order, retailer and driver (one query per page)."""
    return Delivery.objects.select_related("order__retailer", "driver__user")


def delivery_detail() -> QuerySet[Delivery]:
    """delivery_list() with the history (and who made each step) and the proof."""
    return delivery_list().prefetch_related(
        Prefetch("events", queryset=DeliveryEvent.objects.select_related("actor")),
        "proof__photos",
    )


def driver_deliveries(driver: Driver) -> QuerySet[Delivery]:
    """The deliveries a driver sees: its own, nothing else (another driver's → 404)."""
    return Delivery.objects.filter(driver=driver).select_related("order").prefetch_related("proof")


OUT_FOR_DELIVERY = (S.PICKED_UP, S.IN_TRANSIT)
ON_ITS_WAY = (S.ASSIGNED, *OUT_FOR_DELIVERY)


def order_tracking(order) -> dict:
    """The retailer's tracking extras (`orders.hooks.TRACKING_SOURCES`): who brings the order
    while it is out for delivery (first name, phone, vehicle) and the ETA until it arrives."""
    delivery = Delivery.objects.select_related("driver__user").filter(order_id=order.pk).first()
    if delivery is None:
        return {}
    driver = delivery.driver if delivery.status in OUT_FOR_DELIVERY else None
    return {
        "driver": None if driver is None else _tracking_driver(driver),
        "eta": delivery.estimated_at if delivery.status in ON_ITS_WAY else None,
    }


def _tracking_driver(driver: Driver) -> dict:
    vehicle = (driver.vehicle_model or driver.get_vehicle_type_display(), driver.vehicle_plate)
    return {
        "first_name": driver.user.get_short_name(),
        "phone": driver.phone or driver.user.phone or "",
        "vehicle": " · ".join(part for part in vehicle if part),
    }


def driver_list() -> QuerySet[Driver]:
    return Driver.objects.select_related("user").prefetch_related("wilayas")


def driver_for_user(user) -> Driver | None:
    return driver_list().filter(user=user).first()


# Where a driver's cash leaves its custody (billing registers its handed-over and cancelled
# payments from BillingConfig.ready()): each returns the ids (a queryset) of the driver's
# deliveries whose cash it no longer holds. Deliveries imports none of them.
CASH_OUT_OF_CUSTODY: list[Callable[[Driver], object]] = []


def driver_cash(driver: Driver) -> dict:
    """The cash a driver holds, per delivery, with the total: its delivered deliveries with cash
    collected, less those whose cash left its custody (CASH_OUT_OF_CUSTODY: billing's approved
    handovers and cancelled payments)."""
    queryset = Delivery.objects.filter(driver=driver, status=S.DELIVERED, cash_collected__gt=0)
    for source in CASH_OUT_OF_CUSTODY:
        queryset = queryset.exclude(pk__in=source(driver))
    deliveries = list(queryset.select_related("order").order_by("-delivered_at", "number"))
    return {
        "count": len(deliveries),
        "total": sum((d.cash_collected for d in deliveries), Decimal("0.00")),
        "deliveries": deliveries,
    }


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def on_time() -> Q:
    """Delivered on time (docs/decisions.md, Deliveries): by the end of its window on its
    scheduled date when it had a window; else by its ETA when it had one; else on its date.
    Needs the `delivered_on` and `delivered_time` annotations (local time)."""
    by_window = Q(window_end__isnull=False) & (
        Q(delivered_on__lt=F("scheduled_date"))
        | Q(delivered_on=F("scheduled_date"), delivered_time__lte=F("window_end"))
    )
    by_eta = Q(window_end__isnull=True, estimated_at__isnull=False, delivered_at__lte=F("estimated_at"))
    by_date = Q(window_end__isnull=True, estimated_at__isnull=True, delivered_on__lte=F("scheduled_date"))
    return Q(status=S.DELIVERED) & (by_window | by_eta | by_date)


def driver_performance(driver: Driver, *, date_from: date | None = None, date_to: date | None = None) -> dict:
    """A driver's figures over the deliveries it holds that are scheduled in the period, in
    one aggregate query. Rates are percentages: success = delivered / (delivered + failed),
    on time = delivered on time / delivered; null when there is nothing to divide."""
    deliveries = Delivery.objects.filter(driver=driver)
    if date_from:
        deliveries = deliveries.filter(scheduled_date__gte=date_from)
    if date_to:
        deliveries = deliveries.filter(scheduled_date__lte=date_to)
    zone = timezone.get_current_timezone()
    money = DecimalField(max_digits=16, decimal_places=2)
    figures = deliveries.annotate(
        delivered_on=TruncDate("delivered_at", tzinfo=zone), delivered_time=TruncTime("delivered_at", tzinfo=zone)
    ).aggregate(
        deliveries=Count("pk"),
        delivered=Count("pk", filter=Q(status=S.DELIVERED)),
        # failed now, or failed and then cancelled when the goods came back (the order returned)
        failed=Count("pk", filter=Q(status=S.FAILED) | Q(status=S.CANCELLED, failed_at__isnull=False)),
        on_time=Count("pk", filter=on_time()),
        average_rating=Avg("rating"),
        ratings=Count("rating"),
        attempts=Coalesce(Sum("attempts"), 0),
        cash_collected=Coalesce(
            Sum("cash_collected", filter=Q(status=S.DELIVERED)), Value(Decimal("0")), output_field=money
        ),
        cash_to_collect=Coalesce(
            Sum("cash_to_collect", filter=Q(status=S.DELIVERED)), Value(Decimal("0")), output_field=money
        ),
    )
    average = figures.pop("average_rating")
    return {
        "driver": driver,
        "date_from": date_from,
        "date_to": date_to,
        **figures,
        "success_rate": _percent(figures["delivered"], figures["delivered"] + figures["failed"]),
        "on_time_rate": _percent(figures["on_time"], figures["delivered"]),
        "average_rating": None
        if average is None
        else Decimal(str(average)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
    }
