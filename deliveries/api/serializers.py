from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from livrili.accounts.api.serializers import PhoneField
from livrili.accounts.models import Language
from livrili.api import fields as strict
from livrili.api.fields import DerivedMoneyField, MoneyField
from orders.api.serializers import RetailerRefSerializer
from retailers.api.serializers import CoordinateField, WilayaCodeField

from ..models import Delivery, DeliveryEvent, Driver, DriverStatus, FailureReason, Priority, VehicleType
from ..rules import REPORTED
from ..services.drivers import SELF_STATUSES
from ..services.proofs import MAX_PHOTOS

# --- Drivers ------------------------------------------------------------------------------


class DriverUserSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    email = strict.OptionalEmailField(read_only=True)
    phone = serializers.CharField(allow_null=True)
    preferred_language = serializers.CharField()
    is_active = serializers.BooleanField()


DRIVER_FIELDS = [
    "id",
    "user",
    "full_name",
    "phone",
    "license_number",
    "license_expiry",
    "vehicle_type",
    "vehicle_plate",
    "vehicle_model",
    "capacity_kg",
    "max_stops",
    "wilayas",
    "communes",
    "status",
    "last_latitude",
    "last_longitude",
    "last_location_at",
    "created_at",
    "updated_at",
]


class DriverSerializer(serializers.ModelSerializer):
    user = DriverUserSerializer()
    full_name = serializers.CharField(source="user.full_name")
    wilayas = serializers.SerializerMethodField()
    communes = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Driver
        fields = DRIVER_FIELDS

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_wilayas(self, driver) -> list[str]:
        return sorted(w.code for w in driver.wilayas.all())


class DriverWriteSerializer(serializers.Serializer):
    license_number = strict.CharField(max_length=50, required=False, allow_blank=True)
    license_expiry = serializers.DateField(required=False, allow_null=True)
    vehicle_type = serializers.ChoiceField(choices=VehicleType.choices)
    vehicle_plate = strict.CharField(max_length=20)
    vehicle_model = strict.CharField(max_length=100, required=False, allow_blank=True)
    capacity_kg = serializers.DecimalField(max_digits=9, decimal_places=2, min_value=Decimal("0.01"))
    max_stops = serializers.IntegerField(min_value=1, max_value=500, required=False)
    wilaya_ids = serializers.ListField(child=WilayaCodeField(), required=False, max_length=58)
    communes = serializers.ListField(child=strict.CharField(max_length=100), required=False, max_length=200)
    status = serializers.ChoiceField(choices=DriverStatus.choices, required=False)

    def validate(self, attrs):
        if "wilaya_ids" in attrs:
            attrs["wilayas"] = attrs.pop("wilaya_ids")
        return attrs


class DriverCreateSerializer(DriverWriteSerializer):
    full_name = strict.CharField(max_length=150)
    username = strict.RegexField(r"^[\w.@+-]{3,150}$", max_length=150, required=False)
    phone = PhoneField(required=False, allow_null=True, allow_blank=True)
    email = strict.EmailField(required=False, allow_null=True, allow_blank=True)
    password = strict.CharField(max_length=128, trim_whitespace=False, write_only=True)
    preferred_language = serializers.ChoiceField(choices=Language.choices, required=False)
    status = serializers.ChoiceField(choices=DriverStatus.choices, required=False)


class DriverUpdateSerializer(DriverWriteSerializer):
    full_name = strict.CharField(max_length=150, required=False)
    vehicle_type = serializers.ChoiceField(choices=VehicleType.choices, required=False)
    vehicle_plate = strict.CharField(max_length=20, required=False)
    capacity_kg = serializers.DecimalField(max_digits=9, decimal_places=2, min_value=Decimal("0.01"), required=False)


class PeriodSerializer(serializers.Serializer):
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, attrs):
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": [_("The period must end after it starts.")]})
        return attrs


class DriverPerformanceSerializer(serializers.Serializer):
    driver_id = serializers.UUIDField(source="driver.pk")
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)
    deliveries = serializers.IntegerField()
    delivered = serializers.IntegerField()
    failed = serializers.IntegerField()
    on_time = serializers.IntegerField()
    success_rate = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    on_time_rate = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    average_rating = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)
    ratings = serializers.IntegerField()
    attempts = serializers.IntegerField()
    cash_to_collect = DerivedMoneyField()
    cash_collected = DerivedMoneyField()


class DriverStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=list(SELF_STATUSES))


class LocationSerializer(serializers.Serializer):
    latitude = CoordinateField(90)
    longitude = CoordinateField(180)


# --- Deliveries ---------------------------------------------------------------------------

DESTINATION_FIELDS = [
    "id",
    "number",
    "status",
    "priority",
    "scheduled_date",
    "window_start",
    "window_end",
    "address",
    "commune",
    "wilaya_code",
    "latitude",
    "longitude",
    "contact_name",
    "contact_phone",
    "instructions",
    "cash_to_collect",
    "cash_collected",
    "attempts",
    "estimated_at",
    "failure_reason",
    "failure_note",
]


class OrderRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField()
    status = serializers.CharField()


class DriverRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    full_name = serializers.CharField(source="user.full_name")
    phone = serializers.CharField()
    vehicle_type = serializers.CharField()
    vehicle_plate = serializers.CharField()


class DeliverySerializer(serializers.ModelSerializer):
    """A delivery as dispatch sees it."""

    order = OrderRefSerializer()
    retailer = RetailerRefSerializer(source="order.retailer")
    driver = DriverRefSerializer(allow_null=True)

    class Meta:
        model = Delivery
        fields = [
            *DESTINATION_FIELDS,
            "order",
            "retailer",
            "driver",
            "weight_kg",
            "proof_override_reason",
            "assigned_at",
            "picked_up_at",
            "delivered_at",
            "failed_at",
            "cancelled_at",
            "rating",
            "feedback",
            "created_at",
            "updated_at",
        ]


class DeliveryEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)

    class Meta:
        model = DeliveryEvent
        fields = ["id", "from_status", "to_status", "actor", "latitude", "longitude", "note", "data", "created_at"]


class ProofSummarySerializer(serializers.Serializer):
    recipient_name = serializers.CharField()
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    captured_at = serializers.DateTimeField(allow_null=True)
    received_at = serializers.DateTimeField()
    photo_count = serializers.SerializerMethodField()
    has_signature = serializers.SerializerMethodField()

    @extend_schema_field(serializers.IntegerField())
    def get_photo_count(self, proof) -> int:
        return len(proof.photos.all())

    @extend_schema_field(serializers.BooleanField())
    def get_has_signature(self, proof) -> bool:
        return bool(proof.signature)


def _proof(delivery):
    return getattr(delivery, "proof", None)  # the reverse one-to-one raises when absent


class DeliveryDetailSerializer(DeliverySerializer):
    events = DeliveryEventSerializer(many=True)
    proof = serializers.SerializerMethodField()

    class Meta(DeliverySerializer.Meta):
        fields = [*DeliverySerializer.Meta.fields, "events", "proof"]

    @extend_schema_field(ProofSummarySerializer(allow_null=True))
    def get_proof(self, delivery):
        proof = _proof(delivery)
        return None if proof is None else ProofSummarySerializer(proof).data


class DriverDeliverySerializer(serializers.ModelSerializer):
    """A delivery as its driver sees it: where it goes and what to collect, nothing more of
    the retailer's."""

    order_number = serializers.CharField(source="order.number")
    has_proof = serializers.SerializerMethodField()

    class Meta:
        model = Delivery
        fields = [*DESTINATION_FIELDS, "order_number", "has_proof", "picked_up_at", "delivered_at", "failed_at"]

    @extend_schema_field(serializers.BooleanField())
    def get_has_proof(self, delivery) -> bool:
        return _proof(delivery) is not None


class DeliveryUpdateSerializer(serializers.Serializer):
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    scheduled_date = serializers.DateField(required=False)
    window_start = serializers.TimeField(required=False, allow_null=True)
    window_end = serializers.TimeField(required=False, allow_null=True)
    instructions = strict.TextField(required=False, allow_blank=True)


class AssignSerializer(serializers.Serializer):
    driver_id = serializers.UUIDField()
    note = strict.CharField(max_length=500, required=False, allow_blank=True, default="")


class ReportSerializer(serializers.Serializer):
    """A driver's status update from the road."""

    status = serializers.ChoiceField(choices=list(REPORTED))
    failure_reason = serializers.ChoiceField(
        choices=FailureReason.choices, required=False, allow_blank=True, default=""
    )
    note = strict.CharField(max_length=1000, required=False, allow_blank=True, default="")
    cash_collected = MoneyField(required=False, allow_null=True, min_value=Decimal("0"))
    latitude = CoordinateField(90, required=False, allow_null=True)
    longitude = CoordinateField(180, required=False, allow_null=True)


class OperatorReportSerializer(ReportSerializer):
    override_reason = strict.CharField(max_length=500, required=False, allow_blank=True, default="")


class ProofUploadSerializer(serializers.Serializer):
    photos = serializers.ListField(child=serializers.FileField(), required=False, max_length=MAX_PHOTOS, default=list)
    signature = serializers.FileField(required=False, allow_null=True)
    recipient_name = strict.CharField(max_length=150)
    latitude = CoordinateField(90, required=False, allow_null=True)
    longitude = CoordinateField(180, required=False, allow_null=True)
    captured_at = serializers.DateTimeField(required=False, allow_null=True)


class CashDeliverySerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number")

    class Meta:
        model = Delivery
        fields = ["id", "number", "order_number", "contact_name", "delivered_at", "cash_to_collect", "cash_collected"]


class DriverCashSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    total = DerivedMoneyField()
    deliveries = CashDeliverySerializer(many=True)


# --- Retailer ------------------------------------------------------------------------------


class RatingSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    feedback = strict.TextField(required=False, allow_blank=True, default="")


class RatingResultSerializer(serializers.Serializer):
    order_id = serializers.UUIDField()
    rating = serializers.IntegerField()
    feedback = serializers.CharField()
    rated_at = serializers.DateTimeField()
