"""Placement under real concurrency (PostgreSQL row locks): threads released by a barrier."""

from decimal import Decimal as D

import pytest

from livrili.core.errors import DomainError
from livrili.core.testing.concurrency import run_together
from orders.models import Order
from orders.services import locks
from orders.services.expiry import orders_expire_holds
from orders.services.lifecycle import order_release_hold
from orders.services.placement import LineRequest, order_place
from products.models import Product, StockMovement
from retailers.models import LedgerEntry, Retailer
from retailers.selectors import ledger_mismatches

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run(count, work):
    """Outcomes as order numbers or DomainError codes."""
    outcomes = run_together(count, work, catch=(DomainError,))
    return [o.code if isinstance(o, DomainError) else o for o in outcomes]


def place(retailer, user, product, *, key, quantity=1, payment_method="cash"):
    order, _replayed = order_place(
        retailer=retailer,
        actor=user,
        payment_method=payment_method,
        idempotency_key=key,
        fingerprint="same-body",
        channel="admin",
        lines=[LineRequest(product_id=product.pk, quantity=quantity)],
    )
    return order.number


def test_fifty_orders_for_ten_in_stock_sell_exactly_ten(make_user, make_product):
    product = make_product(stock=10, base_price=D("1000.00"), tax_rate=D("0.00"))
    buyers = [make_user(role="retailer") for _ in range(50)]

    outcomes = run(50, lambda i: place(buyers[i].retailer, buyers[i], product, key=f"k{i}"))

    assert sum(1 for o in outcomes if o and o.startswith("ORD-")) == 10
    assert outcomes.count("INSUFFICIENT_STOCK") == 40
    assert Product.objects.get(pk=product.pk).stock_quantity == 0
    sold = StockMovement.objects.filter(product=product, reason="order").order_by("created_at")
    assert sorted(sold.values_list("stock_after", flat=True), reverse=True) == list(range(9, -1, -1))
    assert Order.objects.count() == 10
    assert ledger_mismatches() == []


def test_simultaneous_credit_orders_never_pass_the_limit(make_user, make_product):
    product = make_product(stock=1000, base_price=D("1000.00"), tax_rate=D("0.00"))
    buyer = make_user(role="retailer")
    Retailer.objects.filter(pk=buyer.retailer_id).update(credit_limit=D("6500.00"))
    # one order = 1000.00 + 300.00 fee + 57.00 fee tax = 1357.00: four fit in 6500.00

    outcomes = run(20, lambda i: place(buyer.retailer, buyer, product, key=f"c{i}", payment_method="credit"))

    assert outcomes.count("CREDIT_LIMIT_EXCEEDED") == 16
    retailer = Retailer.objects.get(pk=buyer.retailer_id)
    assert retailer.balance == D("5428.00")
    chain = list(
        LedgerEntry.objects.filter(retailer=retailer).order_by("position").values_list("balance_after", flat=True)
    )
    assert chain == [D("1357.00"), D("2714.00"), D("4071.00"), D("5428.00")]
    assert Product.objects.get(pk=product.pk).stock_quantity == 996
    assert ledger_mismatches() == []


def test_one_idempotency_key_sent_twenty_times_makes_one_order_and_one_charge(make_user, make_product):
    product = make_product(stock=100, base_price=D("1000.00"), tax_rate=D("0.00"))
    buyer = make_user(role="retailer")
    Retailer.objects.filter(pk=buyer.retailer_id).update(credit_limit=D("100000.00"))

    outcomes = run(20, lambda i: place(buyer.retailer, buyer, product, key="same", quantity=2, payment_method="credit"))

    assert len(set(outcomes)) == 1 and outcomes[0].startswith("ORD-")
    assert Order.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="order_charge").count() == 1
    assert Product.objects.get(pk=product.pk).stock_quantity == 98


@pytest.mark.parametrize("first", ["release", "expiry"])
def test_a_hold_released_while_it_expires_has_exactly_one_winner(monkeypatch, make_user, make_product, first):
    """Finance releases a hold while the expiry task runs: one of them wins, and the events,
    the ledger and the stock tell the same story. `first` says who takes the order's row lock
    first (the other is delayed just before its lock)."""
    import threading
    import time
    from datetime import timedelta

    from django.utils import timezone

    from livrili.core.models import BusinessSettings
    from orders.models import OrderEvent

    BusinessSettings.objects.update_or_create(id=1, defaults={"credit_policy": "hold", "hold_expiry_days": 3})
    BusinessSettings.load().save()
    product = make_product(stock=100, base_price=D("1000.00"), tax_rate=D("0.00"))
    buyer = make_user(role="retailer")  # no credit: the order is held
    finance = make_user(role="admin", groups=["Finance"])
    order_place(
        retailer=buyer.retailer,
        actor=buyer,
        payment_method="credit",
        idempotency_key="held",
        fingerprint="f",
        channel="admin",
        lines=[LineRequest(product_id=product.pk, quantity=2)],
    )
    order = Order.objects.get()
    Order.objects.filter(pk=order.pk).update(held_at=timezone.now() - timedelta(days=4))
    real_lock = locks.lock_order
    late = {"release": "expiry", "expiry": "release"}[first]

    def lock_order(target):
        if threading.current_thread().name == late:
            time.sleep(0.5)
        return real_lock(target)

    monkeypatch.setattr(locks, "lock_order", lock_order)

    def work(i):
        threading.current_thread().name = ("release", "expiry")[i]
        if i == 0:
            return order_release_hold(order=order, actor=finance, note="Cheque").status
        return orders_expire_holds()

    released, expired = run_together(2, work, catch=(DomainError,))

    order.refresh_from_db()
    events = list(OrderEvent.objects.filter(order=order).order_by("created_at").values_list("type", flat=True))
    ledger = list(LedgerEntry.objects.filter(order=order).values_list("kind", "amount"))
    stock = Product.objects.get(pk=product.pk).stock_quantity
    if first == "release":
        assert (released, expired) == ("confirmed", [])
        assert order.status == "confirmed"
        assert events == ["placed", "held", "hold_released"]
        assert ledger == [("order_charge", D("2357.00"))]  # 2 000.00 + fee 300.00 + 57.00
        assert stock == 98
    else:
        assert isinstance(released, DomainError) and released.code == "INVALID_TRANSITION"
        assert expired == [order.number]
        assert order.status == "cancelled"
        assert events == ["placed", "held", "cancelled"]
        assert ledger == []
        assert stock == 100
    assert ledger_mismatches() == []


def test_one_key_posted_twenty_times_through_the_api_answers_one_body(make_user, make_product, client_for):
    """The API's replays come from the stored first answer: all twenty callers get the same
    status and body, and one order and one charge exist."""
    from orders.models import CartItem

    product = make_product(stock=100, base_price=D("1000.00"), tax_rate=D("0.00"))
    buyer = make_user(role="retailer")
    Retailer.objects.filter(pk=buyer.retailer_id).update(credit_limit=D("100000.00"))
    CartItem.objects.create(retailer=buyer.retailer, product=product, quantity=2)
    clients = [client_for(buyer) for _ in range(20)]

    def post(i):
        response = clients[i].post(
            "/api/v1/retailers/orders", {"payment_method": "credit"}, format="json", HTTP_IDEMPOTENCY_KEY="same"
        )
        return response.status_code, response.json()

    answers = run_together(20, post)

    assert {status for status, _body in answers} == {201}
    assert all(body == answers[0][1] for _status, body in answers)
    assert Order.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="order_charge").count() == 1
    assert Product.objects.get(pk=product.pk).stock_quantity == 98
