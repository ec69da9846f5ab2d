import uuid
from decimal import Decimal as D

import pytest

from livrili.core.testing.assertions import assert_error
from orders.services.lifecycle import order_cancel
from orders.services.placement import LineRequest, order_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def buy(db):
    def order(user, *lines, cancel=False):
        placed, _ = order_place(
            retailer=user.retailer,
            actor=user,
            payment_method="cash",
            idempotency_key=uuid.uuid4().hex,
            fingerprint="f",
            channel="admin",
            lines=[LineRequest(product_id=p.pk, quantity=q) for p, q in lines],
        )
        if cancel:
            order_cancel(order=placed, actor=None, reason="test")
        return placed

    return order


def ids(response):
    return [item["id"] for item in response.json()["data"]]


def test_popular_ranks_units_in_non_cancelled_orders(client_for, shop, other_shop, make_product, buy):
    a, b, c = (make_product(stock=500, base_price=D("1000.00")) for _ in range(3))
    buy(shop, (a, 2), (b, 5))
    buy(other_shop, (a, 2))
    buy(other_shop, (c, 50), cancel=True)  # cancelled: does not count

    response = client_for(shop).get("/api/v1/products/popular")

    assert ids(response) == [str(b.pk), str(a.pk)]
    assert "stock_quantity" not in response.json()["data"][0]
    assert response.json()["data"][0]["available_quantity"] == 495


def test_recommendations_are_co_ordered_products_the_retailer_does_not_buy(
    client_for, shop, other_shop, make_user, make_product, buy
):
    oil, sugar, tea, coffee = (make_product(stock=500, base_price=D("1000.00")) for _ in range(4))
    third = make_user(role="retailer")
    buy(shop, (oil, 1))
    buy(other_shop, (oil, 1), (sugar, 1), (tea, 1))
    buy(third, (oil, 1), (sugar, 1))
    buy(third, (coffee, 9))  # popular, not co-ordered

    data = ids(client_for(shop).get("/api/v1/products/recommendations"))

    assert data[:2] == [str(sugar.pk), str(tea.pk)]
    assert str(oil.pk) not in data
    assert data[2:] == [str(coffee.pk)]  # topped up with popular products


def test_suggestions_are_for_retailers_only(client_for, sales):
    assert_error(client_for(sales).get("/api/v1/products/popular"), 403, "FORBIDDEN")


def test_the_catalog_orders_by_popularity(client_for, shop, other_shop, make_product, buy):
    a, b, c = (make_product(stock=500, base_price=D("1000.00")) for _ in range(3))
    buy(shop, (a, 1), (b, 7))
    buy(other_shop, (a, 3))

    retail = client_for(shop).get("/api/v1/products?ordering=-popularity")

    assert ids(retail) == [str(b.pk), str(a.pk), str(c.pk)]
