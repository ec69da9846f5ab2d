"""Row locks of the order services. Lock order, everywhere: the order row, then the retailer
row, then products by primary key (`products.services.stock`), so two workflows never wait on each other
in a cycle. Callers use `locks.lock_order(...)`, so a test can slow one lock down."""

from retailers.models import Retailer

from ..models import Order


def lock_retailer(retailer_id) -> Retailer:
    # NO KEY UPDATE: the balance changes, never the key, so foreign-key checks of rows that
    # reference the retailer (an order updated twice in a driver's report) do not wait on it.
    return Retailer.objects.select_for_update(no_key=True).get(pk=retailer_id)


def lock_order(order: Order) -> Order:
    """The order row only (`of`: the joined retailer is read, not locked): a transition that
    moves money takes the retailer's lock itself, so a driver's pickup never waits for the same
    retailer's unrelated placement."""
    return Order.objects.select_for_update(of=("self",)).select_related("retailer").get(pk=order.pk)
