"""Changing a placed order's lines (workflows.md §4), and reordering a past order into the cart."""

from django.db import transaction
from django.utils.translation import gettext as _

from livrili.core.audit import audit_record, diff, snapshot
from livrili.core.errors import validation_error
from livrili.core.models import BusinessSettings
from products.models import StockReason
from products.pricing import PricingContext
from products.selectors import hidden_category_ids
from retailers.models import Retailer
from retailers.services import retailer_require_active

from ..events import order_edited_event, order_event_save
from ..models import CartItem, Order, OrderStatus, PaymentMethod
from ..pricing import order_totals
from ..rules import EDITABLE, CreditDecision, check_totals_fit, credit_decision
from . import locks
from .cart import _adjusting_write, _products_by_id
from .lifecycle import _charge, _hold, _reverse_charge, _stock_back, invalid_transition
from .placement import (
    LineRequest,
    _check_minimum,
    _priced_lines,
    _require_discount_reasons,
    _set_totals,
    _take_stock,
    _write_items,
)

# What the audit trail records of an edit besides the lines.
TOTALS_AUDIT = ("subtotal", "tax_total", "delivery_fee", "discount_total", "stamp_duty", "total", "notes")


def _items_snapshot(order: Order) -> list[dict]:
    return [
        {"product_id": str(pid), "sku": sku, "quantity": qty, "line_total": str(total)}
        for pid, sku, qty, total in order.items.values_list("product_id", "sku", "quantity", "line_total")
    ]


@transaction.atomic
def order_edit(*, order: Order, actor, lines: list[LineRequest], notes: str | None = None) -> Order:
    """Replace the items of a pending/on_hold order: old stock back, new stock taken, totals
    recomputed; a credit order's charge is reversed and posted again (over the limit: refused
    under `reject`, moved to on_hold under `hold`)."""
    _require_discount_reasons(lines)
    order = locks.lock_order(order)
    if order.status not in EDITABLE:
        raise invalid_transition(order, order.status, _("Only pending or on-hold orders can be edited."), [])
    if not lines:
        raise validation_error("items", _("An order needs at least one line."))
    retailer = locks.lock_retailer(order.retailer_id)
    settings = BusinessSettings.load()
    before = _items_snapshot(order)
    totals_before = snapshot(order, TOTALS_AUDIT)
    priced = _priced_lines(lines, PricingContext(retailer=retailer))
    totals = order_totals([line.price for line in priced], payment_method=order.payment_method, settings=settings)
    check_totals_fit(totals.total)
    _check_minimum(totals, settings)
    _stock_back(order, StockReason.ORDER_CANCEL, actor)
    order.items.all().delete()
    _take_stock(priced, order.number, actor)
    _reverse_charge(order, actor, _("Order edited"))
    retailer.refresh_from_db(fields=["balance", "credit_limit"])
    _set_totals(order, totals)
    if notes is not None:
        order.notes = notes
    decision = None
    if order.payment_method == PaymentMethod.CREDIT:
        decision = credit_decision(retailer, totals.total, settings)
    order.save()
    _write_items(order, priced)
    after = _items_snapshot(order)
    order_event_save(order_edited_event(order=order, actor=actor, before=before, after=after))
    audit_record(
        actor=actor,
        instance=order,
        action="update",
        changes={"items": [before, after], **diff(totals_before, snapshot(order, TOTALS_AUDIT))},
    )
    if order.status == OrderStatus.PENDING and decision == CreditDecision.CHARGE:
        _charge(order, actor)
    elif order.status == OrderStatus.PENDING and decision == CreditDecision.HOLD:
        _hold(order, retailer, actor)
    return order


@transaction.atomic
def order_reorder(*, order: Order, retailer: Retailer, actor) -> list[dict]:
    """Copy the order's lines into the cart (adding to existing lines), lowered to what stock
    allows; returns a result per line."""
    retailer = locks.lock_retailer(retailer.pk)
    retailer_require_active(retailer)
    quantities: dict = {}
    for product_id, quantity in order.items.values_list("product_id", "quantity"):
        quantities[product_id] = quantities.get(product_id, 0) + quantity
    products = _products_by_id(quantities)
    items = {i.product_id: i for i in CartItem.objects.filter(retailer=retailer, product_id__in=quantities)}
    hidden = hidden_category_ids()
    results = []
    for product_id, quantity in quantities.items():
        item = items.get(product_id)
        wanted = quantity + (item.quantity if item else 0)
        outcome, _line = _adjusting_write(retailer, actor, products[product_id], wanted, item, hidden)
        results.append({"product_id": str(product_id), "requested": quantity, **outcome})
    return results
