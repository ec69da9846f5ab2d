"""What the retailer is told about its order (workflows §8): each order event that matters to
it becomes one `notify()` call, in the event's transaction (the notice commits or rolls back
with the change; sending starts after commit)."""

from livrili.accounts.models import User
from notifications.services import notify
from retailers.selectors import retailer_recipients

from .models import OrderEvent, OrderEventType

# order event → notification event (the system templates of notifications/catalog.py)
NOTICES = {
    OrderEventType.PLACED: "order_placed",
    OrderEventType.HELD: "order_held",
    OrderEventType.CONFIRMED: "order_confirmed",
    OrderEventType.SHIPPED: "order_shipped",
    OrderEventType.DELIVERED: "order_delivered",
    OrderEventType.CANCELLED: "order_cancelled",
}


def order_event_notify(event: OrderEvent) -> None:
    notice = NOTICES.get(event.type)
    if notice is None:
        return
    order = event.order
    recipients = retailer_recipients(order.retailer)
    context = {
        "order_number": order.number,
        "total": str(order.total),
        "delivery_date": order.requested_delivery_date.isoformat(),
        "reason": order.cancel_reason or event.note,
    }
    notify(notice, recipients, context, data={"order_id": str(order.pk)}, action_url=f"/orders/{order.pk}")
    if event.type == OrderEventType.HELD:  # and whoever may release the hold
        staff = User.objects.with_perm("orders.release_hold").filter(is_active=True)
        context = {
            "order_number": order.number,
            "retailer_name": order.retailer.business_name,
            "total": str(order.total),
        }
        notify("credit_hold", list(staff), context, data={"order_id": str(order.pk)})
