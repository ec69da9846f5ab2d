"""Catalog: categories, products, tags, suppliers, images, volume prices and the stock ledger.

Every invariant the database can hold is a constraint here; the rules it cannot hold
(EAN check digit, allowed tax rates, tier ordering, category cycles) live in `services.py`.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from livrili.core.models import BaseModel, money_field, percent_field

from .validators import validate_ean

MAX_CATEGORY_DEPTH = 5  # levels: a root has depth 0, the deepest allowed category depth 4
MAX_IMAGE_BYTES = 5 * 1024 * 1024


class Unit(models.TextChoices):
    PIECE = "piece", _("piece")
    PACK = "pack", _("pack")
    CARTON = "carton", _("carton")
    BOX = "box", _("box")
    BAG = "bag", _("bag")
    BOTTLE = "bottle", _("bottle")
    KG = "kg", _("kilogram")
    G = "g", _("gram")
    L = "l", _("litre")
    ML = "ml", _("millilitre")


class Category(BaseModel):
    """A node of the category tree. `path` (ancestor ids then its own, '/'-joined) and `depth`
    are maintained by `category_create` / `category_move` so subtree queries are one prefix match."""

    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True, default="")
    slug = models.SlugField(_("slug"), max_length=160, unique=True)
    icon = models.CharField(_("icon"), max_length=100, blank=True, default="")
    image = models.ImageField(_("image"), upload_to="categories/", blank=True, default="")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    path = models.CharField(_("path"), max_length=200, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    sort_order = models.IntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "path"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.CheckConstraint(condition=Q(depth__lt=MAX_CATEGORY_DEPTH), name="category_depth_max_5_levels"),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="category_not_own_parent"),
            models.CheckConstraint(
                condition=(Q(parent__isnull=True, depth=0) | Q(parent__isnull=False, depth__gt=0)),
                name="category_root_iff_depth_0",
            ),
        ]

    def __str__(self):
        return self.name or self.slug


class Supplier(BaseModel):
    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=30, unique=True)
    contact_name = models.CharField(_("contact name"), max_length=150, blank=True, default="")
    email = models.EmailField(_("e-mail"), blank=True, default="")
    phone = models.CharField(_("phone"), max_length=20, blank=True, default="")
    address = models.TextField(_("address"), blank=True, default="")
    city = models.CharField(_("city"), max_length=100, blank=True, default="")
    wilaya = models.ForeignKey(
        "core.Wilaya", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("wilaya")
    )
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=30)
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True, default="")

    class Meta:
        ordering = ["name"]
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")

    def __str__(self):
        return f"{self.code} - {self.name}"


class Tag(BaseModel):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    color = models.CharField(_("color"), max_length=7, default="#6B7280")
    description = models.TextField(_("description"), blank=True, default="")

    class Meta:
        ordering = ["slug"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [
            models.CheckConstraint(condition=Q(color__regex=r"^#[0-9A-Fa-f]{6}$"), name="tag_color_hex"),
        ]

    def __str__(self):
        return self.name or self.slug


class TagAlias(BaseModel):
    """Another spelling of a tag (a merged tag's names land here); unique in any case."""

    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("tag"))
    alias = models.CharField(_("alias"), max_length=100)

    class Meta:
        ordering = ["alias"]
        verbose_name = _("tag alias")
        verbose_name_plural = _("tag aliases")
        constraints = [models.UniqueConstraint(Lower("alias"), name="tag_alias_unique_ci")]

    def __str__(self):
        return self.alias


class Product(BaseModel):
    sku = models.CharField(_("SKU"), max_length=64)
    barcode = models.CharField(_("barcode"), max_length=13, null=True, blank=True, validators=[validate_ean])
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True, default="")
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products", verbose_name=_("category")
    )
    supplier = models.ForeignKey(
        Supplier,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("supplier"),
    )
    brand = models.CharField(_("brand"), max_length=100, blank=True, default="", db_index=True)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.PIECE)
    pack_size = models.PositiveIntegerField(_("pack size"), default=1, validators=[MinValueValidator(1)])
    order_multiple = models.PositiveIntegerField(_("order multiple"), default=1, validators=[MinValueValidator(1)])
    min_order_quantity = models.PositiveIntegerField(
        _("minimum order quantity"), default=1, validators=[MinValueValidator(1)]
    )
    base_price = money_field(_("base price"), validators=[MinValueValidator(Decimal("0.01"))])
    cost_price = money_field(_("cost price"), null=True, blank=True, validators=[MinValueValidator(Decimal("0"))])
    tax_rate = percent_field(_("tax rate"))
    stock_quantity = models.IntegerField(_("stock quantity"), default=0, editable=False)
    low_stock_threshold = models.PositiveIntegerField(_("low-stock threshold"), null=True, blank=True)
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=9, decimal_places=3, null=True, blank=True)
    dimensions = models.CharField(_("dimensions"), max_length=50, blank=True, default="")
    is_active = models.BooleanField(_("active"), default=True)
    is_featured = models.BooleanField(_("featured"), default=False)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="products", verbose_name=_("tags"))
    # Normalised sku, barcode, brand and names (see search.normalize); trigram-indexed on PostgreSQL.
    search_text = models.TextField(_("search text"), blank=True, default="", editable=False)

    class Meta:
        ordering = ["sku"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        permissions = [("adjust_stock", _("Can adjust stock"))]
        constraints = [
            models.UniqueConstraint(Lower("sku"), name="product_sku_unique_ci"),
            models.UniqueConstraint(fields=["barcode"], name="product_barcode_unique"),
            models.CheckConstraint(
                condition=Q(barcode__isnull=True) | Q(barcode__regex=r"^([0-9]{8}|[0-9]{13})$"),
                name="product_barcode_ean_format",
            ),
            models.CheckConstraint(condition=~Q(sku=""), name="product_sku_not_empty"),
            models.CheckConstraint(condition=Q(stock_quantity__gte=0), name="product_stock_gte_0"),
            models.CheckConstraint(condition=Q(base_price__gt=0), name="product_base_price_gt_0"),
            models.CheckConstraint(
                condition=Q(cost_price__isnull=True) | Q(cost_price__gte=0), name="product_cost_price_gte_0"
            ),
            models.CheckConstraint(condition=Q(tax_rate__gte=0, tax_rate__lte=100), name="product_tax_rate_range"),
            models.CheckConstraint(condition=Q(pack_size__gte=1), name="product_pack_size_gte_1"),
            models.CheckConstraint(condition=Q(order_multiple__gte=1), name="product_order_multiple_gte_1"),
            models.CheckConstraint(condition=Q(min_order_quantity__gte=1), name="product_min_order_qty_gte_1"),
            models.CheckConstraint(
                condition=Q(weight_kg__isnull=True) | Q(weight_kg__gte=0), name="product_weight_gte_0"
            ),
        ]
        indexes = [
            models.Index(fields=["is_active", "category"], name="product_active_category_idx"),
            models.Index(fields=["base_price"], name="product_base_price_idx"),
        ]

    def __str__(self):
        return f"{self.sku} - {self.name}"


class ProductImage(BaseModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images", verbose_name=_("product"))
    image = models.ImageField(_("image"), upload_to="products/%Y/%m/")
    alt_text = models.CharField(_("alternative text"), max_length=200, blank=True, default="")
    sort_order = models.IntegerField(_("sort order"), default=0)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        ordering = ["-is_primary", "sort_order", "created_at"]
        verbose_name = _("product image")
        verbose_name_plural = _("product images")
        constraints = [
            models.UniqueConstraint(fields=["product"], condition=Q(is_primary=True), name="product_image_one_primary"),
        ]

    def __str__(self):
        return self.alt_text or self.image.name


class PriceTier(BaseModel):
    """Volume price: from `min_quantity` units on, each unit costs `unit_price`."""

    product = models.ForeignKey(
        Product,
        on_delete=models.CASCADE,
        related_name="price_tiers",
        verbose_name=_("product"),
        db_index=False,
    )
    min_quantity = models.PositiveIntegerField(_("minimum quantity"))
    unit_price = money_field(_("unit price"), validators=[MinValueValidator(Decimal("0.01"))])

    class Meta:
        ordering = ["min_quantity"]
        verbose_name = _("price tier")
        verbose_name_plural = _("price tiers")
        constraints = [
            models.UniqueConstraint(fields=["product", "min_quantity"], name="price_tier_product_min_qty_unique"),
            models.CheckConstraint(condition=Q(min_quantity__gt=1), name="price_tier_min_qty_gt_1"),
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="price_tier_unit_price_gt_0"),
        ]

    def __str__(self):
        return f"≥ {self.min_quantity}: {self.unit_price}"


class StockReason(models.TextChoices):
    ORDER = "order", _("Order")
    ORDER_CANCEL = "order_cancel", _("Order cancelled")
    ADJUST_SET = "adjust_set", _("Stock set")
    ADJUST_ADD = "adjust_add", _("Stock added")
    ADJUST_SUBTRACT = "adjust_subtract", _("Stock subtracted")
    IMPORT = "import", _("Import")
    RETURN = "return", _("Return")
    CORRECTION = "correction", _("Correction")


class AppendOnlyError(Exception):
    pass


class StockMovement(models.Model):
    """One change of a product's stock (append-only). Invariant: for every product,
    `stock_quantity == Σ delta` and each row's `stock_after` is the stock right after it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    product = models.ForeignKey(
        Product,
        on_delete=models.CASCADE,
        related_name="stock_movements",
        verbose_name=_("product"),
        db_index=False,
    )
    delta = models.IntegerField(_("change"))
    reason = models.CharField(_("reason"), max_length=20, choices=StockReason.choices)
    stock_after = models.IntegerField(_("stock after"))
    reference = models.CharField(_("reference"), max_length=100, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    note = models.CharField(_("note"), max_length=500, blank=True, default="")
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        constraints = [
            models.CheckConstraint(condition=~Q(delta=0), name="stock_movement_delta_not_0"),
            models.CheckConstraint(condition=Q(stock_after__gte=0), name="stock_movement_after_gte_0"),
        ]
        indexes = [models.Index(fields=["product", "created_at"], name="stock_movement_product_idx")]

    def __str__(self):
        return f"{self.product_id} {self.delta:+d} ({self.reason})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Stock movements are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Stock movements are append-only.")


class ProductView(models.Model):
    """A product page seen by a retailer user (recently viewed, recommendations)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="product_views",
        verbose_name=_("user"),
        db_index=False,
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="views", verbose_name=_("product"))
    viewed_at = models.DateTimeField(_("viewed at"), auto_now_add=True)

    class Meta:
        ordering = ["-viewed_at"]
        verbose_name = _("product view")
        verbose_name_plural = _("product views")
        indexes = [models.Index(fields=["user", "-viewed_at"], name="product_view_user_idx")]

    def __str__(self):
        return f"{self.user_id} → {self.product_id}"
