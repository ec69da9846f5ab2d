"""The cart's written-out statement (selectors.cart_items on PostgreSQL): the same lines, products,
tiers and images as the ORM's query and prefetches, so the same cart answer, in one statement."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders import selectors
from orders.api.serializers import CartSerializer
from orders.models import CartItem
from products.models import ProductImage
from products.services.categories import category_update

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

CART = "/api/v1/retailers/cart"


def loaded(instance) -> dict:
    return {k: v for k, v in instance.__dict__.items() if not k.startswith("_")}


@pytest.fixture
def cart(shop, make_product, make_category, category):
    """Lines over tiers, images (a primary, two on the same sort order), JSON metadata, a hidden
    category, an inactive product and short stock."""
    hidden = make_category(parent=category, name_fr="Retirée")
    products = [
        make_product(
            stock=[40, 3, 0, 25][n % 4],
            base_price=Decimal("120.50") + n,
            tax_rate=[Decimal("19.00"), Decimal("9.00"), Decimal("0.00")][n % 3],
            min_order_quantity=2,
            order_multiple=2 if n == 3 else 1,
            category=hidden if n == 4 else category,
            is_active=n != 5,
            metadata={"origin": "Béjaïa", "n": n},
            price_tiers=[
                {"min_quantity": 24, "unit_price": "99.99"},
                {"min_quantity": 10, "unit_price": "110.10"},
            ]
            if n % 2 == 0
            else [],
        )
        for n in range(6)
    ]
    for sort_order, name in [(1, "b"), (1, "a"), (0, "primary")]:
        ProductImage.objects.create(
            product=products[0],
            image=f"products/{name}.png",
            alt_text=name,
            sort_order=sort_order,
            is_primary=name == "primary",
        )
    ProductImage.objects.create(product=products[1], image="products/only.png")
    category_update(actor=None, category=hidden, is_active=False)
    for n, product in enumerate(products):
        CartItem.objects.create(retailer=shop.retailer, product=product, quantity=[2, 12, 5, 3, 2, 2][n])
    return shop.retailer


def test_the_statement_builds_the_cart_the_orm_builds(cart, monkeypatch):
    statement = selectors.cart_items(cart)
    orm = selectors._cart_items_orm(cart)

    assert [loaded(item) for item in statement] == [loaded(item) for item in orm]
    for mine, theirs in zip(statement, orm, strict=True):
        assert loaded(mine.product) == loaded(theirs.product)
        assert [(t.pk, t.min_quantity, t.unit_price) for t in mine.product.tier_list] == [
            (t.pk, t.min_quantity, t.unit_price) for t in theirs.product.tier_list
        ]
        assert [(i.pk, i.image.name, i.alt_text, i.sort_order, i.is_primary) for i in mine.product.image_list] == [
            (i.pk, i.image.name, i.alt_text, i.sort_order, i.is_primary) for i in theirs.product.image_list
        ]
    assert [i.alt_text for i in statement[0].product.image_list] == ["primary", "b", "a"]
    assert [t.min_quantity for t in statement[0].product.tier_list] == [10, 24]
    assert statement[0].product.metadata == {"origin": "Béjaïa", "n": 0}
    answer = CartSerializer(selectors.cart_summary(cart)).data
    monkeypatch.setattr(selectors, "_cart_items_statement", lambda retailer_id: orm)
    assert CartSerializer(selectors.cart_summary(cart)).data == answer
    assert [line["problems"] for line in answer["items"]] == [
        [],
        ["INSUFFICIENT_STOCK"],
        ["INSUFFICIENT_STOCK"],
        ["INVALID_QUANTITY_MULTIPLE"],
        ["PRODUCT_UNAVAILABLE"],
        ["PRODUCT_UNAVAILABLE"],
    ]
    assert answer["items"][1]["unit_price"] == "121.50" and answer["items"][0]["line_total"] == "286.79"


def test_a_cart_answer_reads_its_lines_tiers_and_images_in_one_statement(client_for, shop, cart):
    with CaptureQueriesContext(connection) as queries:
        response = client_for(shop).get(CART)

    assert response.status_code == 200
    tables = ("orders_cartitem", "products_pricetier", "products_productimage")
    reads = [q["sql"] for q in queries.captured_queries if any(table in q["sql"] for table in tables)]
    assert len(reads) == 1 and all(table in reads[0] for table in tables)
    assert len(response.json()["data"]["items"]) == 6
