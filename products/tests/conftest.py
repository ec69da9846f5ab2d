from decimal import Decimal

import pytest

from products.models import Category, Product, Tag
from products.services.categories import category_create
from products.services.products import product_create
from products.services.stock import stock_adjust
from products.services.tags import tag_save


@pytest.fixture
def catalog_staff(make_user):
    return make_user(role="admin", groups=["Catalog"], username="catalog.manager")


@pytest.fixture
def retailer(make_user):
    return make_user(role="retailer", username="shop")


@pytest.fixture
def make_category(db):
    counter = {"n": 0}

    def make(parent=None, **fields) -> Category:
        counter["n"] += 1
        n = counter["n"]
        fields.setdefault("name_ar", f"فئة {n}")
        fields.setdefault("name_fr", f"Catégorie {n}")
        fields.setdefault("name_en", f"Category {n}")
        return category_create(actor=None, parent=parent, **fields)

    return make


@pytest.fixture
def category(make_category) -> Category:
    return make_category(name_ar="بقالة", name_fr="Épicerie", name_en="Grocery", slug="grocery")


@pytest.fixture
def make_product(db, category):
    counter = {"n": 0}

    def make(stock: int = 0, **fields) -> Product:
        counter["n"] += 1
        n = counter["n"]
        fields.setdefault("sku", f"SKU-{n:04d}")
        fields.setdefault("name_ar", f"منتج {n}")
        fields.setdefault("name_fr", f"Produit {n}")
        fields.setdefault("name_en", f"Product {n}")
        fields.setdefault("category", category)
        fields.setdefault("base_price", Decimal("100.00"))
        product = product_create(actor=None, **fields)
        if stock:
            stock_adjust(actor=None, product=product, operation="set", quantity=stock)
            product.refresh_from_db()
        return product

    return make


@pytest.fixture
def make_tag(db):
    counter = {"n": 0}

    def make(**fields) -> Tag:
        counter["n"] += 1
        n = counter["n"]
        fields.setdefault("name_ar", f"وسم {n}")
        fields.setdefault("name_fr", f"Étiquette {n}")
        fields.setdefault("name_en", f"Tag {n}")
        return tag_save(actor=None, **fields)

    return make
