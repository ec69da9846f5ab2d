from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from livrili.accounts.api.serializers import MeSerializer, PhoneField
from livrili.api import fields as strict
from livrili.api.fields import DerivedMoneyField, MoneyField
from livrili.core.models import Wilaya

from ..models import (
    BusinessType,
    DeliveryAddress,
    DocumentType,
    LedgerEntry,
    Retailer,
    RetailerDocument,
    RetailerEvent,
)
from ..services import ADJUSTMENT_KINDS, REQUIRED_FOR_APPROVAL, missing_for_approval


def PositiveMoneyField(**kwargs):
    return MoneyField(min_value=Decimal("0.01"), **kwargs)


def CoordinateField(limit: int, **kwargs):
    return serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=Decimal(-limit), max_value=Decimal(limit), **kwargs
    )


class WilayaSerializer(serializers.ModelSerializer):
    class Meta:
        model = Wilaya
        fields = ["code", "name"]
        read_only_fields = fields


class WilayaCodeField(serializers.SlugRelatedField):
    """A wilaya given by its official code ("16")."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", queryset=Wilaya.objects.all(), **kwargs)


class UserSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    full_name = serializers.CharField()


# --- Retailer -----------------------------------------------------------------------------

RETAILER_FIELDS = [
    "id",
    "business_name",
    "business_type",
    "rc_number",
    "nif",
    "nis",
    "ai_number",
    "phone",
    "email",
    "address",
    "commune",
    "wilaya",
    "postal_code",
    "latitude",
    "longitude",
    "status",
    "status_reason",
    "approved_at",
    "credit_limit",
    "balance",
    "available_credit",
    "payment_terms_days",
    "segment",
    "created_at",
    "updated_at",
]


class RetailerProfileSerializer(strict.ModelSerializer):
    """What a member sees of its own retailer."""

    wilaya = WilayaSerializer()
    available_credit = DerivedMoneyField()
    missing_for_approval = serializers.SerializerMethodField(
        help_text=_("Fields approval needs that are still empty (e.g. rc_number, nif); empty when nothing is missing")
    )

    class Meta:
        model = Retailer
        fields = [*RETAILER_FIELDS, "missing_for_approval"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=REQUIRED_FOR_APPROVAL)))
    def get_missing_for_approval(self, retailer) -> list[str]:
        return missing_for_approval(retailer)


class RetailerProfileResponseSerializer(RetailerProfileSerializer):
    """The profile with the figures other apps add (`selectors.profile_figures`)."""

    month_order_count = serializers.IntegerField(required=False, help_text=_("Orders this month, not cancelled"))
    month_spend = MoneyField(
        required=False, help_text=_("Total of this month's orders that are owed: not cancelled, returned or on hold")
    )

    class Meta(RetailerProfileSerializer.Meta):
        fields = [*RetailerProfileSerializer.Meta.fields, "month_order_count", "month_spend"]
        read_only_fields = fields


class RetailerStaffSerializer(RetailerProfileSerializer):
    owner = UserSummarySerializer(allow_null=True)
    approved_by = UserSummarySerializer(allow_null=True)

    class Meta(RetailerProfileSerializer.Meta):
        fields = [*RetailerProfileSerializer.Meta.fields, "owner", "approved_by", "notes"]
        read_only_fields = fields


class RetailerProfileUpdateSerializer(serializers.Serializer):
    """Fields a member may edit; business name and legal ids only until approval."""

    business_name = strict.CharField(max_length=200, required=False)
    business_type = serializers.ChoiceField(choices=BusinessType.choices, required=False)
    rc_number = strict.CharField(max_length=50, required=False, allow_blank=True)
    nif = strict.CharField(max_length=50, required=False, allow_blank=True)
    nis = strict.CharField(max_length=50, required=False, allow_blank=True)
    ai_number = strict.CharField(max_length=50, required=False, allow_blank=True)
    phone = PhoneField(required=False, allow_null=True)
    email = strict.EmailField(required=False, allow_blank=True)
    address = strict.CharField(max_length=strict.ADDRESS_TEXT, required=False, allow_blank=True)
    commune = strict.CharField(max_length=100, required=False, allow_blank=True)
    wilaya = WilayaCodeField(required=False)
    postal_code = strict.CharField(max_length=10, required=False, allow_blank=True)
    latitude = CoordinateField(90, required=False, allow_null=True)
    longitude = CoordinateField(180, required=False, allow_null=True)


class RetailerStaffUpdateSerializer(RetailerProfileUpdateSerializer):
    payment_terms_days = serializers.IntegerField(min_value=0, max_value=365, required=False)
    segment = strict.CharField(max_length=50, required=False, allow_blank=True)
    notes = strict.CharField(max_length=strict.LONG_TEXT, required=False, allow_blank=True)


class SignupSerializer(serializers.Serializer):
    full_name = strict.CharField(max_length=150)
    phone = PhoneField(required=False, allow_null=True, allow_blank=True)
    email = strict.EmailField(required=False, allow_null=True, allow_blank=True)
    password = strict.CharField(max_length=128, trim_whitespace=False, write_only=True)
    business_name = strict.CharField(max_length=200)
    business_type = serializers.ChoiceField(choices=BusinessType.choices)
    wilaya = WilayaCodeField()
    commune = strict.CharField(max_length=100)
    address = strict.CharField(max_length=strict.ADDRESS_TEXT)
    latitude = CoordinateField(90, required=False, allow_null=True)
    longitude = CoordinateField(180, required=False, allow_null=True)
    rc_number = strict.CharField(max_length=50, required=False, allow_blank=True, default="")
    nif = strict.CharField(max_length=50, required=False, allow_blank=True, default="")
    nis = strict.CharField(max_length=50, required=False, allow_blank=True, default="")
    ai_number = strict.CharField(max_length=50, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if not attrs.get("phone") and not attrs.get("email"):
            raise serializers.ValidationError({"phone": [_("A phone number or an e-mail address is required.")]})
        attrs["email"] = attrs.get("email") or None
        return attrs


class StaffRetailerCreateSerializer(SignupSerializer):
    """Staff register a retailer and its owner (the retailer starts pending)."""

    payment_terms_days = serializers.IntegerField(min_value=0, max_value=365, required=False)
    segment = strict.CharField(max_length=50, required=False, allow_blank=True)
    notes = strict.CharField(max_length=strict.LONG_TEXT, required=False, allow_blank=True)


class SignupResponseSerializer(serializers.Serializer):
    user = MeSerializer()
    retailer = RetailerProfileSerializer()


class ReasonSerializer(serializers.Serializer):
    reason = strict.CharField(max_length=strict.SHORT_TEXT, required=False, allow_blank=True, default="")


class RequiredReasonSerializer(serializers.Serializer):
    reason = strict.CharField(
        max_length=strict.SHORT_TEXT,
        error_messages={"required": _("A reason is required."), "blank": _("A reason is required.")},
    )


class CreditLimitSerializer(serializers.Serializer):
    credit_limit = MoneyField(min_value=Decimal("0.00"))
    reason = strict.CharField(max_length=strict.SHORT_TEXT)


class AdjustmentSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(ADJUSTMENT_KINDS))
    amount = PositiveMoneyField()
    reason = strict.CharField(max_length=strict.SHORT_TEXT)


class LedgerEntrySerializer(serializers.ModelSerializer):
    actor = UserSummarySerializer(allow_null=True)

    class Meta:
        model = LedgerEntry
        fields = ["id", "position", "kind", "amount", "balance_after", "reason", "actor", "created_at"]
        read_only_fields = fields


class RetailerEventSerializer(serializers.ModelSerializer):
    actor = UserSummarySerializer(allow_null=True)
    old_value = serializers.CharField(source="from_value")
    new_value = serializers.CharField(source="to_value")

    class Meta:
        model = RetailerEvent
        fields = ["id", "type", "old_value", "new_value", "reason", "actor", "created_at"]
        read_only_fields = fields


# --- Addresses, documents, members -----------------------------------------------------------


class DeliveryAddressSerializer(serializers.ModelSerializer):
    wilaya = WilayaSerializer()

    class Meta:
        model = DeliveryAddress
        fields = [
            "id",
            "label",
            "address",
            "commune",
            "wilaya",
            "latitude",
            "longitude",
            "contact_name",
            "contact_phone",
            "instructions",
            "is_default",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class DeliveryAddressWriteSerializer(serializers.Serializer):
    label = strict.CharField(max_length=100, required=False, allow_blank=True)
    address = strict.CharField(max_length=strict.ADDRESS_TEXT)
    commune = strict.CharField(max_length=100, required=False, allow_blank=True)
    wilaya = WilayaCodeField()
    latitude = CoordinateField(90, required=False, allow_null=True)
    longitude = CoordinateField(180, required=False, allow_null=True)
    contact_name = strict.CharField(max_length=150, required=False, allow_blank=True)
    contact_phone = PhoneField(required=False, allow_blank=True)
    instructions = strict.CharField(max_length=strict.SHORT_TEXT, required=False, allow_blank=True)
    is_default = serializers.BooleanField(required=False)

    def validate_contact_phone(self, value):
        return value or ""


class DeliveryAddressUpdateSerializer(DeliveryAddressWriteSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class RetailerDocumentSerializer(serializers.ModelSerializer):
    uploaded_at = serializers.DateTimeField(source="created_at")
    uploaded_by = UserSummarySerializer()
    verified_by = UserSummarySerializer(allow_null=True)
    is_verified = serializers.SerializerMethodField()

    class Meta:
        model = RetailerDocument
        fields = [
            "id",
            "type",
            "original_name",
            "content_type",
            "size",
            "uploaded_at",
            "uploaded_by",
            "is_verified",
            "verified_at",
            "verified_by",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField())
    def get_is_verified(self, document) -> bool:
        return document.verified_at is not None


class RetailerDocumentUploadSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=DocumentType.choices)
    file = serializers.FileField()


class MemberSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    email = serializers.EmailField(allow_null=True)
    phone = serializers.CharField(allow_null=True)
    is_active = serializers.BooleanField()
    is_owner = serializers.SerializerMethodField()
    date_joined = serializers.DateTimeField()
    last_login = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(serializers.BooleanField())
    def get_is_owner(self, user) -> bool:
        return user.retailer.owner_id == user.pk


class MemberCreateSerializer(serializers.Serializer):
    full_name = strict.CharField(max_length=150)
    phone = PhoneField(required=False, allow_null=True, allow_blank=True)
    email = strict.EmailField(required=False, allow_null=True, allow_blank=True)
    password = strict.CharField(max_length=128, trim_whitespace=False, write_only=True)


class MemberUpdateSerializer(serializers.Serializer):
    full_name = strict.CharField(max_length=150, required=False)
    is_active = serializers.BooleanField(required=False)


# --- Statement -----------------------------------------------------------------------------


class StatementQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    format = serializers.ChoiceField(
        choices=["json", "pdf"],
        required=False,
        default="json",
        help_text=_(
            "json (the default; its entries paged by limit/offset) or pdf (the whole period, in the owner's "
            "language); any other value → 400 VALIDATION_ERROR"
        ),
    )

    def validate(self, attrs):
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": [_("The end date is before the start date.")]})
        return attrs


class StatementEntrySerializer(serializers.ModelSerializer):
    running_balance = MoneyField(source="balance_after")

    class Meta:
        model = LedgerEntry
        fields = ["id", "created_at", "kind", "reason", "amount", "running_balance"]
        read_only_fields = fields


class StatementOpenInvoiceSerializer(serializers.Serializer):
    """An invoice still owed (filled by billing when installed): its age in days since issue and
    the days past its due date (0 while not due)."""

    id = serializers.UUIDField()
    number = serializers.CharField()
    issued_at = serializers.DateTimeField()
    due_date = serializers.DateField()
    total = MoneyField()
    amount_paid = MoneyField()
    amount_due = MoneyField()
    age_days = serializers.IntegerField()
    days_past_due = serializers.IntegerField()


class StatementPaginationSerializer(serializers.Serializer):
    """The page of `entries` (the envelope's list pagination, inside the statement: the header
    figures always cover the whole period)."""

    total = serializers.IntegerField(help_text=_("Entries in the period"))
    limit = serializers.IntegerField(min_value=1, max_value=100)
    offset = serializers.IntegerField(min_value=0)
    has_more = serializers.BooleanField()


class StatementSerializer(serializers.Serializer):
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)
    opening_balance = MoneyField()
    entries = StatementEntrySerializer(many=True, help_text=_("This page of the period's entries, in ledger order"))
    entries_pagination = StatementPaginationSerializer()
    total_debit = DerivedMoneyField()
    total_credit = DerivedMoneyField()
    closing_balance = MoneyField()
    credit_limit = MoneyField()
    available_credit = DerivedMoneyField()
    open_invoices = StatementOpenInvoiceSerializer(many=True, default=list)
