"""The seams where later capabilities plug into the order lifecycle (orders imports none of them).

- `STATUS_LISTENERS`, inside the transaction: called under the order's row lock after every
  status change, in registration order. A listener may refuse the change by raising
  `DomainError`: the change rolls back with it. Filled from `AppConfig.ready()`: deliveries opens
  the order's delivery on confirmation and keeps it in agreement with the order.
- `TRACKING_SOURCES`, reads: each adds keys to the retailer's tracking view (deliveries: the
  driver while out for delivery and the ETA).
- `ADMIN_LINKS`, reads: each names the back-office pages of what another app made of an order
  (its delivery, its invoice), linked from the order's page.
- After commit, called exactly once per event (`order_event_committed` by
  `orders.events.order_event_save`, `order_delivered` by `orders.services.lifecycle`); today
  they only log, because the capability that fills them does not exist yet:
  - `order_event_committed`: notifications (placed, held, confirmed, shipped, delivered, cancelled).
  - `order_delivered`: billing (issue the invoice, turn collected cash into a Payment).
"""

import logging
from collections.abc import Callable

logger = logging.getLogger("livrili.orders")

STATUS_LISTENERS: list[Callable[..., None]] = []
TRACKING_SOURCES: list[Callable[..., dict]] = []
ADMIN_LINKS: list[Callable[..., list[tuple[str, str]]]] = []


def order_status_changed(*, order, from_status: str, to_status: str, actor, note: str = "") -> None:
    for listener in STATUS_LISTENERS:
        listener(order=order, from_status=from_status, to_status=to_status, actor=actor, note=note)


def order_tracking_extras(order) -> dict:
    extras: dict = {}
    for source in TRACKING_SOURCES:
        extras.update(source(order))
    return extras


def order_admin_links(order) -> list[tuple[str, str]]:
    """(label, admin URL) of every record other apps keep for this order."""
    return [link for source in ADMIN_LINKS for link in source(order)]


def order_event_committed(*, order_id, event: str) -> None:
    logger.info("order %s: %s", order_id, event)


def order_delivered(*, order_id) -> None:
    logger.info("order %s delivered: no billing capability installed yet", order_id)
