"""Catalog fixtures every app's tests use (registered in the root conftest).

Values come from `products/baker_recipes.py`; objects are created through the services, which
own placement, slugs, audit and the stock ledger."""

import pytest

from livrili.core.testing.recipes import recipe_values
from products.models import Category, Product, Tag
from products.services.categories import category_create
from products.services.products import product_create
from products.services.stock import stock_adjust
from products.services.tags import tag_save

NAMES = ("name_ar", "name_fr", "name_en")


@pytest.fixture
def make_category(db):
    def make(parent=None, **fields) -> Category:
        return category_create(actor=None, parent=parent, **recipe_values("products.category", fields, *NAMES))

    return make


@pytest.fixture
def category(make_category) -> Category:
    return make_category(name_ar="بقالة", name_fr="Épicerie", name_en="Grocery", slug="grocery")


@pytest.fixture
def make_product(db, category):
    def make(stock: int = 0, **fields) -> Product:
        fields.setdefault("category", category)
        fields = recipe_values("products.product", fields, "sku", *NAMES, "base_price", category=fields["category"])
        product = product_create(actor=None, **fields)
        if stock:
            stock_adjust(actor=None, product=product, operation="set", quantity=stock)
            product.refresh_from_db()
        return product

    return make


@pytest.fixture
def make_tag(db):
    def make(**fields) -> Tag:
        return tag_save(actor=None, **recipe_values("products.tag", fields, *NAMES))

    return make
