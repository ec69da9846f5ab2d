"""The seams where later capabilities plug into the order lifecycle, called after commit.

Each is called exactly once per event (`order_event_committed` by `orders.events.order_event_save`,
the others by `orders.services.lifecycle`); today they only log, because the
capability that fills them does not exist yet:
- `order_event_committed`: notifications (placed, held, confirmed, shipped, delivered, cancelled).
- `order_confirmed`: deliveries (create the order's one Delivery, idempotently).
- `order_cancelled`: deliveries (cancel the order's Delivery).
- `order_delivered`: billing (issue the invoice, turn collected cash into a Payment).
"""

import logging

logger = logging.getLogger("livrili.orders")


def order_event_committed(*, order_id, event: str) -> None:
    logger.info("order %s: %s", order_id, event)


def order_confirmed(*, order_id) -> None:
    logger.info("order %s confirmed: no delivery capability installed yet", order_id)


def order_cancelled(*, order_id) -> None:
    logger.info("order %s cancelled: no delivery to cancel yet", order_id)


def order_delivered(*, order_id) -> None:
    logger.info("order %s delivered: no billing capability installed yet", order_id)
