"""Products: their fields, price tiers and tags, with the rules the database cannot hold
(stock is changed only through `products.services.stock`)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from livrili.core.audit import audit_record, diff, snapshot
from livrili.core.errors import DomainError, conflict
from livrili.core.models import BusinessSettings
from livrili.core.money import to_money

from ..models import PriceTier, Product, ProductImage, ProductView, StockMovement, Tag
from ..search import product_search_text
from .cache import catalog_changed
from .shared import save_unique
from .stock import ORDER_REASONS

PRODUCT_AUDITED = (
    "sku",
    "barcode",
    "name_ar",
    "name_fr",
    "name_en",
    "category_id",
    "supplier_id",
    "brand",
    "unit",
    "pack_size",
    "order_multiple",
    "min_order_quantity",
    "base_price",
    "cost_price",
    "tax_rate",
    "low_stock_threshold",
    "is_active",
    "is_featured",
)


def allowed_tax_rates() -> list[Decimal]:
    return BusinessSettings.load().allowed_tax_rate_values


def product_rule_errors(product: Product, tiers: list[dict] | None, tax_rates: list[Decimal]) -> dict:
    """Field errors of the rules the database cannot hold (no queries: the importer reuses it)."""
    errors: dict[str, list[str]] = {}
    try:
        product.full_clean(
            exclude=["category", "supplier", "search_text", "stock_quantity"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        errors.update({k: [str(m) for m in v] for k, v in exc.message_dict.items() if k != "name"})
    if product.tax_rate is not None and Decimal(product.tax_rate) not in tax_rates:
        allowed = ", ".join(str(rate) for rate in tax_rates)
        errors["tax_rate"] = [_("The tax rate must be one of: %(rates)s.") % {"rates": allowed}]
    if tiers is not None and "base_price" not in errors:
        tier_errors = _tier_errors(product.base_price, tiers)
        if tier_errors:
            errors["price_tiers"] = tier_errors
    return errors


def _tier_errors(base_price: Decimal, tiers: list[dict]) -> list[str]:
    """Tier prices strictly decrease as min_quantity rises and stay below base_price."""
    ordered = sorted(tiers, key=lambda tier: tier["min_quantity"])
    quantities = [tier["min_quantity"] for tier in ordered]
    if len(set(quantities)) != len(quantities):
        return [_("Each minimum quantity may appear only once.")]
    if any(quantity <= 1 for quantity in quantities):
        return [_("A tier's minimum quantity must be greater than 1.")]
    previous = Decimal(str(base_price))
    for tier in ordered:
        price = Decimal(str(tier["unit_price"]))
        if price >= previous:
            return [_("Tier prices must be below the base price and decrease as the quantity rises.")]
        previous = price
    return []


def product_snapshot_values(product: Product, tiers: list[dict] | None = None) -> dict:
    """The audited fields, price tiers included (from `tiers` when given, else the product's)."""
    data = snapshot(product, PRODUCT_AUDITED)
    if tiers is None:
        tiers = [{"min_quantity": t.min_quantity, "unit_price": t.unit_price} for t in product.price_tiers.all()]
    data["price_tiers"] = sorted([t["min_quantity"], str(to_money(t["unit_price"]))] for t in tiers)
    return data


def _product_snapshot(product: Product) -> dict:
    return product_snapshot_values(Product.objects.prefetch_related("price_tiers").get(pk=product.pk))


def _check_product_unique(product: Product) -> None:
    others = Product.objects.exclude(pk=product.pk)
    if others.filter(sku__iexact=product.sku).exists():
        raise conflict("sku", _("A product with this SKU already exists."))
    if product.barcode and others.filter(barcode=product.barcode).exists():
        raise conflict("barcode", _("A product with this barcode already exists."))


def _validate_product(product: Product, tiers: list[dict] | None) -> None:
    if tiers is None and product.pk and not product._state.adding:
        tiers = [{"min_quantity": t.min_quantity, "unit_price": t.unit_price} for t in product.price_tiers.all()]
    errors = product_rule_errors(product, tiers, allowed_tax_rates())
    if errors:
        raise DomainError("VALIDATION_ERROR", details=errors)


def _write_tiers(product: Product, tiers: list[dict]) -> None:
    product.price_tiers.all().delete()
    PriceTier.objects.bulk_create(
        [PriceTier(product=product, min_quantity=t["min_quantity"], unit_price=t["unit_price"]) for t in tiers]
    )


@transaction.atomic
def product_create(*, actor, price_tiers: list[dict] | None = None, tags: list[Tag] | None = None, **fields) -> Product:
    """Create a product with its tiers and tags; stock starts at 0 (stock operations change it)."""
    fields.setdefault("tax_rate", BusinessSettings.load().default_tax_rate)
    fields.pop("stock_quantity", None)
    product = Product(**fields)
    if product.barcode == "":
        product.barcode = None
    _validate_product(product, price_tiers or [])
    _check_product_unique(product)
    product.search_text = product_search_text(product)
    save_unique(product, "sku")
    _write_tiers(product, price_tiers or [])
    if tags:
        product.tags.set(tags)
    audit_record(actor=actor, instance=product, action="create", changes=diff({}, _product_snapshot(product)))
    catalog_changed([product.pk])
    return product


@transaction.atomic
def product_update(
    *, actor, product: Product, price_tiers: list[dict] | None = None, tags: list[Tag] | None = None, **changes
) -> Product:
    """Edit a product; `price_tiers` replaces the tiers; stock cannot be changed here."""
    changes.pop("stock_quantity", None)
    product = Product.objects.select_for_update().get(pk=product.pk)
    before = _product_snapshot(product)
    for field, value in changes.items():
        setattr(product, field, value)
    if product.barcode == "":
        product.barcode = None
    _validate_product(product, price_tiers)
    _check_product_unique(product)
    product.search_text = product_search_text(product)
    save_unique(product, "sku")
    if price_tiers is not None:
        _write_tiers(product, price_tiers)
    if tags is not None:
        product.tags.set(tags)
    audit_record(actor=actor, instance=product, action="update", changes=diff(before, _product_snapshot(product)))
    catalog_changed([product.pk])
    return product


@transaction.atomic
def product_delete(*, actor, product: Product) -> None:
    """A product that was ever ordered cannot be deleted (409): deactivate it instead. Order
    lines protect their product (PROTECT), so a clash found by the database is refused the same way."""
    refused = DomainError(
        "CONFLICT",
        _("This product has been ordered; deactivate it instead."),
        details={"non_field_errors": [_("This product has been ordered; deactivate it instead.")]},
    )
    if StockMovement.objects.filter(product=product, reason__in=ORDER_REASONS).exists():
        raise refused
    audit_record(actor=actor, instance=product, action="delete", changes=diff(_product_snapshot(product), {}))
    files = [image.image.name for image in product.images.all()]
    try:
        with transaction.atomic():
            product.delete()
    except ProtectedError as exc:
        raise refused from exc
    storage = ProductImage.image.field.storage
    transaction.on_commit(lambda: [storage.delete(name) for name in files])
    catalog_changed([product.pk])


@transaction.atomic
def product_tags_bulk(*, actor, products: list[Product], operation: str, tags: list[Tag]) -> int:
    """add / remove / replace `tags` on every product; returns the number of products."""
    through = Product.tags.through
    product_ids = sorted(p.pk for p in products)
    tag_ids = [t.pk for t in tags]
    if operation == "replace":
        through.objects.filter(product_id__in=product_ids).delete()
    if operation == "remove":
        through.objects.filter(product_id__in=product_ids, tag_id__in=tag_ids).delete()
    else:
        existing = set(
            through.objects.filter(product_id__in=product_ids, tag_id__in=tag_ids).values_list("product_id", "tag_id")
        )
        through.objects.bulk_create(
            [
                through(product_id=pid, tag_id=tid)
                for pid in product_ids
                for tid in tag_ids
                if (pid, tid) not in existing
            ]
        )
    for product in products:
        audit_record(
            actor=actor,
            instance=product,
            action="tags",
            changes={"operation": operation, "tags": [str(t) for t in tag_ids]},
        )
    catalog_changed(product_ids)
    return len(product_ids)


def product_view_record(*, user, product: Product) -> ProductView:
    return ProductView.objects.create(user=user, product=product)
