"""Drivers hear of their new deliveries; retailers of a failed one and of their invoice."""

import pytest

from deliveries.services import lifecycle
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def told(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user, channel="in_app")
        .order_by("created_at")
        .values_list("event", flat=True)
    )


def test_the_driver_hears_of_its_delivery_and_the_retailer_of_the_failure_and_the_invoice(confirmed, operator, driver):
    order = confirmed("cash")
    owner = order.retailer.owner

    assigned = lifecycle.delivery_assign(delivery=order.delivery, driver=driver, actor=operator)
    picked = lifecycle.delivery_report(delivery=assigned, actor=driver.user, status="picked_up", operator=False)
    lifecycle.delivery_report(
        delivery=picked, actor=driver.user, status="failed", operator=False, failure_reason="absent"
    )
    again = lifecycle.delivery_assign(delivery=picked, driver=driver, actor=operator)
    lifecycle.delivery_report(delivery=again, actor=driver.user, status="picked_up", operator=False)
    lifecycle.delivery_report(
        delivery=again, actor=operator, status="delivered", operator=True, override_reason="Au comptoir"
    )

    assert told(driver.user) == ["delivery_assigned", "delivery_assigned"]
    assert told(owner) == [
        "order_placed",
        "order_confirmed",
        "order_shipped",
        "delivery_failed",
        "order_delivered",
        "invoice_issued",
    ]
    body = Notification.objects.get(recipient=owner, event="invoice_issued", channel="in_app").body
    assert order.invoice.number in body
