from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from livrili.core.errors import DomainError
from livrili.core.models import BusinessSettings
from livrili.core.testing.assertions import assert_error
from orders.models import CartItem, Order, OrderEvent
from orders.rules import TRANSITIONS, allowed_targets
from orders.services import locks
from orders.services.expiry import orders_expire_holds
from orders.services.lifecycle import order_advance, order_cancel, order_release_hold, order_return, order_set_status
from products.models import Product, StockMovement
from retailers.models import LedgerEntry, Retailer

pytestmark = pytest.mark.django_db


@pytest.fixture
def oil(make_product):
    return make_product(stock=50, base_price=D("120.00"), tax_rate=D("19.00"))


@pytest.fixture
def place(shop, oil, place_cart):
    """Place a 10 × oil order (1785.00 on credit, 1803.00 in cash) for `shop`."""

    def make(payment_method="credit", quantity=10):
        return place_cart(shop, oil, quantity=quantity, payment_method=payment_method)

    return make


def move_to(order, status, actor):
    path = ["confirmed", "processing", "shipped", "delivered"]
    for step in path[: path.index(status) + 1]:
        order_set_status(order=order, actor=actor, status=step)
    order.refresh_from_db()
    return order


def balance(shop):
    return Retailer.objects.get(pk=shop.retailer_id).balance


@pytest.mark.parametrize("status", ["pending", "confirmed", "processing"])
def test_cancel_restores_exactly_the_stock_and_credit_taken(client_for, sales, shop, oil, place, status):
    order = place()
    if status != "pending":
        move_to(order, status, sales)
    assert (Product.objects.get(pk=oil.pk).stock_quantity, balance(shop)) == (40, D("1785.00"))

    response = client_for(sales).post(
        f"/api/v1/orders/{order.pk}/cancel", {"reason": "Customer request"}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["data"]["status"] == "cancelled"
    assert Product.objects.get(pk=oil.pk).stock_quantity == 50
    assert list(StockMovement.objects.filter(reason="order_cancel").values_list("delta", "stock_after")) == [(10, 50)]
    assert balance(shop) == D("0.00")
    assert list(LedgerEntry.objects.order_by("position").values_list("kind", "amount", "balance_after")) == [
        ("order_charge", D("1785.00"), D("1785.00")),
        ("order_reversal", D("-1785.00"), D("0.00")),
    ]
    order.refresh_from_db()
    assert (order.cancel_reason, order.cancelled_by) == ("Customer request", sales)


def test_cancel_an_on_hold_order_restores_stock_and_posts_nothing(shop, oil, place, finance, debt):
    BusinessSettings.objects.update_or_create(id=1, defaults={"credit_policy": "hold"})
    BusinessSettings.load().save()
    debt(shop.retailer, "99000.00")
    order = place()
    assert order.status == "on_hold"

    order_cancel(order=order, actor=finance, reason="No credit")

    assert Product.objects.get(pk=oil.pk).stock_quantity == 50
    assert list(LedgerEntry.objects.values_list("kind", flat=True)) == ["adjustment_debit"]


def test_a_cash_order_delivered_posts_exactly_its_total(shop, place, sales):
    order = place(payment_method="cash")
    assert not LedgerEntry.objects.filter(order=order).exists()

    move_to(order, "delivered", sales)

    entry = LedgerEntry.objects.get(order=order)
    assert (entry.kind, entry.amount, order.total) == ("order_charge", D("1803.00"), D("1803.00"))
    assert balance(shop) == D("1803.00")
    assert order.delivered_at is not None


def test_return_of_a_shipped_order_brings_stock_back_and_reverses_the_charge(client_for, sales, shop, oil, place):
    order = move_to(place(), "shipped", sales)

    response = client_for(sales).post(
        f"/api/v1/orders/{order.pk}/status", {"status": "returned", "note": "Shop closed"}, format="json"
    )

    assert response.json()["data"]["status"] == "returned"
    assert Product.objects.get(pk=oil.pk).stock_quantity == 50
    assert StockMovement.objects.filter(reason="return").get().delta == 10
    assert balance(shop) == D("0.00")


def test_a_shipped_order_cannot_be_cancelled_and_nothing_changes(client_for, sales, shop, oil, place):
    order = move_to(place(), "shipped", sales)

    response = client_for(sales).post(f"/api/v1/orders/{order.pk}/cancel", {"reason": "late"}, format="json")

    body = assert_error(response, 422, "INVALID_TRANSITION")
    assert body["details"] == {"from": "shipped", "to": "cancelled", "allowed": ["delivered", "returned"]}
    assert Product.objects.get(pk=oil.pk).stock_quantity == 40
    assert balance(shop) == D("1785.00")


STATUS_TARGETS = ["confirmed", "processing", "shipped", "delivered", "returned"]
ILLEGAL = [
    (start, target)
    for start in ["pending", "confirmed", "processing", "shipped", "delivered", "cancelled", "returned"]
    for target in STATUS_TARGETS
    if target not in TRANSITIONS[start]
]


def bring_to(order, status, actor):
    if status == "cancelled":
        order_cancel(order=order, actor=actor, reason="test")
    elif status == "returned":
        move_to(order, "shipped", actor)
        order_return(order=order, actor=actor, reason="test")
    elif status != "pending":
        move_to(order, status, actor)
    order.refresh_from_db()
    return order


@pytest.mark.parametrize(("start", "target"), ILLEGAL)
def test_every_illegal_transition_answers_422_with_the_allowed_ones(client_for, sales, place, start, target):
    order = bring_to(place(payment_method="cash"), start, sales)
    events, entries, movements = OrderEvent.objects.count(), LedgerEntry.objects.count(), StockMovement.objects.count()

    response = client_for(sales).post(f"/api/v1/orders/{order.pk}/status", {"status": target}, format="json")

    body = assert_error(response, 422, "INVALID_TRANSITION")
    assert body["details"] == {"from": start, "to": target, "allowed": allowed_targets(start)}
    assert Order.objects.get(pk=order.pk).status == start
    assert (OrderEvent.objects.count(), LedgerEntry.objects.count(), StockMovement.objects.count()) == (
        events,
        entries,
        movements,
    )


def test_the_transition_table_is_the_one_of_the_spec():
    assert {status: list(targets) for status, targets in TRANSITIONS.items()} == {
        "pending": ["confirmed", "cancelled", "on_hold"],
        "on_hold": ["confirmed", "cancelled"],
        "confirmed": ["processing", "cancelled"],
        "processing": ["shipped", "cancelled"],
        "shipped": ["delivered", "returned"],
        "delivered": [],
        "cancelled": [],
        "returned": [],
    }


def test_retailers_cancel_only_their_pending_or_on_hold_orders(client_for, shop, sales, oil, place):
    pending, confirmed = place(), move_to(place(), "confirmed", sales)
    client = client_for(shop)

    ok = client.post(f"/api/v1/retailers/orders/{pending.pk}/cancel", {"reason": "Mistake"}, format="json")
    refused = client.post(f"/api/v1/retailers/orders/{confirmed.pk}/cancel", {"reason": "Mistake"}, format="json")

    assert ok.json()["data"]["status"] == "cancelled"
    assert_error(refused, 422, "INVALID_TRANSITION")
    assert Order.objects.get(pk=confirmed.pk).status == "confirmed"
    assert Product.objects.get(pk=oil.pk).stock_quantity == 40


def test_release_hold_charges_over_the_limit_as_an_override(client_for, finance, sales, shop, place, debt):
    BusinessSettings.objects.update_or_create(id=1, defaults={"credit_policy": "hold"})
    BusinessSettings.load().save()
    debt(shop.retailer, "99000.00")
    order = place()

    assert_error(client_for(sales).post(f"/api/v1/orders/{order.pk}/release-hold"), 403, "FORBIDDEN")
    response = client_for(finance).post(f"/api/v1/orders/{order.pk}/release-hold", {"note": "Paid by cheque"})

    assert response.json()["data"]["status"] == "confirmed"
    assert balance(shop) == D("100785.00")
    event = OrderEvent.objects.get(type="hold_released")
    assert event.data == {"override": True, "available_credit_before": "1000.00"}


def test_expired_holds_are_cancelled_and_stock_restored(shop, oil, place, debt):
    BusinessSettings.objects.update_or_create(id=1, defaults={"credit_policy": "hold", "hold_expiry_days": 3})
    BusinessSettings.load().save()
    debt(shop.retailer, "99000.00")
    old, recent = place(), place()
    Order.objects.filter(pk=old.pk).update(held_at=timezone.now() - timedelta(days=4))

    assert orders_expire_holds() == [old.number]

    assert (Order.objects.get(pk=old.pk).status, Order.objects.get(pk=recent.pk).status) == ("cancelled", "on_hold")
    assert Product.objects.get(pk=oil.pk).stock_quantity == 40


def test_edit_replaces_items_stock_and_charge(client_for, sales, shop, oil, place, make_product):
    order = place()
    sugar = make_product(stock=20, base_price=D("250.00"), tax_rate=D("9.00"))
    body = {"items": [{"product_id": str(oil.pk), "quantity": 5}, {"product_id": str(sugar.pk), "quantity": 4}]}

    response = client_for(sales).patch(f"/api/v1/orders/{order.pk}", body, format="json")

    assert response.status_code == 200, response.json()
    # 600 + 114 and 1000 + 90: goods 1804.00; fee 300 + 57 → 1600 + 300 + 261 = 2161.00
    assert response.json()["data"]["total"] == "2161.00"
    assert (Product.objects.get(pk=oil.pk).stock_quantity, Product.objects.get(pk=sugar.pk).stock_quantity) == (45, 16)
    assert balance(shop) == D("2161.00")
    assert list(LedgerEntry.objects.order_by("position").values_list("kind", "amount")) == [
        ("order_charge", D("1785.00")),
        ("order_reversal", D("-1785.00")),
        ("order_charge", D("2161.00")),
    ]
    edited = OrderEvent.objects.get(type="edited")
    assert [line["quantity"] for line in edited.data["before"]] == [10]


def test_bulk_status_reports_per_order(client_for, sales, place):
    first, second = place(), move_to(place(), "confirmed", sales)
    body = {"order_ids": [str(first.pk), str(second.pk), "00000000-0000-0000-0000-000000000000"], "status": "confirmed"}

    results = client_for(sales).post("/api/v1/orders/bulk-status", body, format="json").json()["data"]["results"]

    assert results == [
        {"order_id": str(first.pk), "ok": True, "error_code": None},
        {"order_id": str(second.pk), "ok": False, "error_code": "INVALID_TRANSITION"},
        {"order_id": "00000000-0000-0000-0000-000000000000", "ok": False, "error_code": "NOT_FOUND"},
    ]


def test_tracking_follows_the_milestones(client_for, shop, sales, place):
    order = move_to(place(), "processing", sales)

    tracking = client_for(shop).get(f"/api/v1/retailers/orders/{order.pk}/tracking").json()["data"]

    assert [(step["key"], step["done"]) for step in tracking["steps"]] == [
        ("placed", True),
        ("confirmed", True),
        ("processing", True),
        ("shipped", False),
        ("delivered", False),
    ]
    assert (tracking["status"], tracking["can_cancel"], tracking["driver"]) == ("processing", False, None)


def test_reorder_copies_available_lines_adjusted_to_stock(client_for, shop, oil, place):
    order = place(quantity=30)  # 20 left in stock
    Product.objects.filter(pk=oil.pk).update(stock_quantity=25)

    data = client_for(shop).post(f"/api/v1/retailers/orders/{order.pk}/reorder").json()["data"]

    assert data["adjustments"] == [
        {"product_id": str(oil.pk), "requested": 30, "result": "adjusted", "quantity": 25, "error_code": None}
    ]
    assert CartItem.objects.get().quantity == 25


def test_stats_count_and_total_per_status(client_for, sales, place):
    place(), place(payment_method="cash")

    stats = client_for(sales).get("/api/v1/orders/stats").json()["data"]

    assert {row["status"]: (row["count"], row["total"]) for row in stats}["pending"] == (2, "3588.00")


def test_staff_without_order_permission_gets_403_and_nothing_changes(client_for, make_user, place):
    order = place()
    catalog = make_user(groups=["Catalog"])

    assert_error(
        client_for(catalog).post(f"/api/v1/orders/{order.pk}/status", {"status": "confirmed"}), 403, "FORBIDDEN"
    )
    assert_error(client_for(catalog).get("/api/v1/orders"), 403, "FORBIDDEN")
    assert Order.objects.get(pk=order.pk).status == "pending"


def test_a_retailer_with_open_orders_cannot_be_closed(client_for, make_user, shop, place):
    place()
    approver = make_user(perms=["retailers.view_retailer", "retailers.approve_retailer"])

    response = client_for(approver).post(f"/api/v1/retailers/{shop.retailer_id}/close?lang=en", {"reason": "Moved"})

    body = assert_error(response, 409, "CONFLICT")
    assert body["details"] == {"non_field_errors": ["1 open order(s)."]}
    assert Retailer.objects.get(pk=shop.retailer_id).status == "active"


def test_an_on_hold_order_moves_only_by_release_or_cancel(client_for, sales, shop, place, debt):
    BusinessSettings.objects.update_or_create(id=1, defaults={"credit_policy": "hold"})
    BusinessSettings.load().save()
    debt(shop.retailer, "99000.00")
    order = place()
    client = client_for(sales)

    skipped = client.post(f"/api/v1/orders/{order.pk}/status", {"status": "processing"}, format="json")
    unreleased = client.post(f"/api/v1/orders/{order.pk}/status", {"status": "confirmed"}, format="json")

    assert assert_error(skipped, 422, "INVALID_TRANSITION")["details"]["allowed"] == ["confirmed", "cancelled"]
    assert assert_error(unreleased, 422, "INVALID_TRANSITION")["details"]["allowed"] == ["cancelled"]
    assert Order.objects.get(pk=order.pk).status == "on_hold"
    assert not LedgerEntry.objects.filter(kind="order_charge").exists()


def test_exact_sums_pass_the_database_checks_on_every_backend(place):
    from orders.models import OrderItem

    order = place()
    item = order.items.get()

    # 1234.56 + 234.57 is not 1469.13 in binary floating point (SQLite stores decimals so)
    OrderItem.objects.filter(pk=item.pk).update(
        line_subtotal=D("1234.56"), line_tax=D("234.57"), line_total=D("1469.13")
    )

    assert OrderItem.objects.get(pk=item.pk).line_total == D("1469.13")


def hold_policy(days=3):
    BusinessSettings.objects.update_or_create(id=1, defaults={"credit_policy": "hold", "hold_expiry_days": days})
    BusinessSettings.load().save()


def test_expiry_leaves_a_hold_released_after_its_selection_confirmed(monkeypatch, shop, oil, place, finance, debt):
    """The task selected the order while on hold; Finance released it before the task locked it:
    the order stays confirmed, no cancel event, no reversal, stock stays taken."""
    hold_policy()
    debt(shop.retailer, "99000.00")
    order = place()
    Order.objects.filter(pk=order.pk).update(held_at=timezone.now() - timedelta(days=4))
    real_lock = locks.lock_order
    released = []

    def release_then_lock(target):
        if not released and target.pk == order.pk:  # the release commits between selection and lock
            released.append(target.pk)
            order_release_hold(order=target, actor=finance, note="Cheque received")
        return real_lock(target)

    monkeypatch.setattr(locks, "lock_order", release_then_lock)

    expired = orders_expire_holds()

    assert released and expired == []
    assert Order.objects.get(pk=order.pk).status == "confirmed"
    assert list(OrderEvent.objects.filter(order=order).values_list("type", flat=True)) == [
        "placed",
        "held",
        "hold_released",
    ]
    assert list(LedgerEntry.objects.filter(order=order).values_list("kind", "amount")) == [
        ("order_charge", D("1785.00"))
    ]
    assert Product.objects.get(pk=oil.pk).stock_quantity == 40


def test_expiry_rechecks_the_hold_age_under_the_lock(monkeypatch, shop, oil, place, debt):
    """Selected as old, but its hold restarted before the lock (e.g. edited back onto hold): kept."""
    hold_policy()
    debt(shop.retailer, "99000.00")
    order = place()
    Order.objects.filter(pk=order.pk).update(held_at=timezone.now() - timedelta(days=4))
    real_lock = locks.lock_order

    def renew_then_lock(target):
        Order.objects.filter(pk=target.pk).update(held_at=timezone.now())
        return real_lock(target)

    monkeypatch.setattr(locks, "lock_order", renew_then_lock)

    assert orders_expire_holds() == []
    assert Order.objects.get(pk=order.pk).status == "on_hold"
    assert Product.objects.get(pk=oil.pk).stock_quantity == 40


def test_an_edit_that_puts_the_order_on_hold_writes_the_held_event(client_for, sales, shop, oil, place, debt):
    hold_policy()
    order = place()  # 1785.00 charged: fits the 100 000.00 limit
    debt(shop.retailer, "97000.00")  # once the old charge is reversed 3 000.00 is left; the edit needs 3 213.00

    response = client_for(sales).patch(
        f"/api/v1/orders/{order.pk}", {"items": [{"product_id": str(oil.pk), "quantity": 20}]}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["data"]["status"] == "on_hold"
    events = list(OrderEvent.objects.filter(order=order).values_list("type", "from_status", "to_status"))
    assert events == [
        ("placed", "", "pending"),
        ("edited", "pending", "pending"),
        ("held", "pending", "on_hold"),
    ]
    held = OrderEvent.objects.get(order=order, type="held")
    assert held.data == {"available_credit": "3000.00", "required": "3213.00"}
    order.refresh_from_db()
    assert order.held_at is not None
    assert list(LedgerEntry.objects.filter(order=order).values_list("kind", "amount")) == [
        ("order_charge", D("1785.00")),
        ("order_reversal", D("-1785.00")),
    ]


def test_on_hold_is_never_a_status_an_operator_can_ask_for(sales, place):
    order = place()

    with pytest.raises(DomainError) as refused:
        order_advance(order=order, actor=sales, to_status="on_hold")

    assert refused.value.details == {"from": "pending", "to": "on_hold", "allowed": ["confirmed", "cancelled"]}
    assert Order.objects.get(pk=order.pk).status == "pending"


def test_bulk_confirm_never_releases_a_hold_even_for_finance(client_for, finance, shop, place, debt):
    hold_policy()
    debt(shop.retailer, "99000.00")
    order = place()
    body = {"order_ids": [str(order.pk)], "status": "confirmed"}

    results = client_for(finance).post("/api/v1/orders/bulk-status", body, format="json").json()["data"]["results"]

    assert results == [{"order_id": str(order.pk), "ok": False, "error_code": "INVALID_TRANSITION"}]
    assert Order.objects.get(pk=order.pk).status == "on_hold"
    assert not LedgerEntry.objects.filter(order=order).exists()
