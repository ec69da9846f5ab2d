from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from livrili.api import fields as strict
from livrili.api.fields import MoneyField
from orders.api.serializers import RetailerRefSerializer

from ..models import CreditNote, Invoice, InvoiceLine
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
