"""Drivers hear of their new deliveries; retailers of a failed one and of their invoice (read
through the inbox API, as the apps do)."""

import pytest

from deliveries.services import lifecycle

pytestmark = pytest.mark.django_db


def told(client_for, user) -> list[tuple[str, str]]:
    rows = client_for(user).get("/api/v1/notifications").json()["data"]
    return [(row["event"], row["body"]) for row in reversed(rows)]


def test_the_driver_hears_of_its_delivery_and_the_retailer_of_the_failure_and_the_invoice(
    confirmed, operator, driver, client_for
):
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

    assert [event for event, _body in told(client_for, driver.user)] == ["delivery_assigned", "delivery_assigned"]
    retailer_side = told(client_for, owner)
    assert [event for event, _body in retailer_side] == [
        "order_placed",
        "order_confirmed",
        "order_shipped",
        "delivery_failed",
        "order_delivered",
        "invoice_issued",
    ]
    assert order.invoice.number in retailer_side[-1][1]
