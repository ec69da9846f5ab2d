from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from livrili.api import fields as strict
from livrili.api.fields import MoneyField
from orders.api.serializers import RetailerRefSerializer

from ..models import (
    CashHandover,
    CreditNote,
    DiscrepancyReason,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentAllocation,
    PaymentMethodKind,
)
from ..selectors import tax_summary


class InvoiceOrderRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField()


INVOICE_FIELDS = [
    "id",
    "number",
    "order",
    "retailer",
    "issued_at",
    "due_date",
    "status",
    "payment_method",
    "language",
    "subtotal",
    "discount_total",
    "delivery_fee",
    "tax_total",
    "stamp_duty",
    "total",
    "amount_paid",
]


class InvoiceSerializer(serializers.ModelSerializer):
    order = InvoiceOrderRefSerializer()
    retailer = RetailerRefSerializer()
    subtotal = MoneyField()
    discount_total = MoneyField()
    delivery_fee = MoneyField()
    tax_total = MoneyField()
    stamp_duty = MoneyField()
    total = MoneyField()
    amount_paid = MoneyField()

    class Meta:
        model = Invoice
        fields = INVOICE_FIELDS
        read_only_fields = INVOICE_FIELDS


class InvoiceLineSerializer(serializers.ModelSerializer):
    unit_price = MoneyField()
    discount = MoneyField()
    line_subtotal = MoneyField()
    line_tax = MoneyField()
    line_total = MoneyField()

    class Meta:
        model = InvoiceLine
        fields = [
            "position",
            "kind",
            "description",
            "sku",
            "quantity",
            "unit_price",
            "discount",
            "tax_rate",
            "line_subtotal",
            "line_tax",
            "line_total",
        ]
        read_only_fields = fields


class TaxSummarySerializer(serializers.Serializer):
    rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    base = MoneyField()
    tax = MoneyField()


class CreditNoteSerializer(serializers.ModelSerializer):
    subtotal = MoneyField()
    delivery_fee = MoneyField()
    tax_total = MoneyField()
    stamp_duty = MoneyField()
    total = MoneyField()

    class Meta:
        model = CreditNote
        fields = ["id", "number", "reason", "issued_at", "subtotal", "delivery_fee", "tax_total", "stamp_duty", "total"]
        read_only_fields = fields


class InvoiceDetailSerializer(InvoiceSerializer):
    seller = serializers.JSONField()
    buyer = serializers.JSONField()
    lines = InvoiceLineSerializer(many=True)
    tax_summary = serializers.SerializerMethodField()
    credit_notes = CreditNoteSerializer(many=True)

    class Meta(InvoiceSerializer.Meta):
        fields = [
            *INVOICE_FIELDS,
            "seller",
            "buyer",
            "lines",
            "tax_summary",
            "amount_in_words",
            "amount_in_words_fr",
            "amount_in_words_ar",
            "credit_notes",
        ]
        read_only_fields = fields

    @extend_schema_field(TaxSummarySerializer(many=True))
    def get_tax_summary(self, invoice) -> list[dict]:
        return TaxSummarySerializer(tax_summary(invoice), many=True).data


class InvoiceCancelSerializer(serializers.Serializer):
    reason = strict.CharField(max_length=500)


# --- Payments ---------------------------------------------------------------------------------


class InvoiceRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField()


class UserRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    full_name = serializers.CharField()


class PaymentAllocationSerializer(serializers.ModelSerializer):
    invoice = InvoiceRefSerializer()
    amount = MoneyField()

    class Meta:
        model = PaymentAllocation
        fields = ["invoice", "amount"]
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    retailer = RetailerRefSerializer()
    amount = MoneyField()
    allocated_amount = MoneyField()
    unallocated_amount = MoneyField()
    collected_by = UserRefSerializer(allow_null=True)
    recorded_by = UserRefSerializer(allow_null=True)
    delivery = InvoiceRefSerializer(allow_null=True)  # {id, number}
    allocations = PaymentAllocationSerializer(many=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "retailer",
            "amount",
            "method",
            "status",
            "received_at",
            "reference",
            "note",
            "collected_by",
            "recorded_by",
            "delivery",
            "allocated_amount",
            "unallocated_amount",
            "allocations",
            "confirmed_at",
            "reversed_at",
            "reversal_reason",
            "created_at",
        ]
        read_only_fields = fields


class AllocationInputSerializer(serializers.Serializer):
    invoice_id = serializers.UUIDField()
    amount = MoneyField(min_value=Decimal("0.01"))


class PaymentCreateSerializer(serializers.Serializer):
    retailer_id = serializers.UUIDField()
    amount = MoneyField(min_value=Decimal("0.01"))
    method = serializers.ChoiceField(choices=PaymentMethodKind.choices)
    received_at = serializers.DateTimeField(required=False)
    reference = strict.CharField(max_length=100, required=False, allow_blank=True, default="")
    note = strict.TextField(required=False, allow_blank=True, default="")
    allocations = AllocationInputSerializer(many=True, required=False, max_length=100, default=list)


class PaymentReasonSerializer(serializers.Serializer):
    reason = strict.CharField(max_length=500)


# --- Cash handovers ---------------------------------------------------------------------------


class HandoverDriverSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    full_name = serializers.CharField(source="user.full_name")


class HandoverPaymentSerializer(serializers.ModelSerializer):
    retailer = RetailerRefSerializer()
    amount = MoneyField()
    delivery = InvoiceRefSerializer(allow_null=True)

    class Meta:
        model = Payment
        fields = ["id", "retailer", "delivery", "amount", "received_at", "reference", "status"]
        read_only_fields = fields


class CashHandoverSerializer(serializers.ModelSerializer):
    driver = HandoverDriverSerializer()
    received_by = UserRefSerializer()
    approved_by = UserRefSerializer(allow_null=True)
    expected_amount = MoneyField()
    counted_amount = MoneyField()
    discrepancy = MoneyField()
    payments = serializers.SerializerMethodField()

    class Meta:
        model = CashHandover
        fields = [
            "id",
            "driver",
            "received_by",
            "business_date",
            "expected_amount",
            "counted_amount",
            "discrepancy",
            "reason",
            "notes",
            "status",
            "approved_at",
            "approved_by",
            "payments",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(HandoverPaymentSerializer(many=True))
    def get_payments(self, handover) -> list[dict]:
        return HandoverPaymentSerializer([line.payment for line in handover.lines.all()], many=True).data


class CashHandoverCreateSerializer(serializers.Serializer):
    driver_id = serializers.UUIDField()
    date = serializers.DateField()
    counted_amount = MoneyField(min_value=Decimal("0.00"))
    reason = serializers.ChoiceField(choices=DiscrepancyReason.choices, required=False, allow_blank=True, default="")
    notes = strict.TextField(required=False, allow_blank=True, default="")
    payment_ids = serializers.ListField(child=serializers.UUIDField(), required=False, max_length=500)


class ExpectedQuerySerializer(serializers.Serializer):
    driver = serializers.UUIDField()
    date = serializers.DateField()


class ExpectedCashSerializer(serializers.Serializer):
    driver = HandoverDriverSerializer()
    date = serializers.DateField()
    expected_amount = MoneyField()
    payments = HandoverPaymentSerializer(many=True)
