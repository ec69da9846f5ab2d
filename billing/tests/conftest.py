from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from deliveries.models import Delivery, Driver, ProofOfDelivery
from deliveries.services.lifecycle import delivery_assign, delivery_report
from orders.models import CartItem
from orders.services.lifecycle import order_confirm
from orders.services.placement import order_place


@pytest.fixture
def operator(make_user):
    return make_user(role="admin", groups=["Sales", "Dispatch"], username="billing.operator")


@pytest.fixture
def finance(make_user):
    return make_user(role="admin", groups=["Finance"], username="billing.finance")


@pytest.fixture
def products(make_product):
    """Two products at different TVA rates: 120.00 at 19 % and 45.50 at 9 %."""
    oil = make_product(
        stock=1000,
        sku="OIL-1L",
        name_ar="زيت 1 لتر",
        name_fr="Huile 1 L",
        name_en="Oil 1 L",
        base_price=Decimal("120.00"),
        tax_rate=Decimal("19.00"),
    )
    milk = make_product(
        stock=1000,
        sku="MILK-1L",
        name_ar="حليب 1 لتر",
        name_fr="Lait 1 L",
        name_en="Milk 1 L",
        base_price=Decimal("45.50"),
        tax_rate=Decimal("9.00"),
    )
    return oil, milk


@pytest.fixture
def shop(make_user):
    """The owner of an active retailer with credit, who reads French."""
    owner = make_user(role="retailer", username="shop.owner", preferred_language="fr")
    retailer = owner.retailer
    retailer.credit_limit = Decimal("1000000.00")
    retailer.rc_number, retailer.nif = "16/00-1234567B21", "0016123456"
    retailer.nis, retailer.ai_number = "1990", "AI-7"
    retailer.save()
    return owner


@pytest.fixture
def driver(make_user):
    user = make_user(role="driver", username="billing.driver")
    return Driver.objects.create(
        user=user,
        vehicle_type="van",
        vehicle_plate="09999-116-16",
        capacity_kg=Decimal("100000.00"),
        max_stops=500,
        status="available",
        license_expiry=timezone.localdate() + timedelta(days=365),
    )


@pytest.fixture
def picked_up(shop, products, operator, driver):
    """A delivery picked up by the driver, for an order of `shop` (10 oil + 7 milk by default)."""
    counter = {"n": 0}

    def make(payment_method="cash", quantities=(10, 7), owner=None) -> Delivery:
        counter["n"] += 1
        owner = owner or shop
        for product, quantity in zip(products, quantities, strict=True):
            if quantity:
                CartItem.objects.create(retailer=owner.retailer, product=product, quantity=quantity)
        order, _replayed = order_place(
            retailer=owner.retailer,
            actor=owner,
            payment_method=payment_method,
            idempotency_key=f"billing-{counter['n']}",
            fingerprint="f",
        )
        order_confirm(order=order, actor=operator)
        delivery = Delivery.objects.get(order=order)
        delivery_assign(delivery=delivery, driver=driver, actor=operator)
        return delivery_report(delivery=delivery, actor=driver.user, status="picked_up", operator=False)

    return make


@pytest.fixture
def deliver(operator):
    """Record the delivery as delivered (the operator, at the counter: no proof needed)."""

    def run(delivery: Delivery) -> Delivery:
        return delivery_report(
            delivery=delivery, actor=operator, status="delivered", operator=True, override_reason="At the counter"
        )

    return run


@pytest.fixture
def delivered(picked_up, deliver):
    def make(payment_method="cash", **kwargs):
        delivery = deliver(picked_up(payment_method=payment_method, **kwargs))
        return delivery.order

    return make


@pytest.fixture
def deliver_cash(driver):
    """The driver delivers and records the cash collected (a proof is on file)."""

    def run(delivery: Delivery, cash: Decimal) -> Delivery:
        ProofOfDelivery.objects.create(delivery=delivery, recipient_name="Karim", captured_at=timezone.now())
        return delivery_report(
            delivery=delivery, actor=driver.user, status="delivered", operator=False, cash_collected=cash
        )

    return run
