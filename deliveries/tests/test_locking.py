"""A delivery's report locks its order, not the retailer: a driver's pickup never waits for
the same retailer's unrelated work (a placement holding the retailer row)."""

import threading

import pytest
from django.db import connection, transaction

from deliveries.services import lifecycle
from orders.services.locks import lock_retailer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_pickup_does_not_wait_for_the_retailers_row_lock(confirmed, operator, driver):
    order = confirmed("cash")
    delivery = lifecycle.delivery_assign(delivery=order.delivery, driver=driver, actor=operator)
    held, release = threading.Event(), threading.Event()

    def hold_the_retailer():
        try:
            with transaction.atomic():
                lock_retailer(order.retailer_id)  # what a placement or a ledger post holds
                held.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_retailer)
    holder.start()
    try:
        assert held.wait(10)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '1s'")
            reported = lifecycle.delivery_report(
                delivery=delivery, actor=driver.user, status="picked_up", operator=False
            )
    finally:
        release.set()
        holder.join()

    assert reported.status == "picked_up"
    order.refresh_from_db()
    assert order.status == "shipped"
