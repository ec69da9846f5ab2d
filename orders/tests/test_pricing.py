from decimal import Decimal as D

import pytest

from livrili.core.models import default_stamp_duty
from orders.models import CartItem, Order
from orders.pricing import order_totals, stamp_duty
from orders.services.edit import order_edit
from orders.services.placement import LineRequest
from products import pricing
from products.pricing import LinePrice


@pytest.mark.parametrize(
    ("amount", "duty"),
    [
        ("300.00", "0.00"),  # exempt up to 300 DA
        ("300.01", "5.00"),  # 4 hundreds × 1 DA = 4, minimum 5
        ("1500.00", "15.00"),
        ("1500.01", "16.00"),  # a started hundred counts
        ("30000.00", "300.00"),
        ("30000.01", "451.50"),  # 301 started hundreds × 1.5 DA
        ("100000.00", "1500.00"),
        ("100000.50", "2002.00"),
    ],
)
def test_stamp_duty_brackets(amount, duty):
    assert stamp_duty(D(amount), default_stamp_duty()) == D(duty)


class Settings:
    delivery_fee = D("300.00")
    delivery_fee_tax_rate = D("19.00")
    free_delivery_threshold = D("5000.00")
    stamp_duty = default_stamp_duty()


def line(qty, unit, rate, discount="0.00"):
    subtotal = D(unit) * qty - D(discount)
    tax = (subtotal * D(rate) / 100).quantize(D("0.01"))
    return LinePrice(qty, D(unit), D(discount), subtotal, D(rate), tax, subtotal + tax)


def test_totals_below_free_delivery_pay_a_taxed_fee_and_cash_stamp_duty():
    # 10 × 120.00 at 19 % = 1200.00 + 228.00; 4 × 250.00 at 9 % = 1000.00 + 90.00
    lines = [line(10, "120.00", "19"), line(4, "250.00", "9")]

    cash = order_totals(lines, payment_method="cash", settings=Settings)

    assert cash.subtotal == D("2200.00")
    assert cash.goods_with_tax == D("2518.00")
    assert cash.delivery_fee == D("300.00")
    assert cash.tax_total == D("318.00") + D("57.00")
    # 2200 + 300 + 375 = 2875.00 → 29 hundreds × 1 DA
    assert cash.stamp_duty == D("29.00")
    assert cash.total == D("2904.00")
    credit = order_totals(lines, payment_method="credit", settings=Settings)
    assert (credit.stamp_duty, credit.total) == (D("0.00"), D("2875.00"))


def test_threshold_compares_goods_with_tax_and_discounts_stay_outside_the_tax_base():
    # 42 × 100 = 4200 − 10 discount = 4190 → tax 796.10 → goods with tax 4986.10 < 5000: fee
    below = order_totals([line(42, "100.00", "19", "10.00")], payment_method="credit", settings=Settings)
    # 43 × 100 = 4300 → tax 817 → 5117 ≥ 5000: free delivery
    above = order_totals([line(43, "100.00", "19")], payment_method="credit", settings=Settings)

    assert (below.discount_total, below.goods_tax, below.delivery_fee) == (D("10.00"), D("796.10"), D("300.00"))
    assert below.total == D("4190.00") + D("300.00") + D("796.10") + D("57.00")
    assert (above.delivery_fee, above.total) == (D("0.00"), D("5117.00"))


class SpyPrices(pricing.CatalogPrices):
    def __init__(self):
        self.retailers = []

    def unit_price(self, product, quantity, context):
        self.retailers.append(context.retailer)
        return super().unit_price(product, quantity, context)


@pytest.mark.django_db
def test_cart_placement_and_edit_price_for_the_retailer(monkeypatch, client_for, shop, sales, make_product):
    # given a strategy that records who each price is for
    spy = SpyPrices()
    monkeypatch.setattr(pricing, "strategy", lambda context: spy)
    oil = make_product(stock=50, base_price=D("120.00"), tax_rate=D("19.00"))
    CartItem.objects.create(retailer=shop.retailer, product=oil, quantity=10)
    client = client_for(shop)

    # when the cart is shown, placed, then edited by staff
    cart = client.get("/api/v1/retailers/cart").json()["data"]
    placed = client.post(
        "/api/v1/retailers/orders", {"payment_method": "cash"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    ).json()["data"]
    order = Order.objects.get()
    order_edit(order=order, actor=sales, lines=[LineRequest(oil.pk, 12)])

    # then every price was asked for the shop's retailer, and the figures are the list prices
    assert spy.retailers == [shop.retailer] * 3
    assert (cart["subtotal"], placed["subtotal"]) == ("1200.00", "1200.00")
    order.refresh_from_db()
    assert order.subtotal == D("1440.00")
