from decimal import Decimal

import pytest

from products import pricing
from products.search import normalize

pytestmark = pytest.mark.django_db


@pytest.fixture
def oil(make_product):
    return make_product(
        base_price=Decimal("650.00"),
        tax_rate=Decimal("19.00"),
        price_tiers=[{"min_quantity": 10, "unit_price": "630.00"}, {"min_quantity": 50, "unit_price": "615.50"}],
    )


@pytest.mark.parametrize(
    ("quantity", "unit"),
    [(1, "650.00"), (9, "650.00"), (10, "630.00"), (49, "630.00"), (50, "615.50"), (500, "615.50")],
)
def test_unit_price_is_the_largest_tier_reached(oil, quantity, unit):
    assert pricing.unit_price(oil, quantity, context=pricing.CATALOG) == Decimal(unit)


def test_line_price_rounds_tax_half_up_after_the_discount(oil):
    line = pricing.line_price(oil, 3, discount=Decimal("0.05"), context=pricing.CATALOG)

    assert (line.unit_price, line.subtotal, line.tax, line.total) == (
        Decimal("650.00"),
        Decimal("1949.95"),
        Decimal("370.49"),  # 1949.95 × 19 % = 370.4905
        Decimal("2320.44"),
    )


class SpyPrices(pricing.CatalogPrices):
    """The list-price strategy, recording the contexts it is asked for."""

    def __init__(self):
        self.seen = []

    def unit_price(self, product, quantity, context):
        self.seen.append(("unit_price", context))
        return super().unit_price(product, quantity, context)

    def list_price(self, product, context):
        self.seen.append(("list_price", context))
        return super().list_price(product, context)


@pytest.fixture
def spy(monkeypatch):
    strategy = SpyPrices()
    monkeypatch.setattr(pricing, "strategy", lambda context: strategy)
    return strategy


def test_the_pricing_context_reaches_the_strategy_and_prices_are_unchanged(oil, spy):
    shop = object()  # any retailer: pricing only hands it to the strategy
    context = pricing.PricingContext(retailer=shop)

    line = pricing.line_price(oil, 10, context=context)
    shown = pricing.list_price(oil, context=pricing.CATALOG)

    assert (line.unit_price, line.total, shown) == (Decimal("630.00"), Decimal("7497.00"), Decimal("650.00"))
    assert spy.seen == [("unit_price", context), ("list_price", pricing.CATALOG)]
    assert spy.seen[0][1].retailer is shop and pricing.CATALOG.retailer is None


def test_the_catalog_shows_the_list_price_for_no_retailer(client_for, make_user, oil, spy):
    response = client_for(make_user(role="retailer")).get(f"/api/v1/products/{oil.pk}", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200, response.json()
    assert response.json()["data"]["price_with_tax"] == "773.50"  # 650.00 + 19 %
    assert spy.seen == [("list_price", pricing.CATALOG)]


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("Café CRÈME", "cafe creme"),
        ("أَرُزّ", "ارز"),
        ("إبريق آلي", "ابريق الي"),
        ("مكرونـــة", "مكرونه"),
        ("حلوى", "حلوي"),
        ("  Huile   5L ", "huile 5l"),
    ],
)
def test_search_normalisation(raw, normalised):
    assert normalize(raw) == normalised
