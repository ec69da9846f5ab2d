"""The retail list page after performance pass 2 (docs/performance.md): one statement for the
page, its total and its stock, pages cached rendered and read with the catalog versions in one
cache round trip. Its answers must stay byte for byte what the serializer and the renderer give
(the representation path before the pass)."""

from decimal import Decimal
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from rest_framework.renderers import JSONRenderer

from livrili.api import media
from livrili.api.renderers import EnvelopeJSONRenderer
from products.api.serializers import RetailProductSerializer
from products.models import Product, ProductImage
from products.services.cache import catalog_changed
from products.services.categories import category_update
from products.services.products import product_update
from products.services.stock import stock_adjust

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products"


def expected_bytes(products: list[Product], *, lang: str, total: int, limit: int = 20, offset: int = 0) -> bytes:
    """What the representation path gave before the pass: the serializer over the products (live
    stock included), in the paginated envelope, through the API renderer."""
    request = RequestFactory().get("/", HTTP_HOST="testserver")
    token = media._current_request.set(request)  # absolute image URLs, as inside a request
    try:
        with translation.override(lang):
            data = RetailProductSerializer([Product.objects.get(pk=p.pk) for p in products], many=True).data
    finally:
        media._current_request.reset(token)
    body = {
        "success": True,
        "data": data,
        "message": None,
        "pagination": {"total": total, "limit": limit, "offset": offset, "has_more": offset + limit < total},
    }

    class Enveloped:
        status_code = 200
        enveloped = True

    return EnvelopeJSONRenderer().render(body, renderer_context={"response": Enveloped()})


@pytest.fixture
def shelf(make_product, make_tag, make_category, category):
    """Products with tiers, images, tags, Arabic and French names, a sub-category, some in stock."""
    child = make_category(parent=category, name_ar="قهوة", name_fr="Café", name_en="Coffee")
    tag = make_tag(name_ar="عرض", name_fr="Promo\u2028", name_en="Offer")
    products = []
    for n in range(6):
        product = make_product(
            sku=f"COF-{n}",
            name_ar=f"قهوة مطحونة {n}",
            name_fr=f"Café moulu « {n} »",
            name_en=f"Ground coffee {n}",
            category=child if n % 2 else category,
            base_price=Decimal("120.50") + n,
            tax_rate=Decimal("19.00"),
            min_order_quantity=2,
            stock=n,
            tags=[tag] if n % 3 == 0 else [],
            price_tiers=[{"min_quantity": 10, "unit_price": "110.00"}] if n % 2 == 0 else [],
        )
        if n < 2:
            ProductImage.objects.create(product=product, image=f"products/c{n}.png", is_primary=True)
        products.append(product)
    return {"products": products, "child": child, "category": category}


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_pages_are_byte_identical_to_the_serializer_and_renderer(client_for, retailer, shelf, lang):
    products, child = shelf["products"], shelf["child"]
    client = client_for(retailer)
    in_stock = [p for p in products if p.stock_quantity >= 2]
    cases = [
        ({}, products, len(products), {}),
        ({"in_stock": "true"}, in_stock, len(in_stock), {}),
        ({"in_stock": "false"}, [p for p in products if p not in in_stock], 2, {}),
        ({"category": str(child.pk)}, [p for p in products if p.category_id == child.pk], 3, {}),
        (
            {"search": "قهوه", "in_stock": "true", "limit": "2", "offset": "1"},
            in_stock[1:3],
            4,
            {"limit": 2, "offset": 1},
        ),
        ({"search": "moulu", "limit": "2", "offset": "4"}, products[4:6], 6, {"limit": 2, "offset": 4}),
        ({"search": "moulu", "offset": "6"}, [], 6, {"offset": 6}),  # past the end: counted apart
        ({"search": "absent"}, [], 0, {}),
        ({"ordering": "-price"}, products[::-1], 6, {}),
    ]
    for params, expected, total, page in cases:
        for _ in range(2):  # built, then (when cacheable) served from the cache
            response = client.get(PRODUCTS, {"lang": lang, **params})
            assert response.status_code == 200, params
            assert response["Content-Type"] == "application/json; charset=utf-8"
            assert response.content == expected_bytes(expected, lang=lang, total=total, **page), params


def test_a_cached_page_shows_live_stock_and_a_catalog_change_rebuilds_it(client_for, retailer, shelf):
    products = shelf["products"]
    client = client_for(retailer)
    client.get(PRODUCTS, {"lang": "fr"})

    stock_adjust(actor=None, product=products[0], operation="add", quantity=7)
    with CaptureQueriesContext(connection) as cached:
        response = client.get(PRODUCTS, {"lang": "fr"})

    assert response.content == expected_bytes(products, lang="fr", total=6)
    assert response.json()["data"][0]["available_quantity"] == 7
    # The user (authentication) and the page's live stock: nothing else reaches the database.
    assert len(cached.captured_queries) == 2
    assert 'FROM "products_product"' in cached.captured_queries[1]["sql"]
    product_update(actor=None, product=products[1], name_fr="Café renommé")
    renamed = client.get(PRODUCTS, {"lang": "fr"}).json()["data"][1]
    assert renamed["name"] == "Café renommé"


def test_a_cached_page_is_one_cache_round_trip_and_a_newer_catalog_version_rebuilds_it(
    client_for, retailer, shelf, monkeypatch, settings
):
    settings.AUTH_USER_COPY_MAX_AGE = 0  # the page's own round trips, not authentication's revision
    client = client_for(retailer)
    client.get(PRODUCTS, {"lang": "fr"})
    calls, inside = [], []

    def spy(name):
        original = getattr(cache, name)

        def call(*args, **kwargs):
            if not inside:  # the in-memory backend's get_many calls get: one round trip
                calls.append(name)
            inside.append(name)
            try:
                return original(*args, **kwargs)
            finally:
                inside.pop()

        monkeypatch.setattr(cache, name, call)

    spy("get")
    spy("get_many")
    with CaptureQueriesContext(connection) as hit:
        client.get(PRODUCTS, {"lang": "fr"})
    hit_calls = list(calls)
    catalog_changed(product_ids=[])  # a new catalog version: every cached page is retired
    with CaptureQueriesContext(connection) as miss:
        response = client.get(PRODUCTS, {"lang": "fr"})

    assert hit_calls == ["get_many"]
    assert not any("OVER ()" in q["sql"] for q in hit.captured_queries)
    assert len([q for q in miss.captured_queries if "OVER ()" in q["sql"]]) == 1
    assert response.content == expected_bytes(shelf["products"], lang="fr", total=6)


def test_the_uncached_page_is_one_statement_for_rows_total_and_stock(client_for, retailer, shelf):
    client = client_for(retailer)
    params = {"in_stock": "true", "category": str(shelf["category"].pk)}
    client.get(PRODUCTS, params)  # representations cached

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(PRODUCTS, params)

    assert response.json()["pagination"]["total"] == 4
    statements = [q["sql"] for q in ctx.captured_queries]
    # The user (authentication), then the page: rows, the window total and the live stock in one
    # statement; the category's path comes from the process's copy of the tree; no COUNT query,
    # no stock query.
    assert len(statements) == 2, statements
    assert "OVER ()" in statements[1] and "stock_quantity" in statements[1]


def test_an_uncached_page_renders_only_its_envelope_when_its_products_are_cached(client_for, retailer, shelf):
    # Each product is cached rendered: serving the page joins its bytes, it encodes no product again.
    client = client_for(retailer)
    params = {"in_stock": "false", "category": str(shelf["category"].pk)}
    client.get(PRODUCTS, params)  # representations cached
    encoded = []
    encode = JSONRenderer.render  # what every JSON body and fragment of the API goes through

    def counting(self, data, *args, **kwargs):
        encoded.append(data)
        return encode(self, data, *args, **kwargs)

    with mock.patch.object(JSONRenderer, "render", counting):
        response = client.get(PRODUCTS, params)

    assert [p["sku"] for p in response.json()["data"]] == ["COF-0", "COF-1"]
    assert len(encoded) == 1 and encoded[0]["data"] == [], encoded  # the envelope alone


def test_products_this_process_rendered_are_not_read_from_the_shared_cache_again(
    client_for, retailer, shelf, monkeypatch
):
    """Each process keeps the representations it rendered or read (their keys name immutable
    versions): an uncached page of products it served reads only the catalog versions from the
    cache; an edited product is read under its new key and served as edited."""
    client = client_for(retailer)
    params = {"in_stock": "false", "category": str(shelf["category"].pk), "lang": "fr"}
    first = client.get(PRODUCTS, params).content
    read = []
    get_many = cache.get_many
    monkeypatch.setattr(cache, "get_many", lambda keys, *a, **kw: read.append(list(keys)) or get_many(keys, *a, **kw))

    again = client.get(PRODUCTS, params).content
    product_update(actor=None, product=shelf["products"][0], name_fr="Café renommé")
    edited = client.get(PRODUCTS, params).json()["data"]

    assert again == first
    assert [len([k for k in keys if "retail-product-json" in k]) for keys in read] == [0, 0, 1]
    assert edited[0]["name"] == "Café renommé"


def test_the_category_filter_follows_moves_and_new_categories(client_for, retailer, shelf, make_category, make_product):
    client = client_for(retailer)
    child, root = shelf["child"], shelf["category"]
    other = make_category(name_fr="Autre")
    client.get(PRODUCTS, {"category": str(root.pk), "in_stock": "false"})  # the tree is now known

    category_update(actor=None, category=child, parent=other)
    under_other = client.get(PRODUCTS, {"category": str(other.pk), "in_stock": "true"}).json()["data"]
    under_root = client.get(PRODUCTS, {"category": str(root.pk), "in_stock": "true"}).json()["data"]
    newest = make_category(parent=other, name_fr="Nouvelle")
    make_product(sku="NEW-1", category=newest, stock=5, min_order_quantity=1)
    in_newest = client.get(PRODUCTS, {"category": str(newest.pk), "in_stock": "true"}).json()["data"]

    assert [p["sku"] for p in under_other] == ["COF-3", "COF-5"]
    assert [p["sku"] for p in under_root] == ["COF-2", "COF-4"]
    assert [p["sku"] for p in in_newest] == ["NEW-1"]


def test_a_client_asking_for_indented_json_gets_it(client_for, retailer, shelf):
    client = client_for(retailer)
    compact = client.get(PRODUCTS, {"lang": "fr"})

    indented = client.get(PRODUCTS, {"lang": "fr"}, HTTP_ACCEPT="application/json; indent=2")

    assert indented.content.startswith(b'{\n  "success": true,\n  "data": [')
    assert indented.json() == compact.json()
