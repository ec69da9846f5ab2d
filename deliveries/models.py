"""Deliveries: the drivers, one delivery per confirmed order with its history and proof, and
the routes that order a driver's stops for a day (domain.md, deliveries; workflows §5)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from livrili.core.models import BaseModel, coordinate_constraints, coordinate_field, money_field
from livrili.core.storage import private_storage


class VehicleType(models.TextChoices):
    MOTORCYCLE = "motorcycle", _("Motorcycle")
    CAR = "car", _("Car")
    VAN = "van", _("Van")
    TRUCK = "truck", _("Truck")


class DriverStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    ON_ROUTE = "on_route", _("On route")
    OFF_DUTY = "off_duty", _("Off duty")
    SUSPENDED = "suspended", _("Suspended")


class Driver(BaseModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="driver", verbose_name=_("user")
    )
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    license_number = models.CharField(_("licence number"), max_length=50, blank=True)
    license_expiry = models.DateField(_("licence expiry"), null=True, blank=True)
    vehicle_type = models.CharField(_("vehicle type"), max_length=12, choices=VehicleType.choices)
    vehicle_plate = models.CharField(_("vehicle plate"), max_length=20, unique=True)
    vehicle_model = models.CharField(_("vehicle model"), max_length=100, blank=True)
    capacity_kg = models.DecimalField(_("capacity (kg)"), max_digits=9, decimal_places=2)
    max_stops = models.PositiveSmallIntegerField(_("maximum stops"), default=20)
    wilayas = models.ManyToManyField("core.Wilaya", blank=True, related_name="+", verbose_name=_("wilayas served"))
    communes = models.JSONField(_("communes served"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=DriverStatus.choices, default=DriverStatus.OFF_DUTY)
    last_latitude = coordinate_field(_("last latitude"))
    last_longitude = coordinate_field(_("last longitude"))
    last_location_at = models.DateTimeField(_("last location at"), null=True, blank=True)

    class Meta:
        ordering = ["user__full_name"]
        verbose_name = _("driver")
        verbose_name_plural = _("drivers")
        constraints = [
            models.CheckConstraint(condition=Q(capacity_kg__gt=0), name="driver_capacity_gt_0"),
            models.CheckConstraint(condition=Q(max_stops__gte=1), name="driver_max_stops_gte_1"),
            *coordinate_constraints("driver", "last_latitude", "last_longitude"),
        ]

    def __str__(self):
        return self.user.full_name or self.user.username


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ASSIGNED = "assigned", _("Assigned")
    PICKED_UP = "picked_up", _("Picked up")
    IN_TRANSIT = "in_transit", _("In transit")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Priority(models.IntegerChoices):
    NORMAL = 1, _("Normal")
    HIGH = 2, _("High")
    URGENT = 3, _("Urgent")


class FailureReason(models.TextChoices):
    ABSENT = "absent", _("Recipient absent")
    REFUSED = "refused", _("Refused")
    CLOSED = "closed", _("Shop closed")
    WRONG_ADDRESS = "wrong_address", _("Wrong address")
    NO_CASH = "no_cash", _("No cash")
    DAMAGED = "damaged", _("Goods damaged")
    OTHER = "other", _("Other")


class Delivery(BaseModel):
    number = models.CharField(_("number"), max_length=20, unique=True)
    order = models.OneToOneField(
        "orders.Order", on_delete=models.PROTECT, related_name="delivery", verbose_name=_("order")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    driver = models.ForeignKey(
        Driver,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deliveries",
        verbose_name=_("driver"),
        db_index=False,
    )
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    scheduled_date = models.DateField(_("scheduled date"))
    window_start = models.TimeField(_("window start"), null=True, blank=True)
    window_end = models.TimeField(_("window end"), null=True, blank=True)
    address = models.TextField(_("address"), blank=True)
    commune = models.CharField(_("commune"), max_length=100, blank=True)
    wilaya_code = models.CharField(_("wilaya"), max_length=2, blank=True)
    latitude = coordinate_field(_("latitude"))
    longitude = coordinate_field(_("longitude"))
    contact_name = models.CharField(_("contact name"), max_length=150, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=16, blank=True)
    instructions = models.TextField(_("instructions"), blank=True)
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=12, decimal_places=3, default=0)
    cash_to_collect = money_field(_("cash to collect"))
    cash_collected = money_field(_("cash collected"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    failure_reason = models.CharField(_("failure reason"), max_length=15, choices=FailureReason.choices, blank=True)
    failure_note = models.TextField(_("failure note"), blank=True)
    proof_override_reason = models.TextField(_("delivered without proof because"), blank=True)
    estimated_at = models.DateTimeField(_("estimated arrival"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    picked_up_at = models.DateTimeField(_("picked up at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    feedback = models.TextField(_("feedback"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)

    class Meta:
        ordering = ["scheduled_date", "-priority", "created_at"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.CheckConstraint(condition=Q(cash_to_collect__gte=0), name="delivery_cash_to_collect_gte_0"),
            models.CheckConstraint(
                condition=Q(cash_collected__isnull=True) | Q(cash_collected__gte=0),
                name="delivery_cash_collected_gte_0",
            ),
            models.CheckConstraint(condition=Q(weight_kg__gte=0), name="delivery_weight_gte_0"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="delivery_rating_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(window_start__isnull=True)
                | Q(window_end__isnull=True)
                | Q(window_end__gt=F("window_start")),
                name="delivery_window_ordered",
            ),
            # an assigned delivery has its driver (an operator may move a delivery handled
            # outside the driver app, e.g. a counter pickup, without one)
            models.CheckConstraint(
                condition=~Q(status="assigned") | Q(driver__isnull=False), name="delivery_assigned_has_driver"
            ),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(failure_reason=""), name="delivery_failed_has_reason"
            ),
            *coordinate_constraints("delivery"),
        ]
        indexes = [
            models.Index(fields=["scheduled_date", "status"], name="delivery_date_status_idx"),
            models.Index(fields=["driver", "scheduled_date"], name="delivery_driver_date_idx"),
        ]

    def __str__(self):
        return self.number


class DeliveryEvent(models.Model):
    """The delivery's history: every status change, with who, where and when."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="events", verbose_name=_("delivery"))
    from_status = models.CharField(_("from"), max_length=12, blank=True, choices=DeliveryStatus.choices)
    to_status = models.CharField(_("to"), max_length=12, choices=DeliveryStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    latitude = coordinate_field(_("latitude"))
    longitude = coordinate_field(_("longitude"))
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("delivery event")
        verbose_name_plural = _("delivery events")
        constraints = [*coordinate_constraints("delivery_event")]

    def __str__(self):
        return f"{self.get_from_status_display() or '·'} → {self.get_to_status_display()}"


def _proof_path(instance, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"proofs/{instance.delivery_id}/{uuid.uuid4().hex}.{extension}"


class ProofOfDelivery(BaseModel):
    delivery = models.OneToOneField(
        Delivery, on_delete=models.CASCADE, related_name="proof", verbose_name=_("delivery")
    )
    signature = models.ImageField(
        _("signature"), storage=private_storage, upload_to=_proof_path, max_length=255, blank=True
    )
    recipient_name = models.CharField(_("recipient name"), max_length=150)
    latitude = coordinate_field(_("latitude"))
    longitude = coordinate_field(_("longitude"))
    captured_at = models.DateTimeField(_("captured at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("proof of delivery")
        verbose_name_plural = _("proofs of delivery")
        constraints = [*coordinate_constraints("proof")]

    def __str__(self):
        return f"{self.delivery} — {self.recipient_name}"


class ProofPhoto(BaseModel):
    proof = models.ForeignKey(ProofOfDelivery, on_delete=models.CASCADE, related_name="photos", verbose_name=_("proof"))
    image = models.ImageField(_("photo"), storage=private_storage, upload_to="proofs/photos/", max_length=255)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("proof photo")
        verbose_name_plural = _("proof photos")


class RouteStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Route(BaseModel):
    driver = models.ForeignKey(Driver, on_delete=models.PROTECT, related_name="routes", verbose_name=_("driver"))
    date = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=12, choices=RouteStatus.choices, default=RouteStatus.PLANNED)
    total_distance_km = models.DecimalField(_("total distance (km)"), max_digits=9, decimal_places=2, default=0)
    estimated_duration_min = models.PositiveIntegerField(_("estimated duration (min)"), default=0)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    solver = models.CharField(_("solver"), max_length=50, blank=True)
    objective = models.BigIntegerField(_("objective value"), null=True, blank=True)

    class Meta:
        ordering = ["-date", "driver"]
        verbose_name = _("route")
        verbose_name_plural = _("routes")
        constraints = [
            # one live route per driver and day; cancelled ones stay as history
            models.UniqueConstraint(
                fields=["driver", "date"], condition=~Q(status="cancelled"), name="route_one_live_per_driver_day"
            ),
            models.CheckConstraint(condition=Q(total_distance_km__gte=0), name="route_distance_gte_0"),
        ]

    def __str__(self):
        return f"{self.driver} {self.date}"


class RouteStop(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    route = models.ForeignKey(
        Route, on_delete=models.CASCADE, related_name="stops", verbose_name=_("route"), db_index=False
    )
    delivery = models.ForeignKey(
        Delivery, on_delete=models.PROTECT, related_name="route_stops", verbose_name=_("delivery")
    )
    sequence = models.PositiveSmallIntegerField(_("sequence"))
    eta = models.DateTimeField(_("estimated arrival"), null=True, blank=True)
    leg_distance_km = models.DecimalField(_("leg distance (km)"), max_digits=9, decimal_places=2, default=0)

    class Meta:
        ordering = ["route", "sequence"]
        verbose_name = _("route stop")
        verbose_name_plural = _("route stops")
        constraints = [
            models.UniqueConstraint(fields=["route", "sequence"], name="route_stop_sequence_unique"),
            models.UniqueConstraint(fields=["route", "delivery"], name="route_stop_delivery_unique"),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="route_stop_sequence_gte_1"),
        ]

    def __str__(self):
        return f"{self.route} #{self.sequence}"
