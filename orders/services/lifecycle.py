"""The order lifecycle (workflows.md §4): every status change passes through `_transition`,
which checks the transition table (`orders.rules`), stamps the milestone, saves the event and
writes the audit trail. Also the order's charge on the retailer's ledger, and the credit hold.

The stock helper of cancel and return (`_stock_back`) lives here."""

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from livrili.core.audit import audit_record, authenticated_actor
from livrili.core.errors import DomainError, validation_error
from livrili.core.money import ZERO
from products.models import StockReason
from products.services.stock import stock_put_back, stock_totals
from retailers.models import LedgerEntry, LedgerEntryKind, Retailer
from retailers.services import ledger_post

from .. import hooks
from ..events import (
    STATUS_EVENTS,
    order_cancelled_event,
    order_confirmed_event,
    order_event_save,
    order_held_event,
    order_hold_released_event,
    order_returned_event,
)
from ..models import Order, OrderEvent, OrderEventType, OrderStatus, PaymentMethod
from ..rules import OPEN_STATUSES, RETAILER_CANCELLABLE, TRANSITIONS, allowed_targets
from . import locks

MILESTONES = {
    OrderStatus.ON_HOLD: "held_at",
    OrderStatus.CONFIRMED: "confirmed_at",
    OrderStatus.PROCESSING: "processing_at",
    OrderStatus.SHIPPED: "shipped_at",
    OrderStatus.DELIVERED: "delivered_at",
    OrderStatus.CANCELLED: "cancelled_at",
    OrderStatus.RETURNED: "returned_at",
}
# The audit trail's action for each status-change event (a hold release is a confirmation).
AUDIT_ACTIONS = {
    OrderEventType.HELD: "hold",
    OrderEventType.CONFIRMED: "confirm",
    OrderEventType.PROCESSING: "process",
    OrderEventType.SHIPPED: "ship",
    OrderEventType.DELIVERED: "deliver",
    OrderEventType.CANCELLED: "cancel",
    OrderEventType.RETURNED: "return",
    OrderEventType.HOLD_RELEASED: "release_hold",
}


def retailer_has_no_open_orders(retailer: Retailer) -> None:
    """Guard for closing a retailer: its open orders must be finished or cancelled first."""
    open_count = Order.objects.filter(retailer=retailer, status__in=OPEN_STATUSES).count()
    if open_count:
        raise DomainError(
            "CONFLICT",
            _("Finish or cancel the open orders first."),
            details={"non_field_errors": [_("%(count)d open order(s).") % {"count": open_count}]},
        )


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
    order: Order, actor, event: OrderEvent, *, credit_decision: bool = False, audit: dict | None = None
) -> Order:
    """The one place an order changes status, to the `event`'s (built from the order before the
    change): checks the table, stamps the milestone, saves the event and writes the audit trail
    (`audit`: more fields for its diff; else the note, if any). `credit_decision` admits the
    targets only the credit check may choose (on_hold)."""
    to_status = event.to_status
    _require_transition(order, to_status, credit_decision=credit_decision)
    from_status = order.status
    order.status = to_status
    update = ["status", "updated_at"]
    if to_status in MILESTONES:
        setattr(order, MILESTONES[to_status], timezone.now())
        update.append(MILESTONES[to_status])
    order.save(update_fields=update)
    order_event_save(event)
    hooks.order_status_changed(order=order, from_status=from_status, to_status=to_status, actor=actor, note=event.note)
    extra = audit if audit is not None else ({"note": [None, event.note]} if event.note else {})
    audit_record(
        actor=actor,
        instance=order,
        action=AUDIT_ACTIONS[event.type],
        changes={"status": [from_status, to_status], **extra},
    )
    return order


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise validation_error("reason", _("A reason is required."))
    return reason


def _stock_back(order: Order, reason: str, actor) -> None:
    quantities = stock_totals(order.items.values_list("product_id", "quantity"))
    stock_put_back(quantities=quantities, reason=reason, actor=actor, reference=order.number)


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


@transaction.atomic
def order_confirm(*, order: Order, actor, note: str = "") -> Order:
    order = locks.lock_order(order)
    if order.status == OrderStatus.ON_HOLD:  # a held order is confirmed by releasing the hold
        raise invalid_transition(
            order, OrderStatus.CONFIRMED, _("Release the credit hold to confirm this order."), [OrderStatus.CANCELLED]
        )
    _transition(order, actor, order_confirmed_event(order=order, actor=actor, note=note))
    return order


@transaction.atomic
def order_release_hold(*, order: Order, actor, note: str = "") -> Order:
    """Finance releases a credit hold: the charge is posted (over the limit only as a recorded
    override) and the order is confirmed."""
    order = locks.lock_order(order)
    if order.status != OrderStatus.ON_HOLD:
        raise invalid_transition(order, OrderStatus.CONFIRMED, _("This order is not on credit hold."))
    retailer = locks.lock_retailer(order.retailer_id)
    override = order.total > retailer.available_credit
    available_before = retailer.available_credit
    _charge(
        order, actor, reason=_("Credit hold released") if not override else _("Credit hold released over the limit")
    )
    event = order_hold_released_event(
        order=order, actor=actor, override=override, available_credit_before=available_before, note=note
    )
    _transition(
        order,
        actor,
        event,
        audit={
            "override": [None, override],
            "available_credit_before": [None, str(available_before)],
            **({"note": [None, note]} if note else {}),
        },
    )
    return order


@transaction.atomic
def order_advance(*, order: Order, actor, to_status: str, note: str = "") -> Order:
    """processing, shipped, delivered: delivery of a cash order posts its charge."""
    order = locks.lock_order(order)
    if to_status not in STATUS_EVENTS:  # cancel and return have their own workflows
        raise invalid_transition(order, to_status)
    _transition(order, actor, STATUS_EVENTS[to_status](order=order, actor=actor, note=note))
    if to_status == OrderStatus.DELIVERED:
        if order.payment_method == PaymentMethod.CASH:
            locks.lock_retailer(order.retailer_id)
            _charge(order, actor)
        order_id = order.pk
        transaction.on_commit(lambda: hooks.order_delivered(order_id=order_id))
    return order


def _hold(order: Order, retailer: Retailer, actor) -> Order:
    """Over the limit under the `hold` policy: the order waits for Finance, without a charge."""
    event = order_held_event(order=order, actor=actor, available_credit=retailer.available_credit)
    return _transition(order, actor, event, credit_decision=True)


@transaction.atomic
def order_cancel(*, order: Order, actor, reason: str, by_retailer: bool = False) -> Order:
    """Cancel from pending, on_hold, confirmed or processing (retailers: their pending and
    on_hold orders): stock comes back, any charge is reversed."""
    reason = _require_reason(reason)
    order = locks.lock_order(order)
    if by_retailer and order.status not in RETAILER_CANCELLABLE:
        raise invalid_transition(order, OrderStatus.CANCELLED, _("This order can no longer be cancelled."), [])
    return _cancel_locked(order, actor, reason)


def _cancel_locked(order: Order, actor, reason: str) -> Order:
    """Cancel an order already locked by the caller."""
    _require_transition(order, OrderStatus.CANCELLED)
    locks.lock_retailer(order.retailer_id)
    _stock_back(order, StockReason.ORDER_CANCEL, actor)
    _reverse_charge(order, actor, reason)
    audit = {"cancel_reason": [order.cancel_reason, reason]}
    order.cancel_reason = reason
    order.cancelled_by = authenticated_actor(actor)
    order.save(update_fields=["cancel_reason", "cancelled_by", "updated_at"])
    _transition(order, actor, order_cancelled_event(order=order, actor=actor, reason=reason), audit=audit)
    return order


@transaction.atomic
def order_return(*, order: Order, actor, reason: str) -> Order:
    """Shipped goods came back: stock returns (`return` movements) and any charge is reversed."""
    order = locks.lock_order(order)
    _require_transition(order, OrderStatus.RETURNED)
    reason = _require_reason(reason)
    locks.lock_retailer(order.retailer_id)
    _stock_back(order, StockReason.RETURN, actor)
    _reverse_charge(order, actor, reason)
    event = order_returned_event(order=order, actor=actor, reason=reason)
    return _transition(order, actor, event, audit={"reason": [None, reason]})


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
