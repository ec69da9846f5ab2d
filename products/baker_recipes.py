"""model-bakery recipes (`baker.make_recipe("products.product")`) for tests.

The shared fixtures (`products/tests/fixtures.py`) take their values from these recipes and
create through the services, which own category placement, slugs, audit and stock: a
`make_recipe` product starts with no stock, and stock only changes through `stock_adjust`."""

from decimal import Decimal
from itertools import count

from model_bakery.recipe import Recipe, foreign_key, seq

from products.models import Category, Product, Tag

category = Recipe(
    Category,
    name_ar=seq("فئة "),
    name_fr=seq("Catégorie "),
    name_en=seq("Category "),
)

product = Recipe(
    Product,
    sku=(f"SKU-{n:04d}" for n in count(1)),
    name_ar=seq("منتج "),
    name_fr=seq("Produit "),
    name_en=seq("Product "),
    category=foreign_key(category),
    base_price=Decimal("100.00"),
)

tag = Recipe(
    Tag,
    name_ar=seq("وسم "),
    name_fr=seq("Étiquette "),
    name_en=seq("Tag "),
)
