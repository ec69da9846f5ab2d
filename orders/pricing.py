"""Order-level money (workflows.md §2), built on the catalog's line pricing
(`products.pricing.line_price`): delivery fee, taxes, stamp duty and totals. The cart
summary, placement, edits and invoices all compute through `order_totals`."""

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from livrili.core.money import ZERO, percent_of, to_money
from products.pricing import LinePrice

HUNDRED = Decimal(100)


def stamp_duty(amount: Decimal, brackets: dict) -> Decimal:
    """Droit de timbre on a cash invoice: nothing up to `exempt_up_to`; above it, the rate per
    100 DA (or fraction) of the bracket the amount falls in, on the whole amount, at least
    `minimum`."""
    amount = to_money(amount)
    if amount <= Decimal(brackets["exempt_up_to"]):
        return ZERO
    hundreds = (amount / HUNDRED).to_integral_value(rounding=ROUND_CEILING)
    for bracket in brackets["brackets"]:
        if bracket["up_to"] is None or amount <= Decimal(bracket["up_to"]):
            duty = to_money(hundreds * Decimal(bracket["per_100"]))
            return max(duty, to_money(brackets["minimum"]))
    raise ValueError("The stamp duty brackets must end with an open bracket (up_to null)")


@dataclass(frozen=True)
class OrderTotals:
    subtotal: Decimal
    goods_tax: Decimal
    discount_total: Decimal
    delivery_fee: Decimal
    delivery_fee_tax: Decimal
    tax_total: Decimal
    stamp_duty: Decimal
    total: Decimal

    @property
    def goods_with_tax(self) -> Decimal:
        """What the minimum order value and the free-delivery threshold compare against."""
        return self.subtotal + self.goods_tax


def order_totals(lines: list[LinePrice], *, payment_method: str | None, settings) -> OrderTotals:
    """subtotal = Σ line_subtotal; the fee (taxed at its own rate) applies below the
    free-delivery threshold on goods with tax; total = subtotal + fee + tax_total, plus stamp
    duty when the order is paid in cash (`payment_method=None`: no stamp duty)."""
    subtotal = sum((line.subtotal for line in lines), ZERO)
    goods_tax = sum((line.tax for line in lines), ZERO)
    discount_total = sum((line.discount for line in lines), ZERO)
    fee = ZERO
    if lines and subtotal + goods_tax < settings.free_delivery_threshold:
        fee = to_money(settings.delivery_fee)
    fee_tax = percent_of(fee, settings.delivery_fee_tax_rate)
    tax_total = goods_tax + fee_tax
    before_stamp = subtotal + fee + tax_total
    duty = stamp_duty(before_stamp, settings.stamp_duty) if payment_method == "cash" else ZERO
    return OrderTotals(
        subtotal=subtotal,
        goods_tax=goods_tax,
        discount_total=discount_total,
        delivery_fee=fee,
        delivery_fee_tax=fee_tax,
        tax_total=tax_total,
        stamp_duty=duty,
        total=before_stamp + duty,
    )
