"""Decimal money helpers: every amount is rounded half-up to 0.01 DZD."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# Every amount column is 14 digits with 2 decimals: what it holds stays below this in absolute value.
MONEY_LIMIT = Decimal(10) ** 12


def to_money(value) -> Decimal:
    """Round any number (Decimal, int or numeric string; never float) half-up to 0.01."""
    if isinstance(value, float):
        raise TypeError("Money must not be a float")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def percent_of(amount: Decimal, rate: Decimal) -> Decimal:
    """`rate` percent of `amount`, rounded half-up to 0.01."""
    return to_money(Decimal(amount) * Decimal(rate) / Decimal(100))
