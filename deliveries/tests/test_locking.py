"""A delivery's report locks its order, not the retailer: a driver's pickup never waits for
the same retailer's unrelated work (a placement holding the retailer row)."""

import pytest
from django.db import connection, transaction

from deliveries.services import lifecycle
from livrili.core.testing.concurrency import held_open
from orders.services.locks import lock_retailer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_pickup_does_not_wait_for_the_retailers_row_lock(confirmed, operator, driver):
    order = confirmed("cash")
    delivery = lifecycle.delivery_assign(delivery=order.delivery, driver=driver, actor=operator)
    # What a placement or a ledger post holds, open in another connection:
    with held_open(lambda: lock_retailer(order.retailer_id)), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '1s'")
        reported = lifecycle.delivery_report(delivery=delivery, actor=driver.user, status="picked_up", operator=False)

    assert reported.status == "picked_up"
    order.refresh_from_db()
    assert order.status == "shipped"
