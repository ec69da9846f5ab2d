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
    assert pricing.unit_price(oil, quantity) == Decimal(unit)


def test_line_price_rounds_tax_half_up_after_the_discount(oil):
    line = pricing.line_price(oil, 3, discount=Decimal("0.05"))

    assert (line.unit_price, line.subtotal, line.tax, line.total) == (
        Decimal("650.00"),
        Decimal("1949.95"),
        Decimal("370.49"),  # 1949.95 × 19 % = 370.4905
        Decimal("2320.44"),
    )


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
