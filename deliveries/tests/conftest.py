from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from deliveries.models import Driver
from orders.models import CartItem
from orders.services import lifecycle as order_services
from orders.services import placement


@pytest.fixture
def operator(make_user):
    return make_user(role="admin", groups=["Sales"], username="dispatch.agent")


@pytest.fixture
def make_driver(make_user):
    counter = {"n": 0}

    def make(**fields) -> Driver:
        counter["n"] += 1
        n = counter["n"]
        user = make_user(role="driver", username=f"driver{n}", full_name=f"Karim Driver{n}")
        fields.setdefault("vehicle_type", "van")
        fields.setdefault("vehicle_plate", f"0{n:04d}-116-16")
        fields.setdefault("capacity_kg", Decimal("800.00"))
        fields.setdefault("status", "available")
        fields.setdefault("license_expiry", timezone.localdate() + timedelta(days=365))
        return Driver.objects.create(user=user, **fields)

    return make


@pytest.fixture
def driver(make_driver):
    return make_driver()


@pytest.fixture
def place_order(make_user, make_product):
    """A pending order of 10 × 120.00 (19 % tax) weighing 1.5 kg each, by a shop with credit."""
    counter = {"n": 0}

    def make(payment_method="cash", quantity=10):
        counter["n"] += 1
        shop = make_user(role="retailer", username=f"shop{counter['n']}")
        shop.retailer.credit_limit = Decimal("100000.00")
        shop.retailer.save(update_fields=["credit_limit"])
        product = make_product(stock=100, base_price=Decimal("120.00"), tax_rate=Decimal("19.00"))
        type(product).objects.filter(pk=product.pk).update(weight_kg=Decimal("1.500"))
        CartItem.objects.create(retailer=shop.retailer, product=product, quantity=quantity)
        order, _ = placement.order_place(
            retailer=shop.retailer,
            actor=shop,
            payment_method=payment_method,
            idempotency_key=f"key-{counter['n']}",
            fingerprint="f",
        )
        return order

    return make


@pytest.fixture
def confirmed(place_order, operator):
    def make(payment_method="cash"):
        order = place_order(payment_method=payment_method)
        return order_services.order_confirm(order=order, actor=operator)

    return make


@pytest.fixture
def dispatcher(make_user):
    """Staff of the seeded Dispatch group (every deliveries permission)."""
    return make_user(role="admin", groups=["Dispatch"], username="dispatcher")
