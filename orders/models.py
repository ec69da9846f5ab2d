"""Order-to-cash: the shared cart and its offline sync log, orders, their items and events."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils.translation import gettext_lazy as _

from livrili.core.models import BaseModel, coordinate_field, money_field, percent_field


class CartItem(models.Model):
    """A line of the retailer's cart, shared by all its members."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    retailer = models.ForeignKey(
        "retailers.Retailer",
        on_delete=models.CASCADE,
        related_name="cart_items",
        verbose_name=_("retailer"),
        db_index=False,
    )
    product = models.ForeignKey(
        "products.Product", on_delete=models.CASCADE, related_name="cart_items", verbose_name=_("product")
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["added_at"]
        verbose_name = _("cart item")
        verbose_name_plural = _("cart items")
        constraints = [
            models.UniqueConstraint(fields=["retailer", "product"], name="cart_item_retailer_product_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="cart_item_quantity_gt_0"),
        ]

    def __str__(self):
        return f"{self.product_id} × {self.quantity}"


class CartActionType(models.TextChoices):
    ADD = "add", _("Add")
    SET = "set", _("Set")
    REMOVE = "remove", _("Remove")
    CLEAR = "clear", _("Clear")


class CartAction(models.Model):
    """One offline cart action, stored with its result so a replay answers the same."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    retailer = models.ForeignKey(
        "retailers.Retailer",
        on_delete=models.CASCADE,
        related_name="cart_actions",
        verbose_name=_("retailer"),
        db_index=False,
    )
    client_action_id = models.CharField(_("client action id"), max_length=100)
    action = models.CharField(_("action"), max_length=10, choices=CartActionType.choices)
    payload = models.JSONField(_("payload"), default=dict)
    device_id = models.CharField(_("device"), max_length=100, blank=True)
    client_timestamp = models.DateTimeField(_("client time"), null=True, blank=True)
    result = models.JSONField(_("result"), default=dict)
    processed_at = models.DateTimeField(_("processed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("cart action")
        verbose_name_plural = _("cart actions")
        constraints = [
            models.UniqueConstraint(fields=["retailer", "client_action_id"], name="cart_action_client_id_unique")
        ]

    def __str__(self):
        return f"{self.client_action_id} {self.action}"


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ON_HOLD = "on_hold", _("On credit hold")
    CONFIRMED = "confirmed", _("Confirmed")
    PROCESSING = "processing", _("Processing")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")
    RETURNED = "returned", _("Returned")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash on delivery")
    CREDIT = "credit", _("Credit")


class Channel(models.TextChoices):
    PWA = "pwa", _("Retailer app")
    ADMIN = "admin", _("Back office")
    IMPORT = "import", _("Import")


class Order(BaseModel):
    number = models.CharField(_("number"), max_length=20, unique=True)
    retailer = models.ForeignKey(
        "retailers.Retailer",
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("retailer"),
        db_index=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.PWA)
    status = models.CharField(_("status"), max_length=12, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    payment_method = models.CharField(_("payment method"), max_length=10, choices=PaymentMethod.choices)
    subtotal = money_field(_("subtotal"))
    tax_total = money_field(_("tax"))
    delivery_fee = money_field(_("delivery fee"))
    discount_total = money_field(_("discounts"))
    stamp_duty = money_field(_("stamp duty"))
    total = money_field(_("total"))
    delivery_address = models.TextField(_("delivery address"), blank=True)
    delivery_commune = models.CharField(_("commune"), max_length=100, blank=True)
    delivery_wilaya_code = models.CharField(_("wilaya"), max_length=2, blank=True)
    delivery_latitude = coordinate_field(_("latitude"))
    delivery_longitude = coordinate_field(_("longitude"))
    delivery_contact_name = models.CharField(_("contact name"), max_length=150, blank=True)
    delivery_contact_phone = models.CharField(_("contact phone"), max_length=16, blank=True)
    requested_delivery_date = models.DateField(_("requested delivery date"))
    time_slot = models.CharField(_("time slot"), max_length=20)
    notes = models.TextField(_("notes"), blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100)
    request_fingerprint = models.CharField(_("request fingerprint"), max_length=64, editable=False)
    language = models.CharField(_("language"), max_length=2, default="ar", choices=settings.LANGUAGES)
    cancel_reason = models.TextField(_("cancellation reason"), blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    processing_at = models.DateTimeField(_("processing since"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        permissions = [
            ("release_hold", _("Can release a credit hold")),
            ("record_payment", _("Can record payments")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["retailer", "idempotency_key"], name="order_idempotency_key_unique"),
            models.CheckConstraint(condition=Q(subtotal__gte=0), name="order_subtotal_gte_0"),
            models.CheckConstraint(condition=Q(tax_total__gte=0), name="order_tax_gte_0"),
            models.CheckConstraint(condition=Q(delivery_fee__gte=0), name="order_delivery_fee_gte_0"),
            models.CheckConstraint(condition=Q(discount_total__gte=0), name="order_discount_gte_0"),
            models.CheckConstraint(condition=Q(stamp_duty__gte=0), name="order_stamp_duty_gte_0"),
            # ROUND keeps these sum checks exact where decimals are binary floats (SQLite); it is
            # a no-op on PostgreSQL's numerics.
            models.CheckConstraint(
                condition=Q(total=Round(F("subtotal") + F("delivery_fee") + F("tax_total") + F("stamp_duty"), 2)),
                name="order_total_is_sum",
            ),
            models.CheckConstraint(
                condition=Q(payment_method="cash") | Q(stamp_duty=0), name="order_stamp_duty_only_cash"
            ),
        ]
        indexes = [
            models.Index(fields=["retailer", "-created_at"], name="order_retailer_created_idx"),
            models.Index(fields=["status", "-created_at"], name="order_status_created_idx"),
        ]

    def __str__(self):
        return self.number


class OrderItem(models.Model):
    """A line as placed: names, SKU, price and tax are snapshots; immutable once placed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items", verbose_name=_("order"))
    product = models.ForeignKey(
        "products.Product",
        on_delete=models.PROTECT,
        related_name="order_items",
        verbose_name=_("product"),
        db_index=False,
    )
    sku = models.CharField(_("SKU"), max_length=64)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = money_field(_("unit price"))
    tax_rate = percent_field(_("tax rate"))
    discount = money_field(_("discount"), default=0)
    discount_reason = models.CharField(_("discount reason"), max_length=200, blank=True)
    line_subtotal = money_field(_("subtotal"))
    line_tax = money_field(_("tax"))
    line_total = money_field(_("total"))

    class Meta:
        ordering = ["sku"]
        verbose_name = _("order item")
        verbose_name_plural = _("order items")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_item_quantity_gt_0"),
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="order_item_unit_price_gt_0"),
            models.CheckConstraint(condition=Q(discount__gte=0), name="order_item_discount_gte_0"),
            models.CheckConstraint(condition=Q(line_subtotal__gte=0), name="order_item_subtotal_gte_0"),
            models.CheckConstraint(
                condition=Q(line_total=Round(F("line_subtotal") + F("line_tax"), 2)), name="order_item_total_is_sum"
            ),
            models.CheckConstraint(
                condition=Q(discount=0) | ~Q(discount_reason=""), name="order_item_discount_needs_reason"
            ),
        ]
        indexes = [models.Index(fields=["product", "order"], name="order_item_product_idx")]

    def __str__(self):
        return f"{self.sku} × {self.quantity}"

    @property
    def name(self):
        from django.utils.translation import get_language

        return getattr(self, f"name_{(get_language() or 'ar')[:2]}", None) or self.name_ar


class OrderEventType(models.TextChoices):
    PLACED = "placed", _("Placed")
    HELD = "held", _("Held for credit")
    HOLD_RELEASED = "hold_released", _("Credit hold released")
    CONFIRMED = "confirmed", _("Confirmed")
    PROCESSING = "processing", _("Processing")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    RETURNED = "returned", _("Returned")
    CANCELLED = "cancelled", _("Cancelled")
    EDITED = "edited", _("Edited")
    NOTE = "note", _("Note")
    PAYMENT = "payment", _("Payment")
    INVOICE = "invoice", _("Invoice")


class OrderEvent(models.Model):
    """The order's history: every status change and edit, with who, when, from and to."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events", verbose_name=_("order"))
    type = models.CharField(_("type"), max_length=20, choices=OrderEventType.choices)
    from_status = models.CharField(_("from"), max_length=12, blank=True, choices=OrderStatus.choices)
    to_status = models.CharField(_("to"), max_length=12, blank=True, choices=OrderStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("order event")
        verbose_name_plural = _("order events")

    def __str__(self):
        return str(self.get_type_display())
