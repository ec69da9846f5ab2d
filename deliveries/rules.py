"""The delivery state machine as data (workflows.md §5), and how it must agree with the order's.

pending → assigned → picked_up → in_transit → delivered
                           ↘ failed (reason) → assigned (new attempt) | cancelled
any non-final → cancelled (with the order: cancelled, or returned after a failed delivery)
"""

from orders.models import OrderStatus

from .models import DeliveryStatus as S

TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.PENDING: (S.ASSIGNED, S.PICKED_UP, S.DELIVERED, S.CANCELLED),
    S.ASSIGNED: (S.ASSIGNED, S.PICKED_UP, S.CANCELLED),  # assigned → assigned: another driver
    S.PICKED_UP: (S.IN_TRANSIT, S.DELIVERED, S.FAILED, S.CANCELLED),
    S.IN_TRANSIT: (S.DELIVERED, S.FAILED, S.CANCELLED),
    S.FAILED: (S.ASSIGNED, S.CANCELLED),
    S.DELIVERED: (),
    S.CANCELLED: (),
}
# What a status update may ask for (assigned is the assign action's; cancelled follows the order).
REPORTED = (S.PICKED_UP, S.IN_TRANSIT, S.DELIVERED, S.FAILED)
# Moves only an operator may make: a delivery handled outside the driver app (counter pickup,
# own transport) goes from pending straight to picked_up or delivered, without a driver.
OPERATOR_ONLY = {(S.PENDING, S.PICKED_UP), (S.PENDING, S.DELIVERED)}

# The order statuses each delivery status agrees with: they can never disagree.
ORDER_STATUSES = {
    S.PENDING: (OrderStatus.CONFIRMED, OrderStatus.PROCESSING),
    S.ASSIGNED: (OrderStatus.CONFIRMED, OrderStatus.PROCESSING, OrderStatus.SHIPPED),  # shipped: a new attempt
    S.PICKED_UP: (OrderStatus.SHIPPED,),
    S.IN_TRANSIT: (OrderStatus.SHIPPED,),
    S.FAILED: (OrderStatus.SHIPPED,),
    S.DELIVERED: (OrderStatus.DELIVERED,),
    S.CANCELLED: (OrderStatus.CANCELLED, OrderStatus.RETURNED),
}
# The delivery status an order status change leads to, when the delivery is not there yet.
FOLLOWS = {
    OrderStatus.SHIPPED: S.PICKED_UP,
    OrderStatus.DELIVERED: S.DELIVERED,
    OrderStatus.CANCELLED: S.CANCELLED,
    OrderStatus.RETURNED: S.CANCELLED,
}
FINAL = (S.DELIVERED, S.CANCELLED)
# The order's forward path, which a delivery report walks it along.
ORDER_PATH = (OrderStatus.CONFIRMED, OrderStatus.PROCESSING, OrderStatus.SHIPPED, OrderStatus.DELIVERED)


def agrees(delivery_status: str, order_status: str) -> bool:
    return order_status in ORDER_STATUSES[delivery_status]


def order_behind(delivery_status: str, order_status: str) -> bool:
    """The delivery leads and the order is on its way to the status that agrees with it (a
    pickup reported while the order is still confirmed or processing)."""
    if order_status not in ORDER_PATH:
        return False
    ahead = [ORDER_PATH.index(s) for s in ORDER_STATUSES[delivery_status] if s in ORDER_PATH]
    return bool(ahead) and ORDER_PATH.index(order_status) < min(ahead)


def allowed_targets(status: str, *, operator: bool) -> list[str]:
    """The statuses a status update by a driver (or an operator) may ask for from `status`."""
    return [
        target
        for target in TRANSITIONS[status]
        if target in REPORTED and (operator or (status, target) not in OPERATOR_ONLY)
    ]
