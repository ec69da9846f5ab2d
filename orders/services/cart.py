"""The retailer's cart (workflows.md §2): each change leaves a valid line or is refused."""

from django.db import transaction

from livrili.core.errors import DomainError
from products.models import Product
from retailers.models import Retailer
from retailers.services import retailer_require_active

from ..models import CartItem
from ..rules import LINE_RULE_FIELDS, check_line, largest_valid_quantity, product_available
from . import locks


def _products_by_id(product_ids) -> dict:
    return {p.pk: p for p in Product.objects.filter(pk__in=product_ids).prefetch_related("price_tiers")}


def _get_product(product_id) -> Product:
    """The product's fields its line rules read (the whole row's statement cost more CPU than the SQL)."""
    try:
        return Product.objects.only(*LINE_RULE_FIELDS).get(pk=product_id)
    except Product.DoesNotExist:
        raise DomainError("PRODUCT_UNAVAILABLE", details={"product_id": str(product_id)}) from None


def _get_item(retailer, product) -> CartItem | None:
    """The retailer's line of the product, if any (at most one: a unique constraint)."""
    try:
        return CartItem.objects.get(retailer=retailer, product=product)
    except CartItem.DoesNotExist:
        return None


@transaction.atomic
def cart_add(*, retailer: Retailer, actor, product_id, quantity: int) -> CartItem:
    """Adds `quantity` to the product's line (creating it); the resulting line must be valid.
    `retailer` may be a reference (its key): the row is read under the lock, and the returned
    line's `retailer` is that row."""
    retailer = locks.lock_retailer(retailer.pk)
    retailer_require_active(retailer)
    product = _get_product(product_id)
    item = _get_item(retailer, product)
    total = quantity + (item.quantity if item else 0)
    check_line(product, total)
    return _cart_write(retailer, actor, product, total, item)


@transaction.atomic
def cart_set(*, retailer: Retailer, actor, product_id, quantity: int) -> CartItem:
    """Replaces the line's quantity (creating the line when absent); `retailer` as for cart_add."""
    retailer = locks.lock_retailer(retailer.pk)
    retailer_require_active(retailer)
    product = _get_product(product_id)
    check_line(product, quantity)
    item = _get_item(retailer, product)
    return _cart_write(retailer, actor, product, quantity, item)


def _cart_write(retailer, actor, product, quantity, item):
    if item is None:
        return CartItem.objects.create(retailer=retailer, product=product, quantity=quantity, added_by=actor)
    item.retailer = retailer  # the locked row, as on a created line
    item.quantity = quantity
    item.save(update_fields=["quantity", "updated_at"])
    return item


def _adjusting_write(retailer, actor, product, wanted: int, item, hidden) -> tuple[dict, CartItem | None]:
    """Write the largest valid quantity ≤ wanted (offline sync, reorder). Returns the result
    (applied, adjusted or rejected) and the written line (None when rejected)."""
    current = item.quantity if item else 0
    if not product_available(product, hidden):
        return {"result": "rejected", "quantity": current, "error_code": "PRODUCT_UNAVAILABLE"}, None
    quantity = largest_valid_quantity(product, wanted)
    if quantity == 0:
        code = "INSUFFICIENT_STOCK" if product.stock_quantity < wanted else "BELOW_MIN_QUANTITY"
        return {"result": "rejected", "quantity": current, "error_code": code}, None
    written = _cart_write(retailer, actor, product, quantity, item)
    result = "applied" if quantity == wanted else "adjusted"
    return {"result": result, "quantity": quantity, "error_code": None}, written


@transaction.atomic
def cart_remove(*, retailer: Retailer, product_id) -> None:
    retailer = locks.lock_retailer(retailer.pk)
    retailer_require_active(retailer)
    if not CartItem.objects.filter(retailer=retailer, product_id=product_id).delete()[0]:
        raise DomainError("NOT_FOUND")


@transaction.atomic
def cart_clear(*, retailer: Retailer) -> None:
    retailer = locks.lock_retailer(retailer.pk)
    retailer_require_active(retailer)
    CartItem.objects.filter(retailer=retailer).delete()
