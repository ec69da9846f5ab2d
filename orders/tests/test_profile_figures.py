"""The month figures orders adds to the retailer's profile (`retailer_month_figures`)."""

from decimal import Decimal

import pytest
from django.utils import timezone
from model_bakery import baker

from orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db


def make_order(retailer, status: str, total: str) -> Order:
    """An order row of this month with `total` (a figure source; no items or charges)."""
    return baker.make_recipe(
        "orders.order",
        retailer=retailer,
        status=status,
        payment_method="credit",
        subtotal=Decimal(total),
        total=Decimal(total),
    )


def test_month_spend_counts_only_orders_that_are_spend(client_for, shop):
    # given one order of this month in each status, with distinct totals
    totals = {
        OrderStatus.PENDING: "100.10",
        OrderStatus.ON_HOLD: "200.20",
        OrderStatus.CONFIRMED: "300.30",
        OrderStatus.PROCESSING: "400.40",
        OrderStatus.SHIPPED: "500.50",
        OrderStatus.DELIVERED: "600.60",
        OrderStatus.CANCELLED: "700.70",
        OrderStatus.RETURNED: "800.80",
    }
    for status, total in totals.items():
        make_order(shop.retailer, status, total)
    # and one of last month, which never counts
    old = make_order(shop.retailer, OrderStatus.DELIVERED, "999.99")
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now().replace(day=1) - timezone.timedelta(days=2))

    profile = client_for(shop).get("/api/v1/retailers/profile").json()["data"]

    # then spend is pending + confirmed + processing + shipped + delivered (not on hold, cancelled, returned)
    spend = sum(Decimal(totals[s]) for s in ("pending", "confirmed", "processing", "shipped", "delivered"))
    assert spend == Decimal("1901.90")
    assert profile["month_spend"] == "1901.90"
    # and the count is the month's orders that were not cancelled
    assert profile["month_order_count"] == 7
