"""The demo history of a suspended retailer: it traded before it was suspended."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from orders import seed
from orders.models import Order
from orders.tests.test_seed import _world

pytestmark = pytest.mark.django_db


def test_a_suspended_retailer_orders_before_its_suspension_however_short_its_drawn_window(monkeypatch):
    # given the draw gives the suspended retailer one day of trading and almost no weight (CI once
    # drew a 42-day window and a low weight: it placed no order, and the history showed a
    # suspended shop that had never bought anything)
    drawn = seed._Simulation._setup_customers
    drawn_ends = []

    def one_day_window(simulation):
        drawn(simulation)
        for customer in simulation.customers:
            if customer.end is not None:
                drawn_ends.append(customer.end)
                customer.end = customer.start + timedelta(days=1)
                customer.weight = 0.0  # never drawn

    monkeypatch.setattr(seed._Simulation, "_setup_customers", one_day_window)
    monkeypatch.setitem(seed.SIZES, "small", 300)
    world = _world()
    # when the history is seeded
    seed.run(size="small", out=io.StringIO())
    # then it still ordered (its first orders), and nothing in the last two weeks
    suspended = Order.objects.filter(retailer=world["retailers"][-1])
    assert suspended.count() == seed.SUSPENDED_FIRST_ORDERS
    assert not suspended.filter(created_at__gte=timezone.now() - timedelta(days=14)).exists()
    # and its drawn suspension leaves a month before those two weeks to catch up
    assert len(drawn_ends) == 1 and drawn_ends[0] <= timezone.localdate() - timedelta(days=14 + 30)
