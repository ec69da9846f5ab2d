from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from livrili.core.testing.assertions import assert_error
from orders.models import CartAction, CartItem

pytestmark = pytest.mark.django_db

CART = "/api/v1/retailers/cart"


def add(client, product, quantity):
    return client.post(f"{CART}/items", {"product_id": str(product.pk), "quantity": quantity}, format="json")


def test_add_adds_to_the_line_and_the_summary_is_computed(client_for, shop, make_product):
    product = make_product(
        stock=50, base_price=D("120.00"), tax_rate=D("19.00"), order_multiple=2, min_order_quantity=2
    )
    client = client_for(shop)

    add(client, product, 4)
    response = add(client, product, 6)

    assert response.status_code == 200, response.json()
    cart = response.json()["data"]
    assert CartItem.objects.get().quantity == 10
    line = cart["items"][0]
    assert (line["quantity"], line["unit_price"], line["line_subtotal"], line["line_tax"], line["line_total"]) == (
        10,
        "120.00",
        "1200.00",
        "228.00",
        "1428.00",
    )
    assert line["problems"] == []
    assert line["product"]["sku"] == product.sku
    # goods 1428.00 < 5000: fee 300.00 + 57.00 tax; minimum 1000.00 reached
    assert cart["subtotal"] == "1200.00"
    assert cart["delivery_fee"] == "300.00"
    assert cart["tax_total"] == "285.00"
    assert cart["total"] == "1785.00"
    assert cart["stamp_duty_if_cash"] == "18.00"
    assert cart["min_order_remaining"] == "0.00"
    assert cart["available_credit"] == "100000.00"
    assert cart["credit_after_order"] == "98215.00"


@pytest.mark.parametrize(
    ("quantity", "code", "details"),
    [
        (1, "BELOW_MIN_QUANTITY", {"minimum": 2, "multiple": 2}),
        (3, "INVALID_QUANTITY_MULTIPLE", {"minimum": 2, "multiple": 2}),
        (12, "INSUFFICIENT_STOCK", None),
    ],
)
def test_cart_rules_answer_their_codes_and_write_nothing(client_for, shop, make_product, quantity, code, details):
    product = make_product(stock=10, order_multiple=2, min_order_quantity=2)

    response = add(client_for(shop), product, quantity)

    body = assert_error(response, 422, code)
    if details:
        assert body["details"] == {"product_id": str(product.pk), **details}
    else:
        assert body["details"] == {"lines": [{"product_id": str(product.pk), "requested": 12, "available": 10}]}
    assert not CartItem.objects.exists()


def test_inactive_product_is_unavailable(client_for, shop, make_product):
    product = make_product(stock=10, is_active=False)

    assert_error(add(client_for(shop), product, 1), 422, "PRODUCT_UNAVAILABLE")


def test_zero_or_negative_quantity_is_a_validation_error(client_for, shop, make_product):
    product = make_product(stock=10)

    body = assert_error(add(client_for(shop), product, 0), 400, "VALIDATION_ERROR")
    assert list(body["details"]) == ["quantity"]


def test_a_pending_retailer_reads_but_cannot_change_the_cart(client_for, make_user, make_retailer, make_product):
    pending = make_user(role="retailer", retailer=make_retailer(status="pending"))
    client = client_for(pending)
    product = make_product(stock=10)

    assert client.get(CART).status_code == 200
    body = assert_error(add(client, product, 1), 422, "RETAILER_NOT_ACTIVE")
    assert body["details"] == {"status": "pending"}
    assert not CartItem.objects.exists()


def test_members_share_the_cart(client_for, shop, make_user, make_product):
    colleague = make_user(role="retailer", retailer=shop.retailer)
    product = make_product(stock=10)

    add(client_for(shop), product, 2)
    cart = client_for(colleague).get(CART).json()["data"]

    assert [line["quantity"] for line in cart["items"]] == [2]


def test_set_remove_and_clear(client_for, shop, make_product):
    first, second = make_product(stock=10), make_product(stock=10)
    client = client_for(shop)
    add(client, first, 2)
    add(client, second, 2)

    assert (
        client.patch(f"{CART}/items/{first.pk}", {"quantity": 5}, format="json").json()["data"]["items"][0]["quantity"]
        == 5
    )
    assert client.delete(f"{CART}/items/{second.pk}").status_code == 204
    assert list(CartItem.objects.values_list("quantity", flat=True)) == [5]
    assert client.delete(CART).status_code == 204
    assert not CartItem.objects.exists()


def test_cart_problems_show_after_the_catalog_changed(client_for, shop, make_product):
    product = make_product(stock=10)
    client = client_for(shop)
    add(client, product, 8)
    product.__class__.objects.filter(pk=product.pk).update(stock_quantity=5)

    line = client.get(CART).json()["data"]["items"][0]

    assert line["problems"] == ["INSUFFICIENT_STOCK"]


def sync(client, actions, device="phone-1"):
    return client.post(f"{CART}/sync", {"device_id": device, "actions": actions}, format="json")


def test_sync_applies_in_order_adjusts_to_stock_and_rejects_unknown_products(client_for, shop, make_product):
    oil = make_product(stock=7, order_multiple=2, min_order_quantity=2)
    milk = make_product(stock=100)
    client = client_for(shop)
    actions = [
        {"client_action_id": "a1", "action": "add", "product_id": str(milk.pk), "quantity": 3},
        {"client_action_id": "a2", "action": "add", "product_id": str(milk.pk), "quantity": 2},
        {"client_action_id": "a3", "action": "set", "product_id": str(oil.pk), "quantity": 10},
        {
            "client_action_id": "a4",
            "action": "add",
            "product_id": "00000000-0000-0000-0000-000000000000",
            "quantity": 1,
        },
    ]

    response = sync(client, actions)

    data = response.json()["data"]
    assert [(r["client_action_id"], r["result"], r["quantity"], r["error_code"]) for r in data["results"]] == [
        ("a1", "applied", 3, None),
        ("a2", "applied", 5, None),
        ("a3", "adjusted", 6, None),  # 10 wanted, 7 in stock, multiples of 2
        ("a4", "rejected", 0, "PRODUCT_UNAVAILABLE"),
    ]
    assert sorted(line["quantity"] for line in data["cart"]["items"]) == [5, 6]


def test_replaying_fifty_actions_returns_the_stored_results_and_changes_nothing(client_for, shop, make_product):
    products = [make_product(stock=1000) for _ in range(5)]
    client = client_for(shop)
    actions = [
        {"client_action_id": f"act-{i}", "action": "add", "product_id": str(products[i % 5].pk), "quantity": 1}
        for i in range(50)
    ]
    first = sync(client, actions).json()["data"]["results"]
    # the world changes between the two calls
    client.delete(CART)
    add(client, products[0], 3)

    replay = sync(client, actions).json()["data"]

    assert replay["results"] == first
    assert [(line["product"]["id"], line["quantity"]) for line in replay["cart"]["items"]] == [(str(products[0].pk), 3)]
    assert CartAction.objects.count() == 50


def test_same_action_id_with_another_payload_is_an_idempotency_conflict(client_for, shop, make_product):
    product = make_product(stock=100)
    client = client_for(shop)
    sync(client, [{"client_action_id": "x", "action": "add", "product_id": str(product.pk), "quantity": 1}])

    result = sync(client, [{"client_action_id": "x", "action": "add", "product_id": str(product.pk), "quantity": 9}])

    assert result.json()["data"]["results"] == [
        {"client_action_id": "x", "result": "rejected", "quantity": None, "error_code": "IDEMPOTENCY_CONFLICT"}
    ]
    assert CartItem.objects.get().quantity == 1


def test_sync_accepts_at_most_100_actions(client_for, shop):
    actions = [{"client_action_id": str(i), "action": "clear"} for i in range(101)]

    assert_error(sync(client_for(shop), actions), 400, "VALIDATION_ERROR")
    assert not CartAction.objects.exists()


def test_credit_figures_beyond_a_column_still_read(client_for, shop):
    """Available credit is a difference of two 14-digit columns: it may need 15 digits."""
    retailer = shop.retailer
    retailer.credit_limit = D("999999999999.99")
    retailer.balance = D("-999999999999.99")  # the retailer paid that much in advance
    retailer.save(update_fields=["credit_limit", "balance"])

    response = client_for(shop).get(CART)

    assert response.status_code == 200, response.json()
    cart = response.json()["data"]
    assert cart["available_credit"] == "1999999999999.98"
    assert cart["credit_after_order"] == "1999999999999.98"


def test_a_cart_add_reads_its_retailer_once_and_its_statements_do_not_grow_with_the_cart(
    client_for, shop, make_product
):
    """The answer's cart is read in a fixed number of statements (one on PostgreSQL) whatever
    its size; the retailer is read once, under its lock (the bench's cart add, docs/performance.md)."""
    client = client_for(shop)
    products = [make_product(stock=100, min_order_quantity=1, order_multiple=1) for _ in range(6)]
    add(client, products[0], 1)

    def statements(product):
        with CaptureQueriesContext(connection) as queries:
            assert add(client, product, 1).status_code == 200
        return [q["sql"] for q in queries.captured_queries if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))]

    small = statements(products[1])
    for product in products[2:5]:
        add(client, product, 1)
    large = statements(products[5])

    assert len(small) == len(large)
    assert sum('FROM "retailers_retailer"' in sql for sql in large) == 1
    assert sum("FOR NO KEY UPDATE" in sql for sql in large) == (1 if connection.features.has_select_for_update else 0)


def test_a_cart_change_reads_only_the_product_columns_its_rules_use(client_for, shop, make_product):
    """The product is read for its rules alone (availability, minimum, multiple, stock): building
    the statement of every product column cost a cart add more CPU than all its SQL
    (docs/performance.md, pass 2)."""
    product = make_product(stock=100, min_order_quantity=1, order_multiple=1)
    client = client_for(shop)

    with CaptureQueriesContext(connection) as queries:
        assert add(client, product, 1).status_code == 200
        assert client.patch(f"{CART}/items/{product.pk}", {"quantity": 2}, format="json").status_code == 200

    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('SELECT "products_product"."id"')]
    assert len(reads) == 2 and not any('"name_ar"' in sql or "ORDER BY" in sql for sql in reads), reads
