from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from livrili.core.errors import DomainError
from livrili.core.models import AuditLog, BusinessSettings
from livrili.core.testing.assertions import assert_error
from orders.models import CartItem, Order, OrderEvent, OrderItem
from orders.rules import earliest_delivery_date
from orders.services.edit import order_edit
from orders.services.lifecycle import order_cancel
from orders.services.placement import LineRequest, order_place
from products.models import Product, StockMovement
from retailers.models import LedgerEntry

pytestmark = pytest.mark.django_db

ORDERS = "/api/v1/retailers/orders"


def fill_cart(retailer, *lines):
    for product, quantity in lines:
        CartItem.objects.create(retailer=retailer, product=product, quantity=quantity)


def place(client, key="key-1", **body):
    body.setdefault("payment_method", "credit")
    return client.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.fixture
def two_products(make_product):
    return (
        make_product(stock=50, base_price=D("120.00"), tax_rate=D("19.00")),
        make_product(stock=20, base_price=D("250.00"), tax_rate=D("9.00")),
    )


def test_placing_the_cart_writes_the_order_stock_ledger_and_event(client_for, shop, two_products):
    oil, sugar = two_products
    fill_cart(shop.retailer, (oil, 10), (sugar, 4))

    response = place(client_for(shop), notes="Back door")

    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    # 1200.00 + 228.00 (19 %) and 1000.00 + 90.00 (9 %); fee 300.00 + 57.00
    assert (data["subtotal"], data["tax_total"], data["delivery_fee"], data["stamp_duty"], data["total"]) == (
        "2200.00",
        "375.00",
        "300.00",
        "0.00",
        "2875.00",
    )
    assert data["status"] == "pending" and data["notes"] == "Back door"
    assert data["number"].startswith(f"ORD-{timezone.localdate().year}-")
    assert data["requested_delivery_date"] == earliest_delivery_date(BusinessSettings.load()).isoformat()
    order = Order.objects.get()
    assert sorted(OrderItem.objects.values_list("sku", "quantity", "line_total")) == sorted(
        [(oil.sku, 10, D("1428.00")), (sugar.sku, 4, D("1090.00"))]
    )
    assert sorted(Product.objects.values_list("stock_quantity", flat=True)) == [16, 40]
    assert set(StockMovement.objects.filter(reason="order").values_list("delta", "reference")) == {
        (-10, order.number),
        (-4, order.number),
    }
    entry = LedgerEntry.objects.get()
    assert (entry.kind, entry.amount, entry.balance_after, entry.order_id) == (
        "order_charge",
        D("2875.00"),
        D("2875.00"),
        order.pk,
    )
    assert list(OrderEvent.objects.values_list("type", flat=True)) == ["placed"]
    assert not CartItem.objects.exists()


def test_a_sale_keeps_the_products_cached_catalog_representation(client_for, shop, two_products):
    """Cached retail representations are keyed by `updated_at`; stock is read live, so taking
    stock must not retire them."""
    oil, sugar = two_products
    stamps = dict(Product.objects.values_list("pk", "updated_at"))
    fill_cart(shop.retailer, (oil, 10), (sugar, 4))

    assert place(client_for(shop)).status_code == 201

    assert dict(Product.objects.values_list("pk", "updated_at")) == stamps


def test_cash_orders_carry_stamp_duty_and_are_not_charged_at_placement(client_for, shop, two_products):
    oil, sugar = two_products
    fill_cart(shop.retailer, (oil, 10), (sugar, 4))

    data = place(client_for(shop), payment_method="cash").json()["data"]

    assert (data["stamp_duty"], data["total"]) == ("29.00", "2904.00")
    assert not LedgerEntry.objects.exists()


def test_the_idempotency_key_is_required(client_for, shop, two_products):
    fill_cart(shop.retailer, (two_products[0], 10))

    response = client_for(shop).post(ORDERS, {"payment_method": "cash"}, format="json")

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert list(body["details"]) == ["Idempotency-Key"]
    assert not Order.objects.exists()


def test_a_replay_returns_the_same_order_and_another_body_conflicts(client_for, shop, two_products):
    oil, _sugar = two_products
    fill_cart(shop.retailer, (oil, 10))
    client = client_for(shop)
    first = place(client, key="k")
    fill_cart(shop.retailer, (oil, 10))  # the cart changed meanwhile

    replay = place(client, key="k")
    other = place(client, key="k", payment_method="cash")

    assert replay.status_code == 201
    assert replay.json()["data"]["id"] == first.json()["data"]["id"]
    assert_error(other, 409, "IDEMPOTENCY_CONFLICT")
    assert Order.objects.count() == 1
    assert LedgerEntry.objects.count() == 1
    assert Product.objects.get(pk=oil.pk).stock_quantity == 40


def nothing_written(stock_before: dict):
    assert not Order.objects.exists()
    assert not LedgerEntry.objects.exists()
    assert not StockMovement.objects.filter(reason="order").exists()
    assert dict(Product.objects.values_list("pk", "stock_quantity")) == stock_before


def test_price_changed_answers_the_new_cart_and_writes_nothing(client_for, shop, two_products):
    oil, _sugar = two_products
    fill_cart(shop.retailer, (oil, 10))
    stock = dict(Product.objects.values_list("pk", "stock_quantity"))

    response = place(client_for(shop), expected_total="1000.00")

    body = assert_error(response, 409, "PRICE_CHANGED")
    assert (body["details"]["expected_total"], body["details"]["total"]) == ("1000.00", "1785.00")
    assert body["details"]["cart"]["items"][0]["quantity"] == 10
    nothing_written(stock)
    assert CartItem.objects.count() == 1


def test_insufficient_stock_lists_every_short_line(client_for, shop, two_products):
    oil, sugar = two_products
    fill_cart(shop.retailer, (oil, 60), (sugar, 25))
    stock = dict(Product.objects.values_list("pk", "stock_quantity"))

    body = assert_error(place(client_for(shop)), 422, "INSUFFICIENT_STOCK")

    assert sorted(body["details"]["lines"], key=lambda line: line["requested"]) == [
        {"product_id": str(sugar.pk), "requested": 25, "available": 20},
        {"product_id": str(oil.pk), "requested": 60, "available": 50},
    ]
    nothing_written(stock)


def test_credit_limit_exceeded_under_the_reject_policy(client_for, shop, two_products, debt):
    oil, _sugar = two_products
    debt(shop.retailer, "99000.00")
    fill_cart(shop.retailer, (oil, 10))
    stock = dict(Product.objects.values_list("pk", "stock_quantity"))

    body = assert_error(place(client_for(shop)), 422, "CREDIT_LIMIT_EXCEEDED")

    assert body["details"] == {"available_credit": "1000.00", "required": "1785.00"}
    assert not Order.objects.exists()
    assert dict(Product.objects.values_list("pk", "stock_quantity")) == stock


def test_a_stock_shortfall_answers_before_the_credit_check(client_for, shop, two_products, debt):
    oil, _sugar = two_products
    debt(shop.retailer, "99000.00")
    fill_cart(shop.retailer, (oil, 60))

    body = assert_error(place(client_for(shop)), 422, "INSUFFICIENT_STOCK")

    assert body["details"]["lines"] == [{"product_id": str(oil.pk), "requested": 60, "available": 50}]
    assert not Order.objects.exists()


@pytest.mark.postgres
def test_products_are_locked_after_the_order_is_written(client_for, shop, two_products):
    """Popular products stay locked for the stock update and the commit only (SQLite emits no
    FOR UPDATE: PostgreSQL only)."""
    oil, sugar = two_products
    fill_cart(shop.retailer, (oil, 10), (sugar, 2))

    client = client_for(shop)
    with CaptureQueriesContext(connection) as ctx:
        assert place(client).status_code == 201

    sql = [q["sql"] for q in ctx.captured_queries]
    product_lock = next(i for i, q in enumerate(sql) if 'FROM "products_product"' in q and "FOR UPDATE" in q)
    writes = [i for i, q in enumerate(sql) if q.startswith(("INSERT", "UPDATE", "DELETE"))]
    stock_writes = [i for i in writes if '"products_' in sql[i]]
    # the stored first answer (idempotency) is the order as placed, so it is written last
    answer_writes = [i for i in writes if '"core_idempotencyrecord"' in sql[i]]
    order_writes = [i for i in writes if i not in stock_writes and i not in answer_writes]
    assert len(stock_writes) == 2 and min(stock_writes) > product_lock  # the stock UPDATE, the movements
    assert len(order_writes) >= 5 and max(order_writes) < product_lock  # order, items, event, charge, cart


@pytest.mark.postgres
def test_a_placement_reads_its_retailer_under_the_lock_only(client_for, shop, two_products):
    """No unlocked read of the retailer before the workflow locks it (the view hands the service
    its key): one statement less per placement (docs/performance.md)."""
    fill_cart(shop.retailer, (two_products[0], 10))
    client = client_for(shop)

    with CaptureQueriesContext(connection) as ctx:
        assert place(client).status_code == 201

    reads = [q["sql"] for q in ctx.captured_queries if 'FROM "retailers_retailer"' in q["sql"]]
    assert reads and all("FOR NO KEY UPDATE" in sql for sql in reads)


def test_over_the_limit_under_the_hold_policy_the_order_waits_without_a_charge(client_for, shop, two_products, debt):
    BusinessSettings.objects.update_or_create(id=1, defaults={"credit_policy": "hold"})
    BusinessSettings.load().save()
    debt(shop.retailer, "99000.00")
    fill_cart(shop.retailer, (two_products[0], 10))

    data = place(client_for(shop)).json()["data"]

    assert data["status"] == "on_hold"
    assert LedgerEntry.objects.filter(kind="order_charge").count() == 0
    assert Product.objects.get(pk=two_products[0].pk).stock_quantity == 40  # reserved
    assert list(OrderEvent.objects.values_list("type", flat=True)) == ["placed", "held"]


@pytest.mark.parametrize(
    ("cart", "code"),
    [("empty", "CART_EMPTY"), ("small", "MIN_ORDER_VALUE_NOT_MET")],
)
def test_empty_cart_and_minimum_order_value(client_for, shop, make_product, cart, code):
    if cart == "small":
        fill_cart(shop.retailer, (make_product(stock=10, base_price=D("100.00"), tax_rate=D("0.00")), 3))

    body = assert_error(place(client_for(shop)), 422, code)

    if code == "MIN_ORDER_VALUE_NOT_MET":
        assert body["details"] == {"minimum": "1000.00", "current": "300.00", "remaining": "700.00"}
    assert not Order.objects.exists()


def test_past_or_weekend_delivery_dates_are_refused(client_for, shop, two_products):
    fill_cart(shop.retailer, (two_products[0], 10))
    earliest = earliest_delivery_date(BusinessSettings.load())
    friday = earliest + timedelta(days=(5 - earliest.isoweekday()) % 7)

    for day in (timezone.localdate() - timedelta(days=1), friday):
        body = assert_error(place(client_for(shop), requested_delivery_date=day.isoformat()), 400, "VALIDATION_ERROR")
        assert list(body["details"]) == ["requested_delivery_date"]
    assert not Order.objects.exists()


def test_placement_query_count_does_not_grow_with_lines(client_for, shop, make_product):
    products = [make_product(stock=100, base_price=D("500.00")) for _ in range(31)]
    shop.retailer.credit_limit = D("10000000.00")
    shop.retailer.save()
    client = client_for(shop)

    def count(lines, key):
        fill_cart(shop.retailer, *[(p, 2) for p in lines])
        with CaptureQueriesContext(connection) as queries:
            assert place(client, key=key).status_code == 201
        return len(queries)

    count(products[:1], "warm-up")  # first use fills the settings and category caches
    assert count(products[:1], "one") == count(products[1:], "thirty")


def test_retailer_b_cannot_see_cancel_or_reorder_as_orders(client_for, shop, other_shop, two_products):
    fill_cart(shop.retailer, (two_products[0], 10))
    order_id = place(client_for(shop)).json()["data"]["id"]
    intruder = client_for(other_shop)

    assert_error(intruder.get(f"{ORDERS}/{order_id}"), 404, "NOT_FOUND")
    assert_error(intruder.get(f"{ORDERS}/{order_id}/tracking"), 404, "NOT_FOUND")
    assert_error(intruder.post(f"{ORDERS}/{order_id}/cancel", {"reason": "x"}, format="json"), 404, "NOT_FOUND")
    assert_error(intruder.post(f"{ORDERS}/{order_id}/reorder"), 404, "NOT_FOUND")
    assert intruder.get(ORDERS).json()["pagination"]["total"] == 0
    assert Order.objects.get().status == "pending"
    assert not CartItem.objects.filter(retailer=other_shop.retailer).exists()


def test_staff_manual_order_with_a_line_discount(client_for, sales, shop, two_products):
    oil, _sugar = two_products
    body = {
        "retailer_id": str(shop.retailer.pk),
        "payment_method": "cash",
        "items": [{"product_id": str(oil.pk), "quantity": 10, "discount": "50.00", "discount_reason": "Loyalty"}],
    }

    response = client_for(sales).post("/api/v1/orders", body, format="json", HTTP_IDEMPOTENCY_KEY="m1")

    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    # 1200 − 50 = 1150.00; tax 218.50; fee 300 + 57; total 1725.50 → stamp 18 → 1743.50
    assert (data["subtotal"], data["discount_total"], data["tax_total"], data["total"]) == (
        "1150.00",
        "50.00",
        "275.50",
        "1743.50",
    )
    assert data["channel"] == "admin"
    item = OrderItem.objects.get()
    assert (item.discount, item.discount_reason) == (D("50.00"), "Loyalty")


def test_a_discount_needs_a_reason(client_for, sales, shop, two_products):
    body = {
        "retailer_id": str(shop.retailer.pk),
        "payment_method": "cash",
        "items": [{"product_id": str(two_products[0].pk), "quantity": 10, "discount": "5.00"}],
    }

    response = client_for(sales).post("/api/v1/orders", body, format="json", HTTP_IDEMPOTENCY_KEY="m2")

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert list(body["details"]) == ["items.0.discount_reason"]
    assert not Order.objects.exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_the_placement_service_itself_refuses_a_discount_without_a_reason(sales, shop, two_products, reason):
    oil, sugar = two_products
    lines = [LineRequest(product_id=sugar.pk, quantity=4), LineRequest(oil.pk, 10, D("5.00"), reason)]
    audits, movements = AuditLog.objects.count(), StockMovement.objects.count()

    with pytest.raises(DomainError) as refused:
        order_place(
            retailer=shop.retailer,
            actor=sales,
            payment_method="cash",
            idempotency_key="k",
            fingerprint="f",
            lines=lines,
        )

    assert refused.value.code == "VALIDATION_ERROR"
    assert list(refused.value.details) == ["items.1.discount_reason"]
    assert not Order.objects.exists()
    assert (AuditLog.objects.count(), StockMovement.objects.count()) == (audits, movements)


def test_the_edit_service_itself_refuses_a_discount_without_a_reason(sales, shop, two_products):
    oil, _sugar = two_products
    fill_cart(shop.retailer, (oil, 10))
    order, _ = order_place(
        retailer=shop.retailer, actor=shop, payment_method="cash", idempotency_key="k", fingerprint="f"
    )
    events = OrderEvent.objects.count()

    with pytest.raises(DomainError) as refused:
        order_edit(order=order, actor=sales, lines=[LineRequest(oil.pk, 12, D("5.00"), "")])

    assert refused.value.code == "VALIDATION_ERROR"
    assert list(refused.value.details) == ["items.0.discount_reason"]
    assert list(order.items.values_list("quantity", "discount")) == [(10, D("0.00"))]
    assert OrderEvent.objects.count() == events


def test_business_errors_come_in_the_request_language(client_for, shop):
    client = client_for(shop)

    french = client.post(f"{ORDERS}?lang=fr", {"payment_method": "cash"}, format="json", HTTP_IDEMPOTENCY_KEY="a")
    arabic = client.post(ORDERS, {"payment_method": "cash"}, format="json", HTTP_IDEMPOTENCY_KEY="b")

    assert assert_error(french, 422, "CART_EMPTY")["message"] == "Le panier est vide."
    assert assert_error(arabic, 422, "CART_EMPTY")["message"] == "السلة فارغة."


DEAD_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
    }
}


def test_a_redis_outage_does_not_fail_placement(client_for, shop, two_products, settings):
    fill_cart(shop.retailer, (two_products[0], 10))
    client = client_for(shop)
    settings.CACHES = DEAD_REDIS

    response = place(client)

    assert response.status_code == 201, response.json()
    assert Order.objects.count() == 1


def test_the_profile_shows_this_months_orders(client_for, shop, two_products):
    fill_cart(shop.retailer, (two_products[0], 10))
    place(client_for(shop))

    profile = client_for(shop).get("/api/v1/retailers/profile").json()["data"]

    assert (profile["month_order_count"], profile["month_spend"]) == (1, "1785.00")


def test_a_replay_answers_exactly_the_first_status_and_body_after_the_world_changed(
    client_for, shop, sales, two_products
):
    oil, sugar = two_products
    fill_cart(shop.retailer, (oil, 10))
    client = client_for(shop)
    first = place(client, key="replay-me", notes="Morning please")
    order = Order.objects.get()
    # the world changes: the order is cancelled and the cart is filled again
    order_cancel(order=order, actor=sales, reason="Out of route")
    fill_cart(shop.retailer, (sugar, 4))

    replay = place(client, key="replay-me", notes="Morning please")

    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert replay.json()["data"]["status"] == "pending"
    assert Order.objects.count() == 1
    assert CartItem.objects.get().product_id == sugar.pk  # the replay placed nothing


def test_staff_manual_order_replay_answers_the_first_body(client_for, sales, shop, two_products):
    oil, _sugar = two_products
    body = {
        "retailer_id": str(shop.retailer_id),
        "payment_method": "cash",
        "items": [{"product_id": str(oil.pk), "quantity": 10}],
    }
    client = client_for(sales)
    first = client.post("/api/v1/orders", body, format="json", HTTP_IDEMPOTENCY_KEY="manual-1")
    client.post(f"/api/v1/orders/{first.json()['data']['id']}/status", {"status": "confirmed"}, format="json")

    replay = client.post("/api/v1/orders", body, format="json", HTTP_IDEMPOTENCY_KEY="manual-1")
    other = client.post("/api/v1/orders", {**body, "notes": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="manual-1")

    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert_error(other, 409, "IDEMPOTENCY_CONFLICT")
    assert Order.objects.count() == 1


def test_an_order_whose_totals_would_not_fit_their_columns_is_refused_and_writes_nothing(
    client_for, shop, make_product
):
    # given a line worth more than an amount column holds (14 digits: below 10^12 DZD)
    gold = make_product(stock=1_000_000, base_price=D("999999999.99"), tax_rate=D("19.00"))
    shop.retailer.credit_limit = D("999999999999.99")
    shop.retailer.save(update_fields=["credit_limit"])
    fill_cart(shop.retailer, (gold, 5000))
    # when it is placed
    response = place(client_for(shop), payment_method="cash")
    # then it is a clear 400 and nothing is written
    assert_error(response, 400, "VALIDATION_ERROR")
    assert (Order.objects.count(), OrderItem.objects.count(), LedgerEntry.objects.count()) == (0, 0, 0)
    assert StockMovement.objects.filter(product=gold).count() == 1  # the opening stock only
    gold.refresh_from_db()
    assert gold.stock_quantity == 1_000_000
