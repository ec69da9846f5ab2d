from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from livrili.core.testing.assertions import assert_error
from orders.models import CartItem, Order
from orders.services.placement import LineRequest, order_place

pytestmark = pytest.mark.django_db

RETAILER_ENDPOINTS = [
    ("get", "/api/v1/retailers/cart"),
    ("post", "/api/v1/retailers/cart/items"),
    ("post", "/api/v1/retailers/cart/sync"),
    ("get", "/api/v1/retailers/orders"),
    ("post", "/api/v1/retailers/orders"),
    ("get", "/api/v1/products/popular"),
]
STAFF_ENDPOINTS = [
    ("get", "/api/v1/orders"),
    ("post", "/api/v1/orders"),
    ("get", "/api/v1/orders/stats"),
    ("post", "/api/v1/orders/bulk-status"),
]


@pytest.mark.parametrize(("method", "path"), RETAILER_ENDPOINTS + STAFF_ENDPOINTS)
def test_anonymous_calls_are_401(api_client, method, path):
    assert_error(getattr(api_client, method)(path, {}, format="json"), 401, "UNAUTHORIZED")


@pytest.mark.parametrize(("method", "path"), RETAILER_ENDPOINTS)
@pytest.mark.parametrize("role", ["driver", "admin"])
def test_drivers_and_staff_are_403_on_retailer_endpoints(client_for, make_user, method, path, role):
    response = getattr(client_for(make_user(role=role)), method)(path, {}, format="json")

    assert_error(response, 403, "FORBIDDEN")
    assert not CartItem.objects.exists() and not Order.objects.exists()


@pytest.mark.parametrize(("method", "path"), STAFF_ENDPOINTS)
@pytest.mark.parametrize("role", ["driver", "retailer"])
def test_drivers_and_retailers_are_403_on_staff_endpoints(client_for, make_user, method, path, role):
    response = getattr(client_for(make_user(role=role)), method)(path, {}, format="json")

    assert_error(response, 403, "FORBIDDEN")
    assert not Order.objects.exists()


def orders_for(shop, products, count):
    for index in range(count):
        lines = [LineRequest(product_id=p.pk, quantity=2) for p in products]
        order_place(
            retailer=shop.retailer,
            actor=shop,
            payment_method="cash",
            idempotency_key=f"q{index}",
            fingerprint="f",
            channel="admin",
            lines=lines,
        )


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_order_lists_keep_a_constant_query_count(client_for, shop, sales, make_product):
    products = [make_product(stock=1000, base_price=D("600.00")) for _ in range(3)]
    orders_for(shop, products, 12)
    retailer, staff = client_for(shop), client_for(sales)

    assert count_queries(retailer, "/api/v1/retailers/orders?limit=5") == count_queries(
        retailer, "/api/v1/retailers/orders?limit=100"
    )
    assert count_queries(staff, "/api/v1/orders?limit=5") == count_queries(staff, "/api/v1/orders?limit=100")
    assert count_queries(staff, f"/api/v1/orders/{Order.objects.first().pk}") <= 8


def test_order_lists_read_only_the_columns_they_answer(client_for, shop, sales, make_product):
    """The lists read the order columns the answer has and the retailer's name (a join), not
    every column of both rows; the history does not read the retailer row apart (its key is the
    user's). A column the answer needs and the list left out would be one query per row:
    test_order_lists_keep_a_constant_query_count."""
    orders_for(shop, [make_product(stock=1000, base_price=D("600.00"))], 2)

    for client, url in ((client_for(shop), "/api/v1/retailers/orders"), (client_for(sales), "/api/v1/orders")):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        statements = [q["sql"] for q in queries.captured_queries]
        page = next(sql for sql in statements if sql.startswith('SELECT "orders_order"."id"') and "LIMIT" in sql)
        assert '"retailers_retailer"."business_name"' in page
        assert '"retailers_retailer"."credit_limit"' not in page
        assert '"orders_order"."idempotency_key"' not in page
        assert not any('FROM "retailers_retailer"' in sql for sql in statements)
