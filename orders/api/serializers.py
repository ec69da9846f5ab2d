from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from livrili.api import fields as strict
from livrili.api.fields import DerivedMoneyField, MoneyField
from livrili.api.serializers import BuiltOnceModelSerializer
from products.api.serializers import ProductImageSerializer

from ..models import CartActionType, Order, OrderEvent, OrderItem, OrderStatus, PaymentMethod
from ..rules import MAX_LINE_QUANTITY


def quantity(**kwargs):
    return serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY, **kwargs)


# --- Cart ---------------------------------------------------------------------------------


class CartProductSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    sku = serializers.CharField()
    name = serializers.CharField()
    name_ar = serializers.CharField()
    name_fr = serializers.CharField()
    name_en = serializers.CharField()
    images = ProductImageSerializer(many=True, source="image_list")  # prefetched by selectors.cart_items
    unit = serializers.CharField()
    pack_size = serializers.IntegerField()


class CartLineSerializer(serializers.Serializer):
    product = CartProductSerializer(source="item.product")
    quantity = serializers.IntegerField(source="item.quantity")
    unit_price = MoneyField(source="price.unit_price")
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=2, source="price.tax_rate")
    line_subtotal = MoneyField(source="price.subtotal")
    line_tax = MoneyField(source="price.tax")
    line_total = MoneyField(source="price.total")
    problems = serializers.ListField(child=serializers.CharField())


class CartSerializer(serializers.Serializer):
    items = CartLineSerializer(many=True, source="lines")
    item_count = serializers.IntegerField()
    subtotal = MoneyField(source="totals.subtotal")
    tax_total = MoneyField(source="totals.tax_total")
    delivery_fee = MoneyField(source="totals.delivery_fee")
    discount_total = MoneyField(source="totals.discount_total")
    total = MoneyField(source="totals.total")
    stamp_duty_if_cash = MoneyField(source="cash_totals.stamp_duty")
    minimum_order_value = MoneyField()
    min_order_remaining = MoneyField()
    available_credit = DerivedMoneyField()
    credit_after_order = DerivedMoneyField()


class CartAddSerializer(serializers.Serializer):
    product_id = serializers.UUIDField()
    quantity = quantity()


class CartSetSerializer(serializers.Serializer):
    quantity = quantity()


class SyncActionSerializer(serializers.Serializer):
    client_action_id = strict.CharField(max_length=100)
    action = serializers.ChoiceField(choices=CartActionType.choices)
    product_id = serializers.UUIDField(required=False, allow_null=True)
    quantity = quantity(required=False, allow_null=True)
    client_timestamp = serializers.DateTimeField(required=False, allow_null=True)

    def validate(self, attrs):
        kind = attrs["action"]
        if kind != CartActionType.CLEAR and not attrs.get("product_id"):
            raise serializers.ValidationError({"product_id": [_("This field is required.")]})
        if kind in (CartActionType.ADD, CartActionType.SET) and not attrs.get("quantity"):
            raise serializers.ValidationError({"quantity": [_("This field is required.")]})
        return attrs


class CartSyncSerializer(serializers.Serializer):
    device_id = strict.CharField(max_length=100, required=False, allow_blank=True, default="")
    actions = SyncActionSerializer(many=True, allow_empty=False, max_length=100)

    def validate_actions(self, actions):
        ids = [a["client_action_id"] for a in actions]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError(_("Each client_action_id must appear once."))
        return actions


class SyncResultSerializer(serializers.Serializer):
    client_action_id = serializers.CharField()
    result = serializers.ChoiceField(choices=["applied", "adjusted", "rejected"])
    quantity = serializers.IntegerField(allow_null=True)
    error_code = serializers.CharField(allow_null=True)


class CartSyncResultSerializer(serializers.Serializer):
    results = SyncResultSerializer(many=True)
    cart = CartSerializer()


class ReorderLineSerializer(SyncResultSerializer):
    client_action_id = None
    product_id = serializers.UUIDField()
    requested = serializers.IntegerField()


class ReorderResultSerializer(serializers.Serializer):
    cart = CartSerializer()
    adjustments = ReorderLineSerializer(many=True)


# --- Orders -------------------------------------------------------------------------------


class PlaceOrderSerializer(serializers.Serializer):
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
    address_id = serializers.UUIDField(required=False, allow_null=True)
    requested_delivery_date = serializers.DateField(required=False, allow_null=True)
    time_slot = strict.CharField(max_length=20, required=False, allow_blank=True, allow_null=True)
    notes = strict.CharField(max_length=1000, required=False, allow_blank=True, default="")
    expected_total = MoneyField(required=False, allow_null=True, min_value=Decimal("0"))


class OrderLineInputSerializer(serializers.Serializer):
    product_id = serializers.UUIDField()
    quantity = quantity()
    discount = MoneyField(required=False, default=Decimal("0.00"), min_value=Decimal("0"))
    discount_reason = strict.CharField(max_length=200, required=False, allow_blank=True, default="")


class ManualOrderSerializer(PlaceOrderSerializer):
    retailer_id = serializers.UUIDField()
    items = OrderLineInputSerializer(many=True, allow_empty=False, max_length=200)


class OrderEditSerializer(serializers.Serializer):
    items = OrderLineInputSerializer(many=True, allow_empty=False, max_length=200)
    notes = strict.CharField(max_length=1000, required=False, allow_blank=True)


class CancelSerializer(serializers.Serializer):
    reason = strict.CharField(max_length=500)


class NoteSerializer(serializers.Serializer):
    note = strict.CharField(max_length=500, required=False, allow_blank=True, default="")


class StatusChangeSerializer(NoteSerializer):
    status = serializers.ChoiceField(
        choices=[
            OrderStatus.CONFIRMED,
            OrderStatus.PROCESSING,
            OrderStatus.SHIPPED,
            OrderStatus.DELIVERED,
            OrderStatus.RETURNED,
        ]
    )


class BulkStatusSerializer(StatusChangeSerializer):
    order_ids = serializers.ListField(child=serializers.UUIDField(), allow_empty=False, max_length=100)


class BulkResultSerializer(serializers.Serializer):
    order_id = serializers.UUIDField()
    ok = serializers.BooleanField()
    error_code = serializers.CharField(allow_null=True)


class BulkResultsSerializer(serializers.Serializer):
    results = BulkResultSerializer(many=True)


class StatsQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    retailer = serializers.UUIDField(required=False)


class StatusStatSerializer(serializers.Serializer):
    status = serializers.CharField()
    count = serializers.IntegerField()
    total = MoneyField()


class RetailerRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    business_name = serializers.CharField()


class DeliveryAddressSnapshotSerializer(serializers.Serializer):
    address = serializers.CharField(source="delivery_address")
    commune = serializers.CharField(source="delivery_commune")
    wilaya_code = serializers.CharField(source="delivery_wilaya_code")
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, source="delivery_latitude", allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, source="delivery_longitude", allow_null=True)
    contact_name = serializers.CharField(source="delivery_contact_name")
    contact_phone = serializers.CharField(source="delivery_contact_phone")


class OrderItemSerializer(BuiltOnceModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = OrderItem
        fields = [
            "id",
            "product_id",
            "sku",
            "name",
            "name_ar",
            "name_fr",
            "name_en",
            "quantity",
            "unit_price",
            "tax_rate",
            "discount",
            "discount_reason",
            "line_subtotal",
            "line_tax",
            "line_total",
        ]


class OrderEventSerializer(BuiltOnceModelSerializer):
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)

    class Meta:
        model = OrderEvent
        fields = ["id", "type", "from_status", "to_status", "actor", "note", "data", "created_at"]


ORDER_FIELDS = [
    "id",
    "number",
    "status",
    "channel",
    "payment_method",
    "retailer",
    "subtotal",
    "tax_total",
    "delivery_fee",
    "discount_total",
    "stamp_duty",
    "total",
    "delivery_address",
    "requested_delivery_date",
    "time_slot",
    "notes",
    "cancel_reason",
    "can_cancel",
    "created_at",
    "confirmed_at",
    "shipped_at",
    "delivered_at",
    "cancelled_at",
]


class OrderSerializer(BuiltOnceModelSerializer):
    retailer = RetailerRefSerializer()
    delivery_address = DeliveryAddressSnapshotSerializer(source="*")
    can_cancel = serializers.SerializerMethodField()
    item_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Order
        fields = [*ORDER_FIELDS, "item_count"]

    @extend_schema_field(serializers.BooleanField())
    def get_can_cancel(self, order) -> bool:
        return order.status in (OrderStatus.PENDING, OrderStatus.ON_HOLD)


class OrderDetailSerializer(OrderSerializer):
    items = OrderItemSerializer(many=True)
    item_count = None

    class Meta(OrderSerializer.Meta):
        fields = [*ORDER_FIELDS, "items"]


class StaffOrderDetailSerializer(OrderDetailSerializer):
    events = OrderEventSerializer(many=True)
    created_by = serializers.CharField(source="created_by.username", allow_null=True, default=None)

    class Meta(OrderDetailSerializer.Meta):
        fields = [*ORDER_FIELDS, "items", "events", "created_by"]


class TrackingStepSerializer(serializers.Serializer):
    key = serializers.CharField()
    at = serializers.DateTimeField(allow_null=True)
    done = serializers.BooleanField()


class TrackingDriverSerializer(serializers.Serializer):
    first_name = serializers.CharField()
    phone = serializers.CharField()
    vehicle = serializers.CharField()


class TrackingSerializer(serializers.Serializer):
    status = serializers.CharField()
    can_cancel = serializers.BooleanField()
    steps = TrackingStepSerializer(many=True)
    driver = TrackingDriverSerializer(allow_null=True, help_text=_("While the order is out for delivery."))
    eta = serializers.DateTimeField(allow_null=True)
