"""Row locks of the order services. Lock order, everywhere: the order row, then the retailer
row, then products by primary key (`products.services.stock`), so two workflows never wait on each other
in a cycle. Callers use `locks.lock_order(...)`, so a test can slow one lock down."""

from retailers.models import Retailer

from ..models import Order


def lock_retailer(retailer_id) -> Retailer:
    return Retailer.objects.select_for_update().get(pk=retailer_id)


def lock_order(order: Order) -> Order:
    return Order.objects.select_for_update().select_related("retailer").get(pk=order.pk)
