"""Cart, offline sync, order placement and the order lifecycle (workflows.md §2–§4).

Lock order, everywhere: the order row, then the retailer row, then products by primary key.
Every function is one transaction; a refusal raises DomainError and writes nothing.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from livrili.core.audit import audit_record, diff, snapshot
from livrili.core.errors import DomainError, validation_error
from livrili.core.models import BusinessSettings
from livrili.core.money import ZERO, to_money
from livrili.core.numbering import next_number
from products.models import Product, StockReason
from products.pricing import LinePrice, PricingContext, line_price
from products.selectors import hidden_category_ids
from retailers.models import LedgerEntry, LedgerEntryKind, Retailer
from retailers.services import ledger_post, retailer_require_active

from . import hooks
from .models import (
    CartAction,
    CartActionType,
    CartItem,
    Channel,
    Order,
    OrderEvent,
    OrderEventType,
    OrderItem,
    OrderStatus,
    PaymentMethod,
)
from .pricing import order_totals
from .stock import stock_apply, stock_require

# --- Shared rules --------------------------------------------------------------------------


def lock_retailer(retailer_id) -> Retailer:
    return Retailer.objects.select_for_update().get(pk=retailer_id)


def product_available(product: Product, hidden_categories: frozenset | None = None) -> bool:
    """Orderable by retailers: the product and every ancestor category are active."""
    hidden = hidden_category_ids() if hidden_categories is None else hidden_categories
    return product.is_active and product.category_id not in hidden


def quantity_error(product: Product, quantity: int) -> DomainError | None:
    """Minimum quantity and order multiple (stock is checked separately)."""
    details = {
        "product_id": str(product.pk),
        "minimum": product.min_order_quantity,
        "multiple": product.order_multiple,
    }
    if quantity < product.min_order_quantity:
        return DomainError("BELOW_MIN_QUANTITY", details=details)
    if quantity % product.order_multiple:
        return DomainError("INVALID_QUANTITY_MULTIPLE", details=details)
    return None


def insufficient_stock(product: Product, requested: int) -> DomainError:
    return DomainError(
        "INSUFFICIENT_STOCK",
        details={
            "lines": [{"product_id": str(product.pk), "requested": requested, "available": product.stock_quantity}]
        },
    )


def check_line(product: Product, quantity: int, hidden_categories: frozenset | None = None) -> None:
    """Every rule of a cart line: available, minimum, multiple, stock."""
    if not product_available(product, hidden_categories):
        raise DomainError("PRODUCT_UNAVAILABLE", details={"product_id": str(product.pk)})
    error = quantity_error(product, quantity)
    if error:
        raise error
    if quantity > product.stock_quantity:
        raise insufficient_stock(product, quantity)


def largest_valid_quantity(product: Product, wanted: int) -> int:
    """The largest quantity ≤ wanted and ≤ stock that is a multiple ≥ the minimum (0 if none)."""
    cap = min(wanted, product.stock_quantity)
    quantity = cap - cap % product.order_multiple
    return quantity if quantity >= product.min_order_quantity else 0


def _products_by_id(product_ids) -> dict:
    return {p.pk: p for p in Product.objects.filter(pk__in=product_ids).prefetch_related("price_tiers")}


# --- Cart ----------------------------------------------------------------------------------


def _get_product(product_id) -> Product:
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise DomainError("PRODUCT_UNAVAILABLE", details={"product_id": str(product_id)})
    return product


@transaction.atomic
def cart_add(*, retailer: Retailer, actor, product_id, quantity: int) -> CartItem:
    """Adds `quantity` to the product's line (creating it); the resulting line must be valid."""
    retailer = lock_retailer(retailer.pk)
    retailer_require_active(retailer)
    product = _get_product(product_id)
    item = CartItem.objects.filter(retailer=retailer, product=product).first()
    total = quantity + (item.quantity if item else 0)
    check_line(product, total)
    return _cart_write(retailer, actor, product, total, item)


@transaction.atomic
def cart_set(*, retailer: Retailer, actor, product_id, quantity: int) -> CartItem:
    """Replaces the line's quantity (creating the line when absent)."""
    retailer = lock_retailer(retailer.pk)
    retailer_require_active(retailer)
    product = _get_product(product_id)
    check_line(product, quantity)
    item = CartItem.objects.filter(retailer=retailer, product=product).first()
    return _cart_write(retailer, actor, product, quantity, item)


def _cart_write(retailer, actor, product, quantity, item):
    if item is None:
        return CartItem.objects.create(retailer=retailer, product=product, quantity=quantity, added_by=actor)
    item.quantity = quantity
    item.save(update_fields=["quantity", "updated_at"])
    return item


@transaction.atomic
def cart_remove(*, retailer: Retailer, product_id) -> None:
    retailer = lock_retailer(retailer.pk)
    retailer_require_active(retailer)
    if not CartItem.objects.filter(retailer=retailer, product_id=product_id).delete()[0]:
        raise DomainError("NOT_FOUND")


@transaction.atomic
def cart_clear(*, retailer: Retailer) -> None:
    retailer = lock_retailer(retailer.pk)
    retailer_require_active(retailer)
    CartItem.objects.filter(retailer=retailer).delete()


# --- Offline sync --------------------------------------------------------------------------


def _adjusting_write(retailer, actor, product, wanted: int, item, hidden) -> tuple[dict, CartItem | None]:
    """Write the largest valid quantity ≤ wanted. Returns the result (applied, adjusted or
    rejected) and the written line (None when rejected)."""
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


def _apply_action(retailer, actor, action: dict, products: dict, items: dict, hidden: frozenset) -> dict:
    """One offline action against the cart lines in `items` (kept in step with the database)."""
    kind = action["action"]
    if kind == CartActionType.CLEAR:
        CartItem.objects.filter(retailer=retailer).delete()
        items.clear()
        return {"result": "applied", "quantity": 0, "error_code": None}
    product = products.get(action.get("product_id"))
    if product is None:
        return {"result": "rejected", "quantity": 0, "error_code": "PRODUCT_UNAVAILABLE"}
    item = items.get(product.pk)
    if kind == CartActionType.REMOVE:
        if item:
            item.delete()
            del items[product.pk]
        return {"result": "applied", "quantity": 0, "error_code": None}
    wanted = action["quantity"] + (item.quantity if item and kind == CartActionType.ADD else 0)
    result, written = _adjusting_write(retailer, actor, product, wanted, item, hidden)
    if written is not None:
        items[product.pk] = written
    return result


def _action_payload(action: dict) -> dict:
    return {
        "action": action["action"],
        "product_id": str(action["product_id"]) if action.get("product_id") else None,
        "quantity": action.get("quantity"),
    }


@transaction.atomic
def cart_sync(*, retailer: Retailer, actor, device_id: str, actions: list[dict]) -> list[dict]:
    """Apply offline actions in the posted order. A known client_action_id returns its stored
    result and changes nothing; the same id with another payload is rejected with
    IDEMPOTENCY_CONFLICT. Quantities are lowered to what stock allows (`adjusted`)."""
    retailer = lock_retailer(retailer.pk)
    retailer_require_active(retailer)
    ids = [a["client_action_id"] for a in actions]
    stored = {a.client_action_id: a for a in CartAction.objects.filter(retailer=retailer, client_action_id__in=ids)}
    products = _products_by_id({a["product_id"] for a in actions if a.get("product_id")})
    items = {item.product_id: item for item in CartItem.objects.filter(retailer=retailer)}
    hidden = hidden_category_ids()
    results, new_rows = [], []
    for action in actions:
        action_id, payload = action["client_action_id"], _action_payload(action)
        known = stored.get(action_id)
        if known is not None:
            if known.payload == payload:
                results.append({"client_action_id": action_id, **known.result})
            else:
                results.append(
                    {
                        "client_action_id": action_id,
                        "result": "rejected",
                        "quantity": None,
                        "error_code": "IDEMPOTENCY_CONFLICT",
                    }
                )
            continue
        result = _apply_action(retailer, actor, action, products, items, hidden)
        row = CartAction(
            retailer=retailer,
            client_action_id=action_id,
            action=action["action"],
            payload=payload,
            device_id=device_id,
            client_timestamp=action.get("client_timestamp"),
            result=result,
        )
        stored[action_id] = row
        new_rows.append(row)
        results.append({"client_action_id": action_id, **result})
    CartAction.objects.bulk_create(new_rows)
    return results


# --- Placement -----------------------------------------------------------------------------


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


def earliest_delivery_date(settings: BusinessSettings, now=None) -> date:
    """The next working day after today, or after tomorrow once the cut-off hour has passed."""
    now = timezone.localtime(now)
    day = now.date() + timedelta(days=1 if now.hour >= settings.order_cutoff_hour else 0)
    day += timedelta(days=1)
    while day.isoweekday() not in settings.working_days:
        day += timedelta(days=1)
    return day


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


def _stock_deltas(lines: list[PricedLine]) -> dict:
    deltas: dict = {}
    for line in lines:
        deltas[line.product.pk] = deltas.get(line.product.pk, 0) - line.price.quantity
    return deltas


def _check_stock(lines: list[PricedLine]) -> None:
    """The stock check's answer in its place among the workflow's checks, from the stock read
    with the lines; `_take_stock` checks again under the row locks, which is what guarantees it."""
    stock_require(_stock_deltas(lines), {line.product.pk: line.product.stock_quantity for line in lines})


def _take_stock(lines: list[PricedLine], reference: str, actor) -> None:
    stock_apply(deltas=_stock_deltas(lines), reason=StockReason.ORDER, actor=actor, reference=reference)


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


def _event(order: Order, type: str, actor, *, from_status="", to_status="", note="", data=None) -> OrderEvent:
    event = OrderEvent.objects.create(
        order=order,
        type=type,
        from_status=from_status,
        to_status=to_status,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note,
        data=data or {},
    )
    order_id = order.pk
    transaction.on_commit(lambda: hooks.order_event_committed(order_id=order_id, event=type))
    return event


def _set_totals(order: Order, totals) -> None:
    order.subtotal = totals.subtotal
    order.tax_total = totals.tax_total
    order.delivery_fee = totals.delivery_fee
    order.discount_total = totals.discount_total
    order.stamp_duty = totals.stamp_duty
    order.total = totals.total


def _credit_decision(retailer: Retailer, total: Decimal, settings) -> str:
    """'charge' when the total fits the available credit, else 'hold' or a refusal by policy."""
    if total <= retailer.available_credit:
        return "charge"
    if settings.credit_policy == "hold":
        return "hold"
    raise DomainError(
        "CREDIT_LIMIT_EXCEEDED", details={"available_credit": str(retailer.available_credit), "required": str(total)}
    )


def _charge(order: Order, actor, reason: str = "") -> LedgerEntry:
    return ledger_post(
        retailer=order.retailer,
        kind=LedgerEntryKind.ORDER_CHARGE,
        amount=order.total,
        actor=actor,
        reason=reason or order.number,
        order=order,
    )


def order_net_charge(order: Order) -> Decimal:
    """What the order currently weighs on the ledger (charges minus reversals)."""
    return LedgerEntry.objects.filter(order=order).aggregate(total=Sum("amount"))["total"] or ZERO


def _reverse_charge(order: Order, actor, reason: str) -> None:
    net = order_net_charge(order)
    if net > 0:
        ledger_post(
            retailer=order.retailer,
            kind=LedgerEntryKind.ORDER_REVERSAL,
            amount=net,
            actor=actor,
            reason=reason,
            order=order,
        )


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
TOTALS_AUDIT = ("subtotal", "tax_total", "delivery_fee", "discount_total", "stamp_duty", "total", "notes")


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
        existing = Order.objects.filter(retailer=retailer, idempotency_key=idempotency_key).first()
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


def _replay(order: Order, fingerprint: str) -> Order:
    if order.request_fingerprint != fingerprint:
        raise DomainError("IDEMPOTENCY_CONFLICT")
    return order


def _place(*, retailer, actor, payment_method, idempotency_key, fingerprint, channel, lines, **options):
    retailer = lock_retailer(retailer.pk)
    existing = Order.objects.filter(retailer=retailer, idempotency_key=idempotency_key).first()
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
    decision = _credit_decision(retailer, totals.total, settings) if payment_method == PaymentMethod.CREDIT else None
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
    _event(
        order,
        OrderEventType.PLACED,
        actor,
        to_status=OrderStatus.PENDING,
        data={"total": str(order.total), "channel": channel, **({"discounts": discounts} if discounts else {})},
    )
    audit_record(actor=actor, instance=order, action="create", changes=diff({}, snapshot(order, PLACED_AUDIT)))
    if discounts:
        audit_record(actor=actor, instance=order, action="discount", changes={"discounts": [None, discounts]})
    if decision == "charge":
        _charge(order, actor)
    elif decision == "hold":
        _hold(order, retailer, actor)
    if from_cart:
        CartItem.objects.filter(retailer=retailer).delete()
    # Products are locked last: a popular product stays locked for this update and the commit only.
    _take_stock(priced, order.number, actor)
    return order, False


# --- Lifecycle -----------------------------------------------------------------------------

# The order status pipeline as data (workflows.md §4).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    OrderStatus.PENDING: (OrderStatus.CONFIRMED, OrderStatus.CANCELLED, OrderStatus.ON_HOLD),
    OrderStatus.ON_HOLD: (OrderStatus.CONFIRMED, OrderStatus.CANCELLED),
    OrderStatus.CONFIRMED: (OrderStatus.PROCESSING, OrderStatus.CANCELLED),
    OrderStatus.PROCESSING: (OrderStatus.SHIPPED, OrderStatus.CANCELLED),
    OrderStatus.SHIPPED: (OrderStatus.DELIVERED, OrderStatus.RETURNED),
    OrderStatus.DELIVERED: (),
    OrderStatus.CANCELLED: (),
    OrderStatus.RETURNED: (),
}
# Entered only by the credit decision (placement, edit), never asked for by an operator.
CREDIT_DECIDED = (OrderStatus.ON_HOLD,)
MILESTONES = {
    OrderStatus.ON_HOLD: "held_at",
    OrderStatus.CONFIRMED: "confirmed_at",
    OrderStatus.PROCESSING: "processing_at",
    OrderStatus.SHIPPED: "shipped_at",
    OrderStatus.DELIVERED: "delivered_at",
    OrderStatus.CANCELLED: "cancelled_at",
    OrderStatus.RETURNED: "returned_at",
}
# The audit trail's action for each status change (and the hold release, a confirmation).
AUDIT_ACTIONS = {
    OrderEventType.HELD: "hold",
    OrderStatus.CONFIRMED: "confirm",
    OrderStatus.PROCESSING: "process",
    OrderStatus.SHIPPED: "ship",
    OrderStatus.DELIVERED: "deliver",
    OrderStatus.CANCELLED: "cancel",
    OrderStatus.RETURNED: "return",
    OrderEventType.HOLD_RELEASED: "release_hold",
}
RETAILER_CANCELLABLE = (OrderStatus.PENDING, OrderStatus.ON_HOLD)
EDITABLE = (OrderStatus.PENDING, OrderStatus.ON_HOLD)


OPEN_STATUSES = (
    OrderStatus.PENDING,
    OrderStatus.ON_HOLD,
    OrderStatus.CONFIRMED,
    OrderStatus.PROCESSING,
    OrderStatus.SHIPPED,
)


def retailer_has_no_open_orders(retailer: Retailer) -> None:
    """Guard for closing a retailer: its open orders must be finished or cancelled first."""
    open_count = Order.objects.filter(retailer=retailer, status__in=OPEN_STATUSES).count()
    if open_count:
        raise DomainError(
            "CONFLICT",
            _("Finish or cancel the open orders first."),
            details={"non_field_errors": [_("%(count)d open order(s).") % {"count": open_count}]},
        )


def lock_order(order: Order) -> Order:
    return Order.objects.select_for_update().select_related("retailer").get(pk=order.pk)


def allowed_targets(status: str) -> list[str]:
    """The statuses an operator may move an order to from `status`."""
    return [target for target in TRANSITIONS[status] if target not in CREDIT_DECIDED]


def invalid_transition(order: Order, to_status: str, message=None, allowed=None) -> DomainError:
    allowed = allowed_targets(order.status) if allowed is None else allowed
    return DomainError(
        "INVALID_TRANSITION", message, details={"from": order.status, "to": to_status, "allowed": list(allowed)}
    )


def _require_transition(order: Order, to_status: str, *, credit_decision: bool = False) -> None:
    allowed = TRANSITIONS[order.status] if credit_decision else allowed_targets(order.status)
    if to_status not in allowed:
        raise invalid_transition(order, to_status)


def _transition(
    order: Order,
    to_status: str,
    actor,
    *,
    event_type: str | None = None,
    note="",
    data=None,
    credit_decision: bool = False,
    audit: dict | None = None,
) -> Order:
    """The one place an order changes status: checks the table, stamps the milestone, writes the
    event and the audit trail (`audit`: more fields for its diff; else the note, if any).
    `credit_decision` admits the targets only the credit check may choose (on_hold)."""
    _require_transition(order, to_status, credit_decision=credit_decision)
    from_status = order.status
    order.status = to_status
    update = ["status", "updated_at"]
    if to_status in MILESTONES:
        setattr(order, MILESTONES[to_status], timezone.now())
        update.append(MILESTONES[to_status])
    order.save(update_fields=update)
    _event(order, event_type or to_status, actor, from_status=from_status, to_status=to_status, note=note, data=data)
    hooks.order_status_changed(order=order, from_status=from_status, to_status=to_status, actor=actor, note=note)
    extra = audit if audit is not None else ({"note": [None, note]} if note else {})
    audit_record(
        actor=actor,
        instance=order,
        action=AUDIT_ACTIONS[event_type or to_status],
        changes={"status": [from_status, to_status], **extra},
    )
    return order


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise validation_error("reason", _("A reason is required."))
    return reason


def _stock_back(order: Order, reason: str, actor) -> None:
    deltas: dict = {}
    for product_id, quantity in order.items.values_list("product_id", "quantity"):
        deltas[product_id] = deltas.get(product_id, 0) + quantity
    stock_apply(deltas=deltas, reason=reason, actor=actor, reference=order.number)


@transaction.atomic
def order_confirm(*, order: Order, actor, note: str = "") -> Order:
    order = lock_order(order)
    if order.status == OrderStatus.ON_HOLD:  # a held order is confirmed by releasing the hold
        raise invalid_transition(
            order, OrderStatus.CONFIRMED, _("Release the credit hold to confirm this order."), [OrderStatus.CANCELLED]
        )
    _transition(order, OrderStatus.CONFIRMED, actor, note=note)
    return order


@transaction.atomic
def order_release_hold(*, order: Order, actor, note: str = "") -> Order:
    """Finance releases a credit hold: the charge is posted (over the limit only as a recorded
    override) and the order is confirmed."""
    order = lock_order(order)
    if order.status != OrderStatus.ON_HOLD:
        raise invalid_transition(order, OrderStatus.CONFIRMED, _("This order is not on credit hold."))
    retailer = lock_retailer(order.retailer_id)
    override = order.total > retailer.available_credit
    _charge(
        order, actor, reason=_("Credit hold released") if not override else _("Credit hold released over the limit")
    )
    _transition(
        order,
        OrderStatus.CONFIRMED,
        actor,
        event_type=OrderEventType.HOLD_RELEASED,
        note=note,
        data={"override": override, "available_credit_before": str(retailer.available_credit)},
        audit={
            "override": [None, override],
            "available_credit_before": [None, str(retailer.available_credit)],
            **({"note": [None, note]} if note else {}),
        },
    )
    return order


@transaction.atomic
def order_advance(*, order: Order, actor, to_status: str, note: str = "") -> Order:
    """processing, shipped, delivered: delivery of a cash order posts its charge."""
    order = lock_order(order)
    _transition(order, to_status, actor, note=note)
    if to_status == OrderStatus.DELIVERED:
        if order.payment_method == PaymentMethod.CASH:
            lock_retailer(order.retailer_id)
            _charge(order, actor)
        order_id = order.pk
        transaction.on_commit(lambda: hooks.order_delivered(order_id=order_id))
    return order


def _hold(order: Order, retailer: Retailer, actor) -> Order:
    """Over the limit under the `hold` policy: the order waits for Finance, without a charge."""
    return _transition(
        order,
        OrderStatus.ON_HOLD,
        actor,
        event_type=OrderEventType.HELD,
        data={"available_credit": str(retailer.available_credit), "required": str(order.total)},
        credit_decision=True,
    )


@transaction.atomic
def order_cancel(*, order: Order, actor, reason: str, by_retailer: bool = False) -> Order:
    """Cancel from pending, on_hold, confirmed or processing (retailers: their pending and
    on_hold orders): stock comes back, any charge is reversed."""
    reason = _require_reason(reason)
    order = lock_order(order)
    if by_retailer and order.status not in RETAILER_CANCELLABLE:
        raise invalid_transition(order, OrderStatus.CANCELLED, _("This order can no longer be cancelled."), [])
    return _cancel_locked(order, actor, reason)


def _cancel_locked(order: Order, actor, reason: str) -> Order:
    """Cancel an order already locked by the caller."""
    _require_transition(order, OrderStatus.CANCELLED)
    lock_retailer(order.retailer_id)
    _stock_back(order, StockReason.ORDER_CANCEL, actor)
    _reverse_charge(order, actor, reason)
    audit = {"cancel_reason": [order.cancel_reason, reason]}
    order.cancel_reason = reason
    order.cancelled_by = actor if getattr(actor, "is_authenticated", False) else None
    order.save(update_fields=["cancel_reason", "cancelled_by", "updated_at"])
    _transition(order, OrderStatus.CANCELLED, actor, note=reason, audit=audit)
    return order


@transaction.atomic
def order_return(*, order: Order, actor, reason: str) -> Order:
    """Shipped goods came back: stock returns (`return` movements) and any charge is reversed."""
    order = lock_order(order)
    _require_transition(order, OrderStatus.RETURNED)
    reason = _require_reason(reason)
    lock_retailer(order.retailer_id)
    _stock_back(order, StockReason.RETURN, actor)
    _reverse_charge(order, actor, reason)
    return _transition(order, OrderStatus.RETURNED, actor, note=reason, audit={"reason": [None, reason]})


def order_set_status(*, order: Order, actor, status: str, note: str = "", may_release: bool = True) -> Order:
    """The staff status endpoint: routes each target status to its workflow. Confirming a held
    order releases the hold for Finance, one order at a time (`may_release`): a bulk change never
    does, so no hold is ever released over the limit without looking at it."""
    if status == OrderStatus.CONFIRMED:
        if may_release and order.status == OrderStatus.ON_HOLD and actor.has_perm("orders.release_hold"):
            return order_release_hold(order=order, actor=actor, note=note)
        return order_confirm(order=order, actor=actor, note=note)
    if status == OrderStatus.RETURNED:
        return order_return(order=order, actor=actor, reason=note)
    if status == OrderStatus.CANCELLED:
        raise validation_error("status", _("Use the cancel action to cancel an order."))
    return order_advance(order=order, actor=actor, to_status=status, note=note)


def orders_bulk_status(*, order_ids: list, actor, status: str, note: str = "") -> list[dict]:
    """The same rules per order, each in its own transaction; per-order results in input order.
    Held orders are skipped (INVALID_TRANSITION): a hold is released one order at a time."""
    orders = {o.pk: o for o in Order.objects.filter(pk__in=order_ids)}
    results = []
    for order_id in order_ids:
        order = orders.get(order_id)
        if order is None:
            results.append({"order_id": str(order_id), "ok": False, "error_code": "NOT_FOUND"})
            continue
        try:
            order_set_status(order=order, actor=actor, status=status, note=note, may_release=False)
        except DomainError as exc:
            results.append({"order_id": str(order_id), "ok": False, "error_code": exc.code})
        else:
            results.append({"order_id": str(order_id), "ok": True, "error_code": None})
    return results


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
    order = lock_order(order)
    if order.status not in EDITABLE:
        raise invalid_transition(order, order.status, _("Only pending or on-hold orders can be edited."), [])
    if not lines:
        raise validation_error("items", _("An order needs at least one line."))
    retailer = lock_retailer(order.retailer_id)
    settings = BusinessSettings.load()
    before = _items_snapshot(order)
    totals_before = snapshot(order, TOTALS_AUDIT)
    priced = _priced_lines(lines, PricingContext(retailer=retailer))
    totals = order_totals([line.price for line in priced], payment_method=order.payment_method, settings=settings)
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
        decision = _credit_decision(retailer, totals.total, settings)
    order.save()
    _write_items(order, priced)
    after = _items_snapshot(order)
    _event(
        order,
        OrderEventType.EDITED,
        actor,
        from_status=order.status,
        to_status=order.status,
        data={"before": before, "after": after, "total": str(order.total)},
    )
    audit_record(
        actor=actor,
        instance=order,
        action="update",
        changes={"items": [before, after], **diff(totals_before, snapshot(order, TOTALS_AUDIT))},
    )
    if order.status == OrderStatus.PENDING and decision == "charge":
        _charge(order, actor)
    elif order.status == OrderStatus.PENDING and decision == "hold":
        _hold(order, retailer, actor)
    return order


def orders_expire_holds(*, now=None) -> list[str]:
    """Cancel the credit holds older than `hold_expiry_days`; returns the cancelled numbers.
    The selection is only a list of candidates: each is checked again under its row lock."""
    settings = BusinessSettings.load()
    cutoff = (now or timezone.now()) - timedelta(days=settings.hold_expiry_days)
    candidates = Order.objects.filter(status=OrderStatus.ON_HOLD, held_at__lt=cutoff).order_by("held_at")
    expired = (order_expire_hold(order=order, cutoff=cutoff) for order in list(candidates))
    return [order.number for order in expired if order is not None]


@transaction.atomic
def order_expire_hold(*, order: Order, cutoff) -> Order | None:
    """Cancel one expired credit hold, if it still is one once locked: still on hold and held
    before `cutoff`. An order released, cancelled or put back on hold since the selection is
    left alone (None), so the task never undoes what an operator just did."""
    order = lock_order(order)
    if order.status != OrderStatus.ON_HOLD or order.held_at is None or order.held_at >= cutoff:
        return None
    return _cancel_locked(order, None, _("Credit hold expired"))


@transaction.atomic
def order_reorder(*, order: Order, retailer: Retailer, actor) -> list[dict]:
    """Copy the order's lines into the cart (adding to existing lines), lowered to what stock
    allows; returns a result per line."""
    retailer = lock_retailer(retailer.pk)
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
