"""Product representations as the API answers them: the retail catalog cache (api.md
"Catalog"; decisions.md, "Catalog cache") and the staff representation of one product. Shared by
the catalog views and other apps' views (orders' popular and recommended products), which import
them from here rather than from products' views."""

import hashlib
import json
from urllib.parse import urlencode

from django.core.cache import cache
from django.http import Http404
from django.utils.translation import get_language

from livrili.core.process_copies import ProcessCopies

from . import selectors
from .api.pages import render_item
from .api.serializers import STOCK_FIELDS, RetailProductSerializer, StaffProductSerializer
from .services.cache import catalog_structure_version, catalog_versions

RETAIL_CACHE_SECONDS = 600
RENDERED_COPIES = 4_000  # per process (~2 KB each); past it the copies start again from none


# --- Retail cache -------------------------------------------------------------------------------
# Two layers, neither holding stock (read live, one query a page): each product's representation
# per language, keyed by its `updated_at` (an edit retires only that product's entries), and each
# list page, stored with the catalog version it was built under (any change retires every page; a
# page is then rebuilt from one statement and the cached representations). A page is kept
# rendered (products/api/pages.py): its envelope and each product's JSON without the two stock
# fields, so serving it is a join of bytes with the live stock (decisions.md, "Performance pass 2").


def retail_page_key(request) -> str:
    """The page's key: language and query (the catalog version is stored in the entry, so the
    versions and the page are read in one cache round trip)."""
    params = sorted((k, v) for k, values in request.query_params.lists() for v in values if k != "lang")
    digest = hashlib.sha256(f"{get_language()}|{urlencode(params)}".encode()).hexdigest()
    return f"products:retail-rendered-page:{digest}"


def cached_retail_page(key: str | None) -> tuple[str, str, tuple | None]:
    """(catalog version, structure version, the cached rendered page or None) in one round trip;
    `key` None: the page is not cacheable (only the versions are read)."""
    catalog_version, structure_version, found = catalog_versions(*([key] if key else []))
    entry = found.get(key) if key else None
    page = entry[1] if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == catalog_version else None
    return catalog_version, structure_version, page


def cache_retail_page(key: str, catalog_version: str, page: tuple) -> None:
    cache.set(key, (catalog_version, page), RETAIL_CACHE_SECONDS)


def strip_stock(items: list[dict]) -> list[dict]:
    return [{k: v for k, v in item.items() if k not in STOCK_FIELDS} for item in items]


def with_live_stock(items: list[dict], stock: dict | None = None) -> list[dict]:
    """Adds available_quantity / in_stock to cached items, from `stock` or the database (one query)."""
    if stock is None:
        stock = selectors.stock_levels([item["id"] for item in items])
    out = []
    for item in items:
        available = stock.get(str(item["id"]), 0)
        out.append({**item, "available_quantity": available, "in_stock": available >= item["min_order_quantity"]})
    return out


def page_row(product_id, updated_at) -> list[str]:
    return [str(product_id), updated_at.isoformat()]


def retail_rendered(request, rows: list[list[str]], structure_version: str) -> list[tuple[str, int, bytes]]:
    """(id, min_order_quantity, the retail representation rendered without its stock fields nor
    its closing brace) of `rows` ([id, updated_at]), in order, from the cache; the products missing
    there are read in one query (and prefetches), rendered and cached. Kept rendered, a page joins
    the bytes (products/api/pages.py) instead of loading and encoding 20 dicts. A product hidden
    since the rows were read is left out."""
    prefix = f"products:retail-product-json:{structure_version}:{get_language()}"
    keys = {product_id: f"{prefix}:{product_id}:{stamp}" for product_id, stamp in rows}
    found = _rendered.get_many(keys.values())
    shared = [key for key in keys.values() if key not in found]
    if shared:
        from_cache = cache.get_many(shared)
        _rendered.keep_many(from_cache)
        found.update(from_cache)
    missing = [product_id for product_id, key in keys.items() if key not in found]
    if missing:
        products = selectors.product_list(retail=True).filter(pk__in=missing)
        data = strip_stock(RetailProductSerializer(products, many=True, context={"request": request}).data)
        fresh = {keys[item["id"]]: (item["min_order_quantity"], render_item(item)) for item in data}
        cache.set_many(fresh, RETAIL_CACHE_SECONDS)
        _rendered.keep_many(fresh)
        found.update(fresh)
    return [(product_id, *found[key]) for product_id, key in keys.items() if key in found]


# This process's copies of rendered representations: a key names the structure version, the
# language and the product's `updated_at`, so what it names never changes; kept at most as long as
# the shared cache keeps an entry. Saves a page the round trip and unpickling of its products.
_rendered = ProcessCopies(size=RENDERED_COPIES, max_age=lambda: RETAIL_CACHE_SECONDS)


def retail_products(request, rows: list[list[str]], structure_version: str) -> list[dict]:
    """`retail_rendered` as the representations (dicts, without stock), for answers built around them."""
    return [json.loads(rendered + b"}") for _id, _moq, rendered in retail_rendered(request, rows, structure_version)]


def retail_products_by_id(request, product_ids: list) -> list[dict]:
    """The visible products among `product_ids`, in that order, with live stock (popular,
    recommended, recently viewed)."""
    structure = catalog_structure_version()
    visible = selectors.visible_products(retail=True, structure_version=structure).filter(pk__in=product_ids)
    updated = dict(visible.values_list("id", "updated_at"))
    rows = [page_row(pk, updated[pk]) for pk in product_ids if pk in updated]
    return with_live_stock(retail_products(request, rows, structure))


def retail_product(request, product_id) -> dict:
    structure = catalog_structure_version()
    visible = selectors.visible_products(retail=True, structure_version=structure).filter(pk=product_id)
    row = visible.values_list("id", "updated_at", "stock_quantity").first()
    items = retail_products(request, [page_row(row[0], row[1])], structure) if row else []
    if not items:
        raise Http404
    return with_live_stock(items, {str(row[0]): row[2]})[0]


def staff_product(product_id) -> dict:
    product = selectors.product_list(retail=False, include_inactive=True).get(pk=product_id)
    return StaffProductSerializer(product).data
