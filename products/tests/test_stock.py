import threading

import pytest
from django.db import ProgrammingError, connection

from livrili.core.errors import DomainError
from livrili.core.testing.assertions import assert_error
from products import selectors
from products.models import Product, StockMovement
from products.services.stock import stock_adjust

pytestmark = pytest.mark.django_db


def movements(product):
    return list(
        StockMovement.objects.filter(product=product)
        .order_by("created_at")
        .values_list("delta", "reason", "stock_after")
    )


def test_stock_operations_write_one_movement_each_and_keep_the_ledger_sum(client_for, catalog_staff, make_product):
    product = make_product()
    client = client_for(catalog_staff)
    url = f"/api/v1/products/{product.pk}/stock"

    set_ = client.post(url, {"operation": "set", "quantity": 50, "note": "inventory"}, format="json")
    add = client.post(url, {"operation": "add", "quantity": 12}, format="json")
    subtract = client.post(url, {"operation": "subtract", "quantity": 60}, format="json")

    assert [r.status_code for r in (set_, add, subtract)] == [200, 200, 200]
    assert subtract.json()["data"]["stock_quantity"] == 2
    assert movements(product) == [(50, "adjust_set", 50), (12, "adjust_add", 62), (-60, "adjust_subtract", 2)]
    first = StockMovement.objects.get(reason="adjust_set")
    assert (first.actor, first.note) == (catalog_staff, "inventory")
    history = client.get(f"/api/v1/products/{product.pk}/stock-movements").json()
    assert [m["stock_after"] for m in history["data"]] == [2, 62, 50]


def test_subtract_below_zero_is_refused_and_changes_nothing(client_for, catalog_staff, make_product):
    product = make_product(stock=3)

    response = client_for(catalog_staff).post(
        f"/api/v1/products/{product.pk}/stock", {"operation": "subtract", "quantity": 4}, format="json"
    )

    body = assert_error(response, 422, "INSUFFICIENT_STOCK")
    assert body["details"] == {"lines": [{"product_id": str(product.pk), "requested": 4, "available": 3}]}
    product.refresh_from_db()
    assert product.stock_quantity == 3
    assert movements(product) == [(3, "adjust_set", 3)]


def test_set_to_the_current_value_writes_no_movement(make_product):
    product = make_product(stock=7)

    assert stock_adjust(actor=None, product=product, operation="set", quantity=7) is None
    assert StockMovement.objects.filter(product=product).count() == 1


@pytest.mark.parametrize(
    ("perms", "status", "code"), [((), 403, "FORBIDDEN"), (("products.view_product",), 403, "FORBIDDEN")]
)
def test_staff_without_adjust_stock_gets_403_and_nothing_changes(
    client_for, make_user, make_product, perms, status, code
):
    product = make_product(stock=5)
    staff = make_user(role="admin", perms=perms)

    response = client_for(staff).post(
        f"/api/v1/products/{product.pk}/stock", {"operation": "set", "quantity": 99}, format="json"
    )

    assert_error(response, status, code)
    product.refresh_from_db()
    assert product.stock_quantity == 5
    assert StockMovement.objects.filter(product=product).count() == 1


def test_stock_is_read_only_through_product_create_and_update(client_for, catalog_staff, make_product):
    product = make_product(stock=4)

    response = client_for(catalog_staff).patch(
        f"/api/v1/products/{product.pk}", {"stock_quantity": 1000, "brand": "Cevital"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["data"]["stock_quantity"] == 4
    assert response.json()["data"]["brand"] == "Cevital"


def test_a_movement_cannot_be_edited_or_deleted(make_product):
    product = make_product(stock=2)
    movement = StockMovement.objects.get(product=product)

    with pytest.raises(Exception, match="append-only"):
        movement.save()
    with pytest.raises(Exception, match="append-only"):
        movement.delete()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_subtractions_on_a_stock_of_ten_sell_exactly_ten(make_product):
    product = make_product(stock=10)
    barrier = threading.Barrier(20)
    results: list[str] = []
    lock = threading.Lock()

    def subtract_one():
        try:
            barrier.wait()
            try:
                stock_adjust(actor=None, product=product, operation="subtract", quantity=1)
                outcome = "ok"
            except DomainError as exc:
                outcome = exc.code
            with lock:
                results.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=subtract_one) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == ["INSUFFICIENT_STOCK"] * 10 + ["ok"] * 10
    product.refresh_from_db()
    assert product.stock_quantity == 0
    subtractions = StockMovement.objects.filter(product=product, reason="adjust_subtract").order_by("created_at")
    assert [m.stock_after for m in subtractions] == [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
    assert all(m.delta == -1 for m in subtractions)
    assert sum(StockMovement.objects.filter(product=product).values_list("delta", flat=True)) == 0
    assert not Product.objects.filter(stock_quantity__lt=0).exists()
    assert not selectors.stock_ledger_mismatches().exists()


@pytest.mark.postgres
def test_the_database_refuses_to_update_a_movement(make_product):
    product = make_product(stock=4)

    with pytest.raises(ProgrammingError, match="append-only"):
        StockMovement.objects.filter(product=product).update(note="rewritten")


@pytest.mark.postgres
def test_deleting_a_user_keeps_their_movements(make_user, make_product):
    staff = make_user(role="admin")
    product = make_product()
    stock_adjust(actor=staff, product=product, operation="add", quantity=2)

    staff.delete()

    assert list(StockMovement.objects.filter(product=product).values_list("delta", "actor")) == [(2, None)]
