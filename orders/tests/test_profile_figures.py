"""The month figures orders adds to the retailer's profile (`retailer_month_figures`)."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db


def make_order(retailer, status: str, total: str, n: int) -> Order:
    return Order.objects.create(
        number=f"ORD-TEST-{n:04d}",
        retailer=retailer,
        status=status,
        payment_method="credit",
        subtotal=Decimal(total),
        tax_total=Decimal("0.00"),
        delivery_fee=Decimal("0.00"),
        discount_total=Decimal("0.00"),
        stamp_duty=Decimal("0.00"),
        total=Decimal(total),
        requested_delivery_date=date(2026, 12, 31),
        time_slot="morning",
        idempotency_key=f"key-{n}",
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
    for n, (status, total) in enumerate(totals.items()):
        make_order(shop.retailer, status, total, n)
    # and one of last month, which never counts
    old = make_order(shop.retailer, OrderStatus.DELIVERED, "999.99", 99)
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now().replace(day=1) - timezone.timedelta(days=2))

    profile = client_for(shop).get("/api/v1/retailers/profile").json()["data"]

    # then spend is pending + confirmed + processing + shipped + delivered (not on hold, cancelled, returned)
    spend = sum(Decimal(totals[s]) for s in ("pending", "confirmed", "processing", "shipped", "delivered"))
    assert spend == Decimal("1901.90")
    assert profile["month_spend"] == "1901.90"
    # and the count is the month's orders that were not cancelled
    assert profile["month_order_count"] == 7
