"""One builder per order event type (like saleor/order/events.py): the order's history rows.

A builder returns the unsaved `OrderEvent`; services save it with `order_event_save` (which
schedules the after-commit hook) and the demo seed writes the same rows in bulk with its own
timestamps. A status change's event is built from the order *before* the change: its `from`
is the order's status then, its `to` the builder's. The actor is kept only when signed in."""

from decimal import Decimal

from django.db import transaction

from livrili.core.audit import authenticated_actor

from . import hooks
from .models import Order, OrderEvent, OrderEventType, OrderStatus
from .notices import order_event_notify


def _event(order: Order, type: str, actor, *, from_status="", to_status="", note="", data=None) -> OrderEvent:
    return OrderEvent(
        order=order,
        type=type,
        from_status=from_status,
        to_status=to_status,
        actor=authenticated_actor(actor),
        note=note,
        data=data or {},
    )


def order_placed_event(*, order: Order, actor, discounts: list[dict] | None = None) -> OrderEvent:
    """The order exists, pending: its total and channel, and its discounted lines if any."""
    data = {"total": str(order.total), "channel": order.channel, **({"discounts": discounts} if discounts else {})}
    return _event(order, OrderEventType.PLACED, actor, to_status=OrderStatus.PENDING, data=data)


def order_held_event(*, order: Order, actor, available_credit: Decimal) -> OrderEvent:
    """Over the credit limit under the `hold` policy: what was available and what it needed."""
    data = {"available_credit": str(available_credit), "required": str(order.total)}
    return _event(order, OrderEventType.HELD, actor, from_status=order.status, to_status=OrderStatus.ON_HOLD, data=data)


def order_hold_released_event(
    *, order: Order, actor, override: bool, available_credit_before: Decimal, note: str = ""
) -> OrderEvent:
    """Finance released the hold (confirmed); `override` when it went over the limit."""
    data = {"override": override, "available_credit_before": str(available_credit_before)}
    return _event(
        order,
        OrderEventType.HOLD_RELEASED,
        actor,
        from_status=order.status,
        to_status=OrderStatus.CONFIRMED,
        note=note,
        data=data,
    )


def _status_event(order: Order, status: str, actor, note: str) -> OrderEvent:
    return _event(order, status, actor, from_status=order.status, to_status=status, note=note)


def order_confirmed_event(*, order: Order, actor, note: str = "") -> OrderEvent:
    return _status_event(order, OrderStatus.CONFIRMED, actor, note)


def order_processing_event(*, order: Order, actor, note: str = "") -> OrderEvent:
    return _status_event(order, OrderStatus.PROCESSING, actor, note)


def order_shipped_event(*, order: Order, actor, note: str = "") -> OrderEvent:
    return _status_event(order, OrderStatus.SHIPPED, actor, note)


def order_delivered_event(*, order: Order, actor, note: str = "") -> OrderEvent:
    return _status_event(order, OrderStatus.DELIVERED, actor, note)


def order_cancelled_event(*, order: Order, actor, reason: str) -> OrderEvent:
    """The reason is the event's note (and the order's `cancel_reason`)."""
    return _status_event(order, OrderStatus.CANCELLED, actor, reason)


def order_returned_event(*, order: Order, actor, reason: str) -> OrderEvent:
    return _status_event(order, OrderStatus.RETURNED, actor, reason)


def order_edited_event(*, order: Order, actor, before: list[dict], after: list[dict]) -> OrderEvent:
    """The lines before and after an edit, and the new total; the status is unchanged."""
    data = {"before": before, "after": after, "total": str(order.total)}
    return _event(order, OrderEventType.EDITED, actor, from_status=order.status, to_status=order.status, data=data)


# The event of each status an operator moves an order to (confirm and advance), by status.
STATUS_EVENTS = {
    OrderStatus.CONFIRMED: order_confirmed_event,
    OrderStatus.PROCESSING: order_processing_event,
    OrderStatus.SHIPPED: order_shipped_event,
    OrderStatus.DELIVERED: order_delivered_event,
}


def order_event_save(event: OrderEvent) -> OrderEvent:
    """Save a built event and tell the retailer what matters to it (`notices`); its hook runs
    once, after the transaction commits."""
    event.save()
    order_event_notify(event)
    order_id, type = event.order_id, event.type
    transaction.on_commit(lambda: hooks.order_event_committed(order_id=order_id, event=type))
    return event
