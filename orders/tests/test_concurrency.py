"""Placement under real concurrency (PostgreSQL row locks): threads released by a barrier."""

from decimal import Decimal as D

import pytest

from conftest import run_together
from livrili.api.errors import DomainError
from orders import services
from orders.models import Order
from products.models import Product, StockMovement
from retailers.models import LedgerEntry, Retailer
from retailers.selectors import ledger_mismatches

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run(count, work):
    """Outcomes as order numbers or DomainError codes."""
    outcomes = run_together(count, work, catch=(DomainError,))
    return [o.code if isinstance(o, DomainError) else o for o in outcomes]


def place(retailer, user, product, *, key, quantity=1, payment_method="cash"):
    order, _replayed = services.order_place(
        retailer=retailer,
        actor=user,
        payment_method=payment_method,
        idempotency_key=key,
        fingerprint="same-body",
        channel="admin",
        lines=[services.LineRequest(product_id=product.pk, quantity=quantity)],
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
