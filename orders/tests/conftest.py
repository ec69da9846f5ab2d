import uuid
from decimal import Decimal

import pytest

from livrili.core.models import BusinessSettings
from orders.models import CartItem
from orders.services.placement import order_place
from retailers.services import ledger_post


@pytest.fixture
def settings_row(db):
    return BusinessSettings.load()


@pytest.fixture
def shop(make_user):
    """A member of an active retailer with a 100 000.00 credit limit."""
    user = make_user(role="retailer", username="shop.owner")
    user.retailer.credit_limit = Decimal("100000.00")
    user.retailer.save(update_fields=["credit_limit"])
    return user


@pytest.fixture
def other_shop(make_user):
    return make_user(role="retailer", username="other.owner")


@pytest.fixture
def sales(make_user):
    return make_user(role="admin", groups=["Sales"], username="sales.agent")


@pytest.fixture
def finance(make_user):
    return make_user(role="admin", groups=["Finance", "Sales"], username="finance.agent")


@pytest.fixture
def debt(db):
    def post(retailer, amount):
        return ledger_post(
            retailer=retailer, kind="adjustment_debit", amount=Decimal(amount), actor=None, reason="test"
        )

    return post


@pytest.fixture
def place_cart(db):
    """Place `quantity` × `product` from `member`'s cart through the placement service, with a
    fresh idempotency key each call."""

    def place(member, product, *, quantity=10, payment_method="credit"):
        CartItem.objects.create(retailer=member.retailer, product=product, quantity=quantity)
        order, _replayed = order_place(
            retailer=member.retailer,
            actor=member,
            payment_method=payment_method,
            idempotency_key=uuid.uuid4().hex,
            fingerprint="f",
        )
        return order

    return place
