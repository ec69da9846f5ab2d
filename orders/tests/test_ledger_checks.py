"""`check_ledgers` checks of the orders app: stock against movements, orders against charges."""

from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command

from orders import ledger_checks
from orders.ledger_checks import order_charge_mismatches, stock_mismatches
from orders.services.lifecycle import order_cancel, order_return, order_set_status
from products.models import Product, StockMovement
from retailers.management.commands.check_ledgers import registered_checks
from retailers.services import ledger_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def oil(make_product):
    return make_product(stock=50, base_price=D("120.00"), tax_rate=D("19.00"), sku="OIL-1")


@pytest.fixture
def place(shop, oil, place_cart):
    """Place a 10 × oil order (1785.00 on credit, 1803.00 in cash) for `shop`."""

    def make(payment_method):
        return place_cart(shop, oil, payment_method=payment_method)

    return make


@pytest.fixture
def lifecycle(place, sales):
    """Every charging situation: credit pending, credit cancelled, credit returned, cash
    delivered, cash shipped (not charged yet)."""

    def advance(order, *steps):
        for step in steps:
            order_set_status(order=order, actor=sales, status=step)
        return order

    orders = {
        "credit_pending": place("credit"),
        "credit_cancelled": place("credit"),
        "credit_returned": advance(place("credit"), "confirmed", "processing", "shipped"),
        "cash_delivered": advance(place("cash"), "confirmed", "processing", "shipped", "delivered"),
        "cash_shipped": advance(place("cash"), "confirmed", "processing", "shipped"),
    }
    order_cancel(order=orders["credit_cancelled"], actor=sales, reason="test")
    order_return(order=orders["credit_returned"], actor=sales, reason="refused")
    return orders


def test_the_checks_are_registered_once_with_check_ledgers():
    names = [f"{check.__module__}.{check.__name__}" for check in registered_checks()]
    assert "orders.ledger_checks.order_charge_mismatches" in names
    assert names.count("orders.ledger_checks.order_charge_mismatches") == 1
    # the stock check runs from here only while the catalog has no ledger check of its own
    stock_checks = [name for name in names if name.endswith("stock_mismatches")]
    assert len(stock_checks) == 1


def test_sound_data_passes_every_check(lifecycle):
    assert stock_mismatches() == []
    assert order_charge_mismatches() == []
    call_command("check_ledgers")


def test_a_stock_cache_out_of_line_with_its_movements_is_reported(lifecycle, oil):
    # given 50 in, 5 orders of 10 out, one cancelled and one returned: 20 in stock
    assert Product.objects.get(pk=oil.pk).stock_quantity == 20
    # when the cached stock is changed behind the ledger's back
    Product.objects.filter(pk=oil.pk).update(stock_quantity=21)
    # then
    assert stock_mismatches() == [f"product {oil.pk} (OIL-1): stock 21 != movements sum 20"]
    with pytest.raises(CommandError, match="mismatch"):
        call_command("check_ledgers")


def test_a_movement_without_its_stock_change_is_reported(lifecycle, oil):
    StockMovement.objects.create(product=oil, delta=-4, reason="correction", stock_after=16)
    assert stock_mismatches() == [f"product {oil.pk} (OIL-1): stock 20 != movements sum 16"]


def test_a_charge_on_an_order_that_owes_nothing_is_reported(lifecycle, shop):
    # given a shipped cash order (charged only at delivery) and a cancelled credit order
    shipped, cancelled = lifecycle["cash_shipped"], lifecycle["credit_cancelled"]
    # when each gets a stray debit linked to it
    ledger_post(retailer=shop.retailer, kind="order_charge", amount=D("1803.00"), actor=None, order=shipped)
    ledger_post(retailer=shop.retailer, kind="order_charge", amount=D("0.01"), actor=None, order=cancelled)
    # then both are reported with what they weigh and what they should
    assert order_charge_mismatches() == sorted(
        [
            f"order {shipped.number} (shipped, cash): net ledger charge 1803.00 != expected 0.00",
            f"order {cancelled.number} (cancelled, credit): net ledger charge 0.01 != expected 0.00",
        ]
    )


def test_a_charged_order_missing_its_charge_is_reported(lifecycle, shop):
    pending = lifecycle["credit_pending"]
    ledger_post(retailer=shop.retailer, kind="order_reversal", amount=D("1785.00"), actor=None, order=pending)
    assert order_charge_mismatches() == [
        f"order {pending.number} (pending, credit): net ledger charge 0.00 != expected 1785.00"
    ]
    with pytest.raises(CommandError):
        call_command("check_ledgers")


def test_payments_without_an_order_do_not_count(lifecycle, shop):
    ledger_post(retailer=shop.retailer, kind="payment", amount=D("500.00"), actor=None, reason="seed")
    assert order_charge_mismatches() == []


def test_long_lists_are_cut_with_a_count(monkeypatch, lifecycle, shop):
    monkeypatch.setattr(ledger_checks, "SHOWN", 1)
    for order in (lifecycle["cash_shipped"], lifecycle["credit_cancelled"], lifecycle["credit_returned"]):
        ledger_post(retailer=shop.retailer, kind="order_charge", amount=D("1.00"), actor=None, order=order)
    problems = order_charge_mismatches()
    assert len(problems) == 2 and problems[1] == "… and 2 more"
