"""The stock owner's operations (products/services/stock.py): the multi-line locked operation,
the operations built on it, the one INSUFFICIENT_STOCK builder and the seeds' bulk writer."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from livrili.api.exceptions import exception_handler
from livrili.core.errors import DomainError
from products import selectors
from products.models import Product, StockMovement
from products.services.stock import (
    StockHistory,
    _add_stock,
    insufficient_stock,
    stock_apply,
    stock_check,
    stock_put_back,
    stock_set,
    stock_take,
    stock_totals,
)

pytestmark = pytest.mark.django_db


def stock_of(*products) -> list[int]:
    return [Product.objects.get(pk=product.pk).stock_quantity for product in products]


def chain(product) -> list[tuple]:
    return list(
        StockMovement.objects.filter(product=product)
        .order_by("created_at", "stock_after")
        .values_list("delta", "reason", "stock_after", "reference", "note")
    )


@pytest.fixture
def oil_and_sugar(make_product):
    return make_product(stock=50), make_product(stock=20)


def test_a_take_of_several_lines_writes_one_movement_per_product_with_its_stock_after(oil_and_sugar, catalog_staff):
    oil, sugar = oil_and_sugar

    movements = stock_take(
        quantities=stock_totals([(oil.pk, 10), (sugar.pk, 5), (oil.pk, 2)]),
        actor=catalog_staff,
        reference="ORD-2026-000001",
    )

    assert stock_of(oil, sugar) == [38, 15]
    assert sorted((m.product_id, m.delta, m.reason, m.stock_after) for m in movements) == sorted(
        [(oil.pk, -12, "order", 38), (sugar.pk, -5, "order", 15)]
    )
    assert [m.product_id for m in movements] == sorted([oil.pk, sugar.pk])  # product id order
    assert {m.actor for m in movements} == {catalog_staff}
    assert chain(oil)[-1] == (-12, "order", 38, "ORD-2026-000001", "")
    assert not selectors.stock_ledger_mismatches().exists()


def test_a_take_with_one_short_line_refuses_every_line_and_writes_nothing(oil_and_sugar):
    oil, sugar = oil_and_sugar
    before = StockMovement.objects.count()

    with pytest.raises(DomainError) as refused:
        stock_take(quantities={oil.pk: 10, sugar.pk: 21}, reference="ORD-2026-000002")

    assert refused.value.code == "INSUFFICIENT_STOCK"
    assert refused.value.details == {"lines": [{"product_id": str(sugar.pk), "requested": 21, "available": 20}]}
    assert stock_of(oil, sugar) == [50, 20]
    assert StockMovement.objects.count() == before
    assert not StockMovement.objects.filter(reference="ORD-2026-000002").exists()


def test_a_refusal_lists_every_short_line_in_product_id_order(oil_and_sugar):
    oil, sugar = oil_and_sugar

    with pytest.raises(DomainError) as refused:
        stock_take(quantities={oil.pk: 60, sugar.pk: 25})

    expected = sorted(
        [
            (oil.pk, {"product_id": str(oil.pk), "requested": 60, "available": 50}),
            (sugar.pk, {"product_id": str(sugar.pk), "requested": 25, "available": 20}),
        ]
    )
    assert refused.value.details == {"lines": [line for _pk, line in expected]}
    assert stock_of(oil, sugar) == [50, 20]


def test_put_back_returns_the_stock_with_its_reason(oil_and_sugar):
    oil, sugar = oil_and_sugar
    stock_take(quantities={oil.pk: 10, sugar.pk: 20}, reference="ORD-2026-000003")

    movements = stock_put_back(quantities={oil.pk: 10, sugar.pk: 20}, reason="return", reference="ORD-2026-000003")

    assert stock_of(oil, sugar) == [50, 20]
    assert sorted((m.product_id, m.delta, m.reason, m.stock_after) for m in movements) == sorted(
        [(oil.pk, 10, "return", 50), (sugar.pk, 20, "return", 20)]
    )
    assert chain(sugar)[-2:] == [(-20, "order", 0, "ORD-2026-000003", ""), (20, "return", 20, "ORD-2026-000003", "")]
    assert not selectors.stock_ledger_mismatches().exists()


def test_apply_drops_zero_deltas_and_an_unknown_product_is_not_found_with_nothing_written(oil_and_sugar):
    oil, sugar = oil_and_sugar
    before = StockMovement.objects.count()

    assert stock_apply(deltas={oil.pk: 0}, reason="order") == []
    with pytest.raises(DomainError) as missing:
        stock_apply(deltas={oil.pk: 5, uuid.uuid4(): 1}, reason="import")

    assert missing.value.code == "NOT_FOUND"
    assert stock_of(oil, sugar) == [50, 20]
    assert StockMovement.objects.count() == before


def test_set_writes_a_movement_only_for_the_products_whose_stock_changes(oil_and_sugar, make_product):
    oil, sugar = oil_and_sugar
    empty = make_product()

    movements = stock_set(
        quantities={oil.pk: 50, sugar.pk: 7, empty.pk: 12},
        reason="import",
        notes={sugar.pk: "Import line 3", empty.pk: "Import line 4"},
    )

    assert stock_of(oil, sugar, empty) == [50, 7, 12]
    assert sorted((m.product_id, m.delta, m.stock_after, m.note) for m in movements) == sorted(
        [(sugar.pk, -13, 7, "Import line 3"), (empty.pk, 12, 12, "Import line 4")]
    )
    with translation.override("en"), pytest.raises(DomainError) as negative:
        stock_set(quantities={oil.pk: -1}, reason="import")
    assert negative.value.details == {"quantity": ["Enter a positive quantity."]}


@pytest.mark.django_db(transaction=True)
def test_the_locked_operation_needs_the_callers_transaction(make_product):
    product = make_product(stock=5)

    with pytest.raises(TransactionManagementError):
        stock_take(quantities={product.pk: 1})
    with transaction.atomic():
        stock_take(quantities={product.pk: 1})

    assert stock_of(product) == [4]


def test_the_check_before_the_locks_answers_the_same_error_without_a_query(oil_and_sugar, django_assert_num_queries):
    oil, sugar = oil_and_sugar

    with django_assert_num_queries(0), pytest.raises(DomainError) as refused:
        stock_check(deltas={oil.pk: -10, sugar.pk: -30}, available={oil.pk: 50, sugar.pk: 20})

    assert refused.value.details == {"lines": [{"product_id": str(sugar.pk), "requested": 30, "available": 20}]}
    stock_check(deltas={oil.pk: -50}, available={oil.pk: 50})  # exactly the stock: allowed


def test_the_one_builder_answers_the_api_envelope():
    first, second = uuid.UUID(int=1), uuid.UUID(int=2)

    error = insufficient_stock([(second, 4, 3), (first, 9, 0)])
    with translation.override("en"):
        response = exception_handler(error, {})

    assert (error.code, error.status) == ("INSUFFICIENT_STOCK", 422)
    assert response.status_code == 422
    assert response.data == {
        "success": False,
        "error_code": "INSUFFICIENT_STOCK",
        "message": "Not enough stock.",
        "details": {
            "lines": [
                {"product_id": "00000000-0000-0000-0000-000000000001", "requested": 9, "available": 0},
                {"product_id": "00000000-0000-0000-0000-000000000002", "requested": 4, "available": 3},
            ]
        },
    }


class ListSink:
    def __init__(self):
        self.rows = []

    def add(self, row):
        self.rows.append(row)


def write_rows(rows):
    for row in rows:
        StockMovement.objects.create(
            **dict(
                zip(
                    ("id", "product_id", "delta", "reason", "stock_after", "reference", "actor_id", "note"),
                    row[:-1],
                    strict=True,
                )
            )
        )


def test_the_bulk_writer_chains_stock_after_from_the_recorded_stock_and_sets_the_product(oil_and_sugar):
    oil, sugar = oil_and_sugar
    sink = ListSink()
    history = StockHistory(product_ids=[oil.pk, sugar.pk], sink=sink)
    at = timezone.now() + timedelta(hours=1)  # after the opening movements

    assert history.move(product_id=oil.pk, delta=-30, reason="order", at=at, reference="ORD-1") == 20
    assert history.move(product_id=oil.pk, delta=100, reason="import", at=at, reference="REAPPRO") == 120
    assert history.move(product_id=oil.pk, delta=-120, reason="order", at=at - timedelta(days=1)) == 0
    with pytest.raises(ValueError, match="below zero"):
        history.move(product_id=sugar.pk, delta=-21, reason="order", at=at)

    assert [row[1:5] for row in sink.rows] == [
        (oil.pk, -30, "order", 20),
        (oil.pk, 100, "import", 120),
        (oil.pk, -120, "order", 0),
    ]
    # each product's movements strictly in time order, whatever moment was asked for
    assert [row[-1] for row in sink.rows] == [at, at + timedelta(microseconds=1), at + timedelta(microseconds=2)]
    write_rows(sink.rows)
    history.write_stock()
    assert stock_of(oil, sugar) == [0, 20]
    assert not selectors.stock_ledger_mismatches().exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_takes_crossing_the_same_products_neither_deadlock_nor_oversell(make_product):
    products = [make_product(stock=10) for _ in range(3)]
    barrier = threading.Barrier(12)
    results: list[str] = []
    lock = threading.Lock()

    def take(order):
        try:
            barrier.wait()
            try:
                with transaction.atomic():
                    # lines in a different order per thread: the locks are still taken in pk order
                    stock_take(quantities={products[i].pk: 2 for i in order})
                outcome = "ok"
            except DomainError as exc:
                outcome = exc.code
            with lock:
                results.append(outcome)
        finally:
            connection.close()

    orders = [(0, 1, 2), (2, 1, 0), (1, 2, 0)] * 4
    threads = [threading.Thread(target=take, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == ["INSUFFICIENT_STOCK"] * 7 + ["ok"] * 5
    assert stock_of(*products) == [0, 0, 0]
    for product in products:
        taken = StockMovement.objects.filter(product=product, reason="order").order_by("created_at")
        assert [m.stock_after for m in taken] == [8, 6, 4, 2, 0]
    assert not selectors.stock_ledger_mismatches().exists()


def test_the_stock_update_changes_only_rows_that_stay_non_negative_and_counts_them(oil_and_sugar, make_product):
    # the last line of defence under the locks: a delta that would take a row below zero leaves it
    oil, sugar = oil_and_sugar
    flour = make_product(stock=7)
    ids = sorted([oil.pk, sugar.pk, flour.pk])
    deltas = {oil.pk: -50, sugar.pk: -21, flour.pk: 3}

    with CaptureQueriesContext(connection) as queries:
        changed = _add_stock(ids, [deltas[pk] for pk in ids])

    assert changed == 2
    assert stock_of(oil, sugar, flour) == [0, 20, 10]
    # one statement whatever the number of products; on PostgreSQL the deltas are two arrays, not
    # a CASE with a branch per product built twice by the ORM (2.5 ms of CPU for 10 lines)
    assert len(queries.captured_queries) == 1
    if connection.vendor == "postgresql":
        assert "CASE" not in queries.captured_queries[0]["sql"]
