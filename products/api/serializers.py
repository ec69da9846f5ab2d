from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from livrili.api import fields as strict
from livrili.api.fields import MoneyField
from livrili.api.media import absolute_url
from livrili.core.models import Wilaya

from .. import pricing
from ..models import Category, Product, ProductImage, StockMovement, Supplier, Tag, Unit

TRANSLATED_NAME = ("name", "name_ar", "name_fr", "name_en")
TRANSLATED_DESCRIPTION = ("description", "description_ar", "description_fr", "description_en")
STOCK_FIELDS = ("available_quantity", "in_stock")


# --- Small embedded shapes ------------------------------------------------------------------


class CategoryRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)


class SupplierRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class TagRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    color = serializers.CharField(read_only=True)


class PriceTierSerializer(serializers.Serializer):
    min_quantity = strict.IntegerField(min_value=2)
    unit_price = MoneyField(min_value=Decimal("0.01"))

    def validate(self, attrs):
        # In a partial PATCH, DRF skips missing fields of nested items too; a tier needs both.
        missing = {name: [field.error_messages["required"]] for name, field in self.fields.items() if name not in attrs}
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class ProductImageSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = ProductImage
        fields = ("id", "url", "alt_text", "is_primary", "sort_order")

    def get_url(self, obj) -> str:
        return absolute_url(obj.image.url)


class ProductImageUploadSerializer(serializers.Serializer):
    image = serializers.FileField()
    alt_text = strict.CharField(max_length=200, required=False, allow_blank=True, default="")
    sort_order = strict.IntegerField(required=False, default=0)
    is_primary = serializers.BooleanField(required=False, default=False)


# --- Products -------------------------------------------------------------------------------


class ProductBaseSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    category = CategoryRefSerializer(read_only=True)
    price_tiers = PriceTierSerializer(many=True, read_only=True)
    price_with_tax = serializers.SerializerMethodField()
    images = ProductImageSerializer(many=True, read_only=True)
    tags = TagRefSerializer(many=True, read_only=True)

    common_fields = (
        "id",
        "sku",
        "barcode",
        *TRANSLATED_NAME,
        *TRANSLATED_DESCRIPTION,
        "category",
        "brand",
        "unit",
        "pack_size",
        "order_multiple",
        "min_order_quantity",
        "base_price",
        "price_tiers",
        "tax_rate",
        "price_with_tax",
        "images",
        "tags",
        "weight_kg",
        "dimensions",
        "is_active",
        "is_featured",
    )

    @extend_schema_field(serializers.DecimalField(max_digits=14, decimal_places=2))
    def get_price_with_tax(self, obj) -> str:
        # The retail catalog's cached pages are shared by every retailer: the list price.
        return str(pricing.with_tax(pricing.list_price(obj, context=pricing.CATALOG), obj.tax_rate))


class StaffProductSerializer(ProductBaseSerializer):
    supplier = SupplierRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Product
        fields = (
            *ProductBaseSerializer.common_fields,
            "stock_quantity",
            "low_stock_threshold",
            "supplier",
            "cost_price",
            "metadata",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class RetailProductSerializer(ProductBaseSerializer):
    """The retailer's view: no raw stock, cost or supplier. `available_quantity` and `in_stock`
    are filled from live stock by the view (the rest may come from the catalog cache)."""

    available_quantity = serializers.IntegerField(read_only=True, source="stock_quantity")
    in_stock = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = (*ProductBaseSerializer.common_fields, *STOCK_FIELDS)
        read_only_fields = fields

    def get_in_stock(self, obj) -> bool:
        return obj.stock_quantity >= obj.min_order_quantity


class ProductWriteSerializer(serializers.Serializer):
    sku = strict.CharField(max_length=64)
    barcode = strict.CharField(max_length=13, required=False, allow_null=True, allow_blank=True)
    name_ar = strict.CharField(max_length=200)
    name_fr = strict.CharField(max_length=200)
    name_en = strict.CharField(max_length=200)
    description_ar = strict.TextField(required=False, allow_blank=True)
    description_fr = strict.TextField(required=False, allow_blank=True)
    description_en = strict.TextField(required=False, allow_blank=True)
    category_id = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all(), source="category")
    supplier_id = serializers.PrimaryKeyRelatedField(
        queryset=Supplier.objects.all(), source="supplier", required=False, allow_null=True
    )
    brand = strict.CharField(max_length=100, required=False, allow_blank=True)
    unit = serializers.ChoiceField(choices=Unit.choices, required=False)
    pack_size = strict.IntegerField(min_value=1, required=False)
    order_multiple = strict.IntegerField(min_value=1, required=False)
    min_order_quantity = strict.IntegerField(min_value=1, required=False)
    base_price = MoneyField(min_value=Decimal("0.01"))
    cost_price = MoneyField(min_value=Decimal("0.00"), required=False, allow_null=True)
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)
    low_stock_threshold = strict.IntegerField(min_value=0, required=False, allow_null=True)
    weight_kg = serializers.DecimalField(
        max_digits=9, decimal_places=3, min_value=Decimal("0"), required=False, allow_null=True
    )
    dimensions = strict.CharField(max_length=50, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)
    is_featured = serializers.BooleanField(required=False)
    metadata = serializers.JSONField(required=False)
    price_tiers = PriceTierSerializer(many=True, required=False)
    tag_ids = serializers.PrimaryKeyRelatedField(queryset=Tag.objects.all(), many=True, source="tags", required=False)


class StockOperationSerializer(serializers.Serializer):
    operation = serializers.ChoiceField(choices=[("set", _("set")), ("add", _("add")), ("subtract", _("subtract"))])
    quantity = strict.IntegerField(min_value=0)
    note = strict.CharField(max_length=500, required=False, allow_blank=True, default="")


class StockMovementSerializer(serializers.ModelSerializer):
    actor_id = serializers.UUIDField(read_only=True, allow_null=True)

    class Meta:
        model = StockMovement
        fields = ("id", "delta", "reason", "stock_after", "reference", "note", "actor_id", "created_at")
        read_only_fields = fields


class BulkTagsSerializer(serializers.Serializer):
    product_ids = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(), many=True, allow_empty=False, source="products"
    )
    operation = serializers.ChoiceField(choices=[("add", _("add")), ("remove", _("remove")), ("replace", _("replace"))])
    tag_ids = serializers.PrimaryKeyRelatedField(queryset=Tag.objects.all(), many=True, source="tags")


class BulkTagsResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField()


class ProductViewResultSerializer(serializers.Serializer):
    product_id = serializers.UUIDField()
    viewed_at = serializers.DateTimeField()


class SuggestionProductSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    sku = serializers.CharField()
    name = serializers.CharField()


class SuggestionsSerializer(serializers.Serializer):
    products = SuggestionProductSerializer(many=True)
    categories = CategoryRefSerializer(many=True)
    brands = serializers.ListField(child=serializers.CharField())


class SuggestionsQuerySerializer(serializers.Serializer):
    q = strict.CharField(max_length=100)


# --- Categories -----------------------------------------------------------------------------


class CategorySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    parent = CategoryRefSerializer(read_only=True, allow_null=True)
    image = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = (
            "id",
            "slug",
            *TRANSLATED_NAME,
            *TRANSLATED_DESCRIPTION,
            "icon",
            "image",
            "parent",
            "depth",
            "sort_order",
            "is_active",
        )
        read_only_fields = fields

    def get_image(self, obj) -> str | None:
        return absolute_url(obj.image.url) if obj.image else None


class CategoryTreeSerializer(CategorySerializer):
    children = serializers.SerializerMethodField()

    class Meta(CategorySerializer.Meta):
        fields = (*CategorySerializer.Meta.fields, "children")
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_children(self, obj) -> list:
        return CategoryTreeSerializer(getattr(obj, "tree_children", []), many=True, context=self.context).data


class CategoryWriteSerializer(serializers.Serializer):
    slug = strict.SlugField(max_length=160, required=False, allow_blank=True)
    name_ar = strict.CharField(max_length=150)
    name_fr = strict.CharField(max_length=150)
    name_en = strict.CharField(max_length=150)
    description_ar = strict.TextField(required=False, allow_blank=True)
    description_fr = strict.TextField(required=False, allow_blank=True)
    description_en = strict.TextField(required=False, allow_blank=True)
    icon = strict.CharField(max_length=100, required=False, allow_blank=True)
    parent_id = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), source="parent", required=False, allow_null=True
    )
    sort_order = strict.IntegerField(required=False)
    is_active = serializers.BooleanField(required=False)


# --- Tags and suppliers -----------------------------------------------------------------------


class TagSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    aliases = serializers.SlugRelatedField(slug_field="alias", many=True, read_only=True)
    usage_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Tag
        fields = ("id", "slug", *TRANSLATED_NAME, "color", "description", "aliases", "usage_count")
        read_only_fields = fields


class TagWriteSerializer(serializers.Serializer):
    slug = strict.SlugField(max_length=120, required=False, allow_blank=True)
    name_ar = strict.CharField(max_length=100)
    name_fr = strict.CharField(max_length=100)
    name_en = strict.CharField(max_length=100)
    color = strict.RegexField(r"^#[0-9A-Fa-f]{6}$", required=False)
    description = strict.TextField(max_length=strict.SHORT_TEXT, required=False, allow_blank=True)
    aliases = serializers.ListField(child=strict.CharField(max_length=100), max_length=100, required=False)


class TagMergeSerializer(serializers.Serializer):
    target_id = serializers.PrimaryKeyRelatedField(queryset=Tag.objects.all(), source="target")


class SupplierSerializer(strict.ModelSerializer):
    wilaya_id = serializers.PrimaryKeyRelatedField(
        queryset=Wilaya.objects.all(), source="wilaya", required=False, allow_null=True
    )

    class Meta:
        model = Supplier
        fields = (
            "id",
            "name",
            "code",
            "contact_name",
            "email",
            "phone",
            "address",
            "city",
            "wilaya_id",
            "payment_terms_days",
            "is_active",
            "notes",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("id", "created_at", "updated_at")
        extra_kwargs = {"code": {"validators": []}, "address": {"max_length": strict.ADDRESS_TEXT}}
