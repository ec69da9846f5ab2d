"""The one place that turns a product and a quantity into money (workflows.md §2).

The cart, orders, invoices and imports call these functions; a customer-specific price
would plug in at `unit_price` without touching callers.
"""

from dataclasses import dataclass
from decimal import Decimal

from livrili.core.money import ZERO, percent_of, to_money


def tiers_of(product) -> list:
    """The product's tiers by ascending min_quantity (uses a prefetch when there is one)."""
    return sorted(product.price_tiers.all(), key=lambda tier: tier.min_quantity)


def unit_price(product, quantity: int) -> Decimal:
    """The tier with the largest min_quantity ≤ quantity, else base_price."""
    price = product.base_price
    for tier in tiers_of(product):
        if tier.min_quantity <= quantity:
            price = tier.unit_price
    return to_money(price)


def with_tax(amount: Decimal, tax_rate: Decimal) -> Decimal:
    return to_money(amount) + percent_of(amount, tax_rate)


@dataclass(frozen=True)
class LinePrice:
    quantity: int
    unit_price: Decimal
    discount: Decimal
    subtotal: Decimal
    tax_rate: Decimal
    tax: Decimal
    total: Decimal


def line_price(product, quantity: int, discount: Decimal = ZERO) -> LinePrice:
    """subtotal = qty × unit_price − discount; tax = round_half_up(subtotal × rate / 100); total."""
    price = unit_price(product, quantity)
    subtotal = to_money(price * quantity - to_money(discount))
    tax = percent_of(subtotal, product.tax_rate)
    return LinePrice(
        quantity=quantity,
        unit_price=price,
        discount=to_money(discount),
        subtotal=subtotal,
        tax_rate=product.tax_rate,
        tax=tax,
        total=subtotal + tax,
    )
