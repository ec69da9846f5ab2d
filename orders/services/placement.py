"""Order placement (workflows.md §3): one transaction from the checks to the `placed` event.

The stock helpers of placement (`_check_stock`, `_take_stock`, on `products.services.stock`) live here;
edit reuses them."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from livrili.core.audit import audit_record, diff, snapshot
from livrili.core.errors import DomainError, validation_error
from livrili.core.models import BusinessSettings
from livrili.core.money import ZERO, to_money
from livrili.core.numbering import next_number
from products.models import Product, StockReason
from products.pricing import LinePrice, PricingContext, line_price
from products.selectors import hidden_category_ids
from products.services.stock import stock_check, stock_take, stock_totals
from retailers.models import Retailer
from retailers.services import retailer_require_active

from ..events import order_event_save, order_placed_event
from ..models import CartItem, Channel, Order, OrderItem, OrderStatus, PaymentMethod
from ..pricing import order_totals
from ..rules import (
    CreditDecision,
    check_totals_fit,
    credit_decision,
    earliest_delivery_date,
    product_available,
    quantity_error,
)
from . import locks
from .cart import _products_by_id
from .lifecycle import _charge, _hold


@dataclass
class LineRequest:
    product_id: object
    quantity: int
    discount: Decimal = ZERO
    discount_reason: str = ""


@dataclass
class PricedLine:
    product: Product
    price: LinePrice
    discount_reason: str = ""


def _delivery_slot(settings, requested: date | None, slot: str | None) -> tuple[date, str]:
    earliest = earliest_delivery_date(settings)
    day = requested or earliest
    if day < earliest or day.isoweekday() not in settings.working_days:
        raise validation_error(
            "requested_delivery_date",
            _("Choose a working day on or after %(date)s.") % {"date": earliest.isoformat()},
        )
    slot = slot or settings.time_slots[0]
    if slot not in settings.time_slots:
        raise validation_error("time_slot", _("Choose one of: %(slots)s.") % {"slots": ", ".join(settings.time_slots)})
    return day, slot


def _address_snapshot(retailer: Retailer, address_id) -> dict:
    addresses = retailer.addresses.all()
    address = addresses.filter(pk=address_id).first() if address_id else addresses.filter(is_default=True).first()
    if address_id and address is None:
        raise validation_error("address_id", _("Unknown delivery address."))
    source = address or retailer  # no saved address: the retailer's own
    return {
        "delivery_address": source.address,
        "delivery_commune": source.commune,
        "delivery_wilaya_code": source.wilaya_id or "",
        "delivery_latitude": source.latitude,
        "delivery_longitude": source.longitude,
        "delivery_contact_name": address.contact_name if address else "",
        "delivery_contact_phone": address.contact_phone if address else retailer.phone or "",
    }


def _require_discount_reasons(requests: list[LineRequest] | None) -> None:
    """A discount needs a reason (checked before anything else, as the input's own rule: the
    API and the admin reach it through placement and edit, not through their forms)."""
    for index, request in enumerate(requests or ()):
        if to_money(request.discount) > 0 and not (request.discount_reason or "").strip():
            raise validation_error(f"items.{index}.discount_reason", _("A discount needs a reason."))


def _priced_lines(requests: list[LineRequest], context: PricingContext) -> list[PricedLine]:
    """Validate and price every line for `context` (no stock check: that happens under the
    row locks)."""
    products = _products_by_id([r.product_id for r in requests])
    hidden = hidden_category_ids()
    lines = []
    for request in requests:
        product = products.get(request.product_id)
        if product is None or not product_available(product, hidden):
            raise DomainError("PRODUCT_UNAVAILABLE", details={"product_id": str(request.product_id)})
        error = quantity_error(product, request.quantity)
        if error:
            raise error
        price = line_price(product, request.quantity, to_money(request.discount), context=context)
        if price.subtotal < 0:
            raise validation_error("items", _("A discount cannot exceed the line amount."))
        lines.append(PricedLine(product=product, price=price, discount_reason=request.discount_reason))
    return lines


def _check_minimum(totals, settings) -> None:
    if totals.goods_with_tax < settings.minimum_order_value:
        raise DomainError(
            "MIN_ORDER_VALUE_NOT_MET",
            details={
                "minimum": str(settings.minimum_order_value),
                "current": str(totals.goods_with_tax),
                "remaining": str(settings.minimum_order_value - totals.goods_with_tax),
            },
        )


def _quantities(lines: list[PricedLine]) -> dict:
    return stock_totals((line.product.pk, line.price.quantity) for line in lines)


def _check_stock(lines: list[PricedLine]) -> None:
    """The stock check's answer in its place among the workflow's checks, from the stock read
    with the lines; `_take_stock` checks again under the row locks, which is what guarantees it."""
    deltas = {pid: -quantity for pid, quantity in _quantities(lines).items()}
    stock_check(deltas=deltas, available={line.product.pk: line.product.stock_quantity for line in lines})


def _take_stock(lines: list[PricedLine], reference: str, actor) -> None:
    stock_take(quantities=_quantities(lines), reason=StockReason.ORDER, actor=actor, reference=reference)


def _write_items(order: Order, lines: list[PricedLine]) -> None:
    OrderItem.objects.bulk_create(
        [
            OrderItem(
                order=order,
                product=line.product,
                sku=line.product.sku,
                name_ar=line.product.name_ar or "",
                name_fr=line.product.name_fr or "",
                name_en=line.product.name_en or "",
                quantity=line.price.quantity,
                unit_price=line.price.unit_price,
                tax_rate=line.price.tax_rate,
                discount=line.price.discount,
                discount_reason=line.discount_reason,
                line_subtotal=line.price.subtotal,
                line_tax=line.price.tax,
                line_total=line.price.total,
            )
            for line in lines
        ]
    )


def _set_totals(order: Order, totals) -> None:
    order.subtotal = totals.subtotal
    order.tax_total = totals.tax_total
    order.delivery_fee = totals.delivery_fee
    order.discount_total = totals.discount_total
    order.stamp_duty = totals.stamp_duty
    order.total = totals.total


# What the audit trail records of a placement (items are in the `placed` event).
PLACED_AUDIT = (
    "number",
    "retailer_id",
    "channel",
    "status",
    "payment_method",
    "subtotal",
    "tax_total",
    "delivery_fee",
    "discount_total",
    "stamp_duty",
    "total",
    "requested_delivery_date",
    "time_slot",
)


def order_place(
    *,
    retailer: Retailer,
    actor,
    payment_method: str,
    idempotency_key: str,
    fingerprint: str,
    channel: str = Channel.PWA,
    lines: list[LineRequest] | None = None,
    address_id=None,
    requested_delivery_date: date | None = None,
    time_slot: str | None = None,
    notes: str = "",
    expected_total: Decimal | None = None,
) -> tuple[Order, bool]:
    """Place an order from the retailer's cart (`lines=None`) or from explicit lines (manual
    orders). Returns (order, replayed). Checks in order: active retailer, non-empty, valid
    lines, minimum value; stock under row locks; expected total; credit. One transaction:
    either the order, its items, stock movements, ledger charge and `placed` event all exist,
    or nothing does. The same key with the same body returns the first order."""
    _require_discount_reasons(lines)
    try:
        with transaction.atomic():
            return _place(
                retailer=retailer,
                actor=actor,
                payment_method=payment_method,
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
                channel=channel,
                lines=lines,
                address_id=address_id,
                requested_delivery_date=requested_delivery_date,
                time_slot=time_slot,
                notes=notes,
                expected_total=expected_total,
            )
    except IntegrityError:  # a concurrent request with the same key won the race
        existing = _placed_with(retailer, idempotency_key)
        if existing is None:
            raise
        return _replay(existing, fingerprint), True


def _order_language(retailer: Retailer, actor) -> str:
    """Notifications about the order go in its retailer's language: the member who placed it,
    or the owner for orders keyed in by staff."""
    if getattr(actor, "retailer_id", None) == retailer.pk:
        return actor.preferred_language
    owner = retailer.owner
    return owner.preferred_language if owner else translation.get_language() or "ar"


def _placed_with(retailer: Retailer, idempotency_key: str) -> Order | None:
    """The order this key placed, if any: a replay needs its key and fingerprint only."""
    orders = Order.objects.filter(retailer=retailer, idempotency_key=idempotency_key)
    return orders.only("pk", "request_fingerprint").first()


def _replay(order: Order, fingerprint: str) -> Order:
    if order.request_fingerprint != fingerprint:
        raise DomainError("IDEMPOTENCY_CONFLICT")
    return order


def _place(*, retailer, actor, payment_method, idempotency_key, fingerprint, channel, lines, **options):
    retailer = locks.lock_retailer(retailer.pk)
    existing = _placed_with(retailer, idempotency_key)
    if existing is not None:
        return _replay(existing, fingerprint), True
    retailer_require_active(retailer)
    settings = BusinessSettings.load()
    from_cart = lines is None
    if from_cart:
        lines = [
            LineRequest(product_id=product_id, quantity=quantity)
            for product_id, quantity in CartItem.objects.filter(retailer=retailer)
            .order_by("added_at")
            .values_list("product_id", "quantity")
        ]
    if not lines:
        raise DomainError("CART_EMPTY")
    priced = _priced_lines(lines, PricingContext(retailer=retailer))
    totals = order_totals([line.price for line in priced], payment_method=payment_method, settings=settings)
    check_totals_fit(totals.total)
    _check_minimum(totals, settings)
    day, slot = _delivery_slot(settings, options["requested_delivery_date"], options["time_slot"])
    address = _address_snapshot(retailer, options["address_id"])

    _check_stock(priced)
    expected = options["expected_total"]
    if expected is not None and to_money(expected) != totals.total:
        raise DomainError(
            "PRICE_CHANGED",
            details={"expected_total": str(to_money(expected)), "total": str(totals.total), "cart": None},
        )
    decision = credit_decision(retailer, totals.total, settings) if payment_method == PaymentMethod.CREDIT else None
    order = Order(
        number=next_number("ORD", gap_free=False),
        retailer=retailer,
        created_by=actor,
        channel=channel,
        status=OrderStatus.PENDING,
        payment_method=payment_method,
        requested_delivery_date=day,
        time_slot=slot,
        notes=options["notes"] or "",
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
        language=_order_language(retailer, actor),
        **address,
    )
    _set_totals(order, totals)
    order.save()
    _write_items(order, priced)
    discounts = [
        {"sku": line.product.sku, "discount": str(line.price.discount), "reason": line.discount_reason}
        for line in priced
        if line.price.discount
    ]
    order_event_save(order_placed_event(order=order, actor=actor, discounts=discounts))
    audit_record(actor=actor, instance=order, action="create", changes=diff({}, snapshot(order, PLACED_AUDIT)))
    if discounts:
        audit_record(actor=actor, instance=order, action="discount", changes={"discounts": [None, discounts]})
    if decision == CreditDecision.CHARGE:
        _charge(order, actor)
    elif decision == CreditDecision.HOLD:
        _hold(order, retailer, actor)
    if from_cart:
        CartItem.objects.filter(retailer=retailer).delete()
    # Products are locked last: a popular product stays locked for this update and the commit only.
    _take_stock(priced, order.number, actor)
    return order, False
