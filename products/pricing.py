"""The one place that turns a product and a quantity into money (workflows.md §2).

The cart summary, placement, order edits, the catalog serializer and the demo seed call
these functions with a `PricingContext` (who the price is for). Prices come from the
strategy `strategy(context)` returns — the seam, as in django-oscar's
`Selector.strategy(request, user)`: a per-segment or per-retailer price list plugs in there
(a strategy class reading the list for `context.retailer`, falling back to `CatalogPrices`),
without changing any caller. Today every context gets `CatalogPrices`: the product's base
price and volume tiers, the same for everyone.
"""

from dataclasses import dataclass
from decimal import Decimal

from livrili.core.money import ZERO, percent_of, to_money


@dataclass(frozen=True)
class PricingContext:
    """Who a price is for: `retailer` (a `retailers.Retailer`) when a customer buys (cart,
    placement, order edits), None for staff and catalog display (the list price)."""

    retailer: object | None = None


CATALOG = PricingContext()  # staff and catalog display: no customer


class CatalogPrices:
    """The list-price strategy: base price, volume tiers; the same for every customer."""

    def unit_price(self, product, quantity: int, context: PricingContext) -> Decimal:
        """The tier with the largest min_quantity ≤ quantity, else base_price."""
        price = product.base_price
        for tier in tiers_of(product):
            if tier.min_quantity <= quantity:
                price = tier.unit_price
        return to_money(price)

    def list_price(self, product, context: PricingContext) -> Decimal:
        """The price a catalog card shows before any quantity: the base price."""
        return to_money(product.base_price)


CATALOG_PRICES = CatalogPrices()


def strategy(context: PricingContext) -> CatalogPrices:
    """The pricing strategy for `context`. A price list (per segment or per retailer) is
    selected here from `context.retailer`; note that the cached retail catalog pages are
    shared by every retailer and priced with `CATALOG`, so a per-retailer list price would
    also need the price list in that cache key (products.representations)."""
    return CATALOG_PRICES


def tiers_of(product) -> list:
    """The product's tiers by ascending min_quantity: its `tier_list` when a reader prefetched
    them as a list (orders.selectors.cart_items), else the manager's (prefetched or queried)."""
    tiers = getattr(product, "tier_list", None)
    return sorted(product.price_tiers.all() if tiers is None else tiers, key=lambda tier: tier.min_quantity)


def unit_price(product, quantity: int, *, context: PricingContext) -> Decimal:
    """The unit price of `product` at `quantity` for `context` (the pricing entry point)."""
    return strategy(context).unit_price(product, quantity, context)


def list_price(product, *, context: PricingContext) -> Decimal:
    """The price shown before any quantity (catalog cards) for `context`."""
    return strategy(context).list_price(product, context)


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


def line_price(product, quantity: int, discount: Decimal = ZERO, *, context: PricingContext) -> LinePrice:
    """subtotal = qty × unit_price − discount; tax = round_half_up(subtotal × rate / 100); total."""
    price = unit_price(product, quantity, context=context)
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
