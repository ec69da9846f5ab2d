"""The model-bakery recipes (`<app>/baker_recipes.py`) make valid rows that agree with the ledgers."""

import pytest
from model_bakery import baker

from products.models import StockMovement
from retailers.models import LedgerEntry

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("recipe", "given", "unset"),
    [
        ("accounts.admin", {}, []),
        ("accounts.retailer", {"retailer": lambda: baker.make_recipe("retailers.retailer")}, []),
        ("accounts.driver", {}, []),
        ("retailers.retailer", {}, []),
        ("products.category", {}, []),
        ("products.product", {}, []),
        ("products.tag", {}, []),
        ("orders.order", {}, ["created_by"]),  # no placing user: a figure source, not a placement
    ],
)
def test_a_recipe_makes_a_valid_row(recipe, given, unset):
    made = baker.make_recipe(recipe, **{field: build() for field, build in given.items()})

    made.full_clean(exclude=unset)


def test_recipe_sequences_restart_in_each_test_and_advance_per_object():
    first, second = baker.make_recipe("products.product", _quantity=2)

    assert (first.sku, first.name_en, second.sku, second.name_en) == ("SKU-0001", "Product 1", "SKU-0002", "Product 2")


def test_recipe_rows_start_with_empty_ledgers():
    product = baker.make_recipe("products.product")
    order = baker.make_recipe("orders.order")

    assert (product.stock_quantity, StockMovement.objects.count()) == (0, 0)
    assert (order.retailer.balance, str(order.total), order.items.count()) == (0, "0.00", 0)
    assert LedgerEntry.objects.count() == 0
