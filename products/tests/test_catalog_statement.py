"""The retail list's written-out statement (selectors.retail_page_rows, docs/performance.md pass
2, step 4): for every query it covers, the page must be byte for byte the one the FilterSet and the
ORM give; any other query, and every refused value, goes through the FilterSet."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from products.api import views
from products.api.filters import retail_statement_filters
from products.models import ProductImage
from products.services.categories import category_update
from products.services.suppliers import supplier_save

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products"
STATEMENT = "FROM products_product p"  # selectors._RETAIL_PAGE_SQL
UNKNOWN = "00000000-0000-0000-0000-000000000001"


@pytest.fixture
def counter(make_product, make_tag, make_category, category):
    """Products over a sub-category and a hidden one, with brands, a supplier, tags, featured ones,
    prices, stock on both sides of the minimum, and names holding LIKE's special characters."""
    child = make_category(parent=category, name_ar="ألبان", name_fr="Laitier", name_en="Dairy")
    hidden = make_category(parent=category, name_fr="Retirée")
    other = make_category(name_fr="Autre rayon")
    promo = make_tag(name_ar="عرض", name_fr="Promo", name_en="Offer")
    supplier = supplier_save(actor=None, code="SUP-1", name="Cevital")
    names = ["Lait 100%", "Lait_demi", "Lait \\ entier", "حليب كامل", "حليب خالي", "Yaourt", "Beurre", "Fromage"]
    products = []
    for n, name in enumerate(names):
        product = make_product(
            sku=f"DAI-{n}",
            name_fr=name,
            name_ar=f"{name} ع",
            name_en=f"Dairy {n}",
            category=[category, child, hidden, other][n % 4],
            brand=["Ifri", "IFRI", "Soummam", ""][n % 4],
            supplier=supplier if n % 2 else None,
            is_featured=n % 3 == 0,
            base_price=Decimal("50.00") + 25 * n,
            tax_rate=Decimal("19.00"),
            min_order_quantity=3,
            stock=[0, 2, 3, 10][n % 4],
            tags=[promo] if n % 2 == 0 else [],
            price_tiers=[{"min_quantity": 12, "unit_price": "40.00"}] if n == 1 else [],
        )
        if n == 0:
            ProductImage.objects.create(product=product, image="products/lait.png", is_primary=True)
        products.append(product)
    category_update(actor=None, category=hidden, is_active=False)
    return {"root": category, "child": child, "hidden": hidden, "other": other, "tag": promo, "supplier": supplier}


def page(client, params: dict, *, statement: bool, monkeypatch) -> tuple[bytes, list[str]]:
    """The answer's bytes and statements, cold (no cached page or representation), through the
    written-out statement or through the FilterSet."""
    if not statement:
        monkeypatch.setattr(views, "retail_statement_filters", lambda params: None)
    cache.clear()
    try:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(PRODUCTS, params)
    finally:
        monkeypatch.undo()
    assert response.status_code == 200, (params, response.content)
    return response.content, [q["sql"] for q in ctx.captured_queries]


@pytest.mark.postgres
def test_every_query_the_statement_covers_answers_the_filtersets_bytes(client_for, retailer, counter, monkeypatch):
    client = client_for(retailer)
    ids = {name: str(value.pk) for name, value in counter.items()}
    cases = [
        {},
        {"in_stock": "true"},
        {"in_stock": "false", "lang": "fr"},
        {"in_stock": "1"},  # not a value NullBooleanSelect knows: no filter, as the form reads it
        {"category": ids["root"]},
        {"category": ids["child"], "in_stock": "true"},
        {"category": ids["hidden"]},  # a hidden category shows nothing
        {"category": UNKNOWN},  # empty, without a statement
        {"tag": ids["tag"], "lang": "fr"},
        {"brand": "ifri"},
        {"brand": "  Ifri "},
        {"brand": ""},
        {"supplier": ids["supplier"], "is_featured": "false"},
        {"is_featured": "true"},
        {"min_price": "100", "max_price": "200.50"},
        {"min_price": "0"},
        {"search": "100%"},
        {"search": "lait_"},
        {"search": "\\"},
        {"search": "  حليب   كامل "},
        {"search": "LAIT", "in_stock": "false", "limit": "1", "offset": "1"},
        {"search": "lait", "offset": "50"},  # past the end: the total still counted
        {"search": "nothing-like-it", "offset": "20"},
        {"category": ids["root"], "tag": ids["tag"], "brand": "IFRI", "search": "lait", "lang": "fr"},
    ]
    for params in cases:
        fast, fast_statements = page(client, params, statement=True, monkeypatch=monkeypatch)
        general, general_statements = page(client, params, statement=False, monkeypatch=monkeypatch)

        assert fast == general, params
        assert any(STATEMENT in sql for sql in fast_statements) != (params.get("category") == UNKNOWN), params
        assert not any(STATEMENT in sql for sql in general_statements), params


@pytest.mark.postgres
def test_a_category_is_filtered_by_its_subtrees_ids_without_joining_the_tree(client_for, retailer, counter):
    """The page's statement names the category and its sub-categories by id, from the process's
    copy of the tree: PostgreSQL joined the tree by path and scanned the search index once per
    sub-category, 4× the statement's cost on the bench's catalog (docs/performance.md)."""
    client = client_for(retailer)
    client.get(PRODUCTS, {"category": str(counter["root"].pk)})  # the process learns the tree
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(PRODUCTS, {"category": str(counter["root"].pk), "search": "lait", "in_stock": "true"})

    assert response.status_code == 200
    [statement] = [q["sql"] for q in ctx.captured_queries if STATEMENT in q["sql"]]
    assert "products_category" not in statement
    subtree = {str(counter[name].pk) for name in ("root", "child", "hidden")}
    assert all(pk in statement for pk in subtree)
    assert str(counter["other"].pk) not in statement
    assert not any("products_category" in q["sql"] for q in ctx.captured_queries)


@pytest.mark.postgres
def test_ordering_and_refused_values_go_through_the_filterset(client_for, retailer, counter):
    client = client_for(retailer)
    with CaptureQueriesContext(connection) as ctx:
        ordered = client.get(PRODUCTS, {"ordering": "-price", "in_stock": "true"})
        refused = client.get(PRODUCTS, {"category": "not-a-uuid", "lang": "fr"})

    assert [p["sku"] for p in ordered.json()["data"]] == ["DAI-7", "DAI-3"]
    assert refused.status_code == 400
    assert refused.json()["error_code"] == "VALIDATION_ERROR"
    assert refused.json()["details"] == {"category": ["Saisissez un UUID valide."]}
    assert not any(STATEMENT in q["sql"] for q in ctx.captured_queries)


def test_the_parameters_are_cleaned_as_the_filtersets_form_cleans_them():
    def clean(query: str):
        return retail_statement_filters(QueryDict(query))

    assert clean("") == {}
    assert clean("lang=ar&limit=5&offset=10") == {}
    assert clean("brand=%20Ifri%20&search=&in_stock=false&is_featured=true&min_price=1.5") == {
        "brand": "Ifri",
        "in_stock": False,
        "is_featured": True,
        "min_price": Decimal("1.5"),
    }
    assert clean("in_stock=maybe") == {}  # the form reads an unknown boolean as "no filter"
    assert clean(f"category={UNKNOWN}")["category"].int == 1
    # For the FilterSet: another parameter, or a value its form refuses (it answers the error).
    assert clean("ordering=name") is None
    assert clean("include_inactive=true") is None
    assert clean("colour=red") is None
    assert clean("tag=nope") is None
    assert clean("min_price=1e400") is None
    assert clean("max_price=-1") is None
