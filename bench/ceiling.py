"""The raw-SQL ceiling of the uncached catalog page (docs/performance.md, "The ceiling").

A bench-only WSGI application, served by its own gunicorn with the app's worker model while the
`catalog_ceiling` scenario runs: no Django, no authentication, no cache. Each request runs ONE
PostgreSQL statement that filters, counts, sorts and pages the same products as
`GET /api/v1/products?lang=ar&category=…&search=…&in_stock=true` and builds the whole answer
(envelope, pagination, each product with its category, tiers, images and tags through json_agg)
inside PostgreSQL; the worker only hands the bytes back. That is what a minimal service (the
issue's FastAPI + asyncpg comparison) does, so its throughput is the database's pace for that page
on this machine: the uncached catalog's throughput is reported as a ratio to it.

    gunicorn bench.ceiling:application   (DATABASE_URL as for the app)
    GET /health                            200, no database
    GET /catalog?category=<uuid>&search=<words>&in_stock=true[&limit=&offset=][&subtree=ids]

Two forms of the category filter. By default, the issue's comparator as it writes it: the tree
joined and filtered by path, which PostgreSQL plans as one scan of the search index per
sub-category. `subtree=ids`: the subtree's ids taken by a sub-select (still one statement, no
cache), which PostgreSQL plans as the app's statement (selectors.retail_page_rows: the ids from
its cached tree) — one scan of each index. Both are reported (`catalog_ceiling`,
`catalog_ceiling_ids`): the first is the issue's ceiling, the second the database's pace for the
page with the cheaper plan (docs/performance.md).
"""

import os
import sys
from pathlib import Path
from urllib.parse import parse_qs

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from products.search import search_words  # pure Python: the query's normalisation

SUBTREE_JOINED = """JOIN products_category c ON c.id = p.category_id
    WHERE p.is_active
      AND (c.path = %(path)s OR c.path LIKE %(path_prefix)s)"""
SUBTREE_IDS = """WHERE p.is_active
      AND p.category_id = ANY(ARRAY(
          SELECT c.id FROM products_category c WHERE c.path = %(path)s OR c.path LIKE %(path_prefix)s))"""

# One statement: the page (with its total from a window count, so the matches are read once), then
# its relations for the 20 rows only. Texts in Arabic, as `lang=ar` answers (the `*_ar` columns).
# The category's path and the hidden categories are literals (the subtree as SUBTREE_JOINED or
# SUBTREE_IDS says): each worker reads the category tree once, at its first request (the bench never
# edits categories).
PAGE_SQL = """
WITH
page AS (
    SELECT p.id, p.sku, p.barcode, p.name, p.name_ar, p.name_fr, p.name_en, p.description, p.description_ar,
           p.description_fr, p.description_en, p.category_id, p.brand, p.unit, p.pack_size, p.order_multiple,
           p.min_order_quantity, p.base_price, p.tax_rate, p.weight_kg, p.dimensions, p.is_active, p.is_featured,
           p.stock_quantity, count(*) OVER () AS total
    FROM products_product p
    {subtree}
      {hidden}
      AND p.stock_quantity >= p.min_order_quantity
      {search}
    ORDER BY p.sku
    LIMIT %(limit)s OFFSET %(offset)s
)
SELECT json_build_object(
    'success', true,
    'data', coalesce(json_agg(json_build_object(
        'id', p.id, 'sku', p.sku, 'barcode', p.barcode,
        'name', coalesce(p.name_ar, p.name), 'name_ar', p.name_ar, 'name_fr', p.name_fr, 'name_en', p.name_en,
        'description', coalesce(p.description_ar, p.description), 'description_ar', p.description_ar,
        'description_fr', p.description_fr, 'description_en', p.description_en,
        'category', json_build_object('id', c.id, 'name', coalesce(c.name_ar, c.name)),
        'brand', p.brand, 'unit', p.unit, 'pack_size', p.pack_size, 'order_multiple', p.order_multiple,
        'min_order_quantity', p.min_order_quantity, 'base_price', p.base_price::text,
        'price_tiers', (
            SELECT coalesce(json_agg(json_build_object('min_quantity', t.min_quantity, 'unit_price',
                                                       t.unit_price::text) ORDER BY t.min_quantity), '[]')
            FROM products_pricetier t WHERE t.product_id = p.id
        ),
        'tax_rate', p.tax_rate::text,
        'price_with_tax', round(p.base_price + p.base_price * p.tax_rate / 100, 2)::text,
        'images', (
            SELECT coalesce(json_agg(json_build_object('id', i.id, 'url', '/media/' || i.image, 'alt_text',
                                                       i.alt_text, 'is_primary', i.is_primary, 'sort_order',
                                                       i.sort_order)
                                     ORDER BY i.is_primary DESC, i.sort_order, i.created_at), '[]')
            FROM products_productimage i WHERE i.product_id = p.id
        ),
        'tags', (
            SELECT coalesce(json_agg(json_build_object('id', g.id, 'slug', g.slug, 'name',
                                                       coalesce(g.name_ar, g.name), 'color', g.color)
                                     ORDER BY g.slug), '[]')
            FROM products_product_tags pt JOIN products_tag g ON g.id = pt.tag_id WHERE pt.product_id = p.id
        ),
        'weight_kg', p.weight_kg::text, 'dimensions', p.dimensions, 'is_active', p.is_active,
        'is_featured', p.is_featured, 'available_quantity', p.stock_quantity,
        'in_stock', p.stock_quantity >= p.min_order_quantity
    ) ORDER BY p.sku), '[]'),
    'message', null,
    'pagination', json_build_object(
        'total', coalesce(max(p.total), 0), 'limit', %(limit)s, 'offset', %(offset)s,
        'has_more', %(offset)s + %(limit)s < coalesce(max(p.total), 0)
    )
)::text
FROM page p JOIN products_category c ON c.id = p.category_id
"""

_connection = None
_tree: dict = {}


def connection():
    """One connection per worker process, opened after the fork, kept (as CONN_MAX_AGE does)."""
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True, prepare_threshold=None)
    return _connection


def category_tree() -> dict:
    """{category id: path} and the hidden ids (inactive, or under an inactive category)."""
    if not _tree:
        rows = connection().execute("SELECT id::text, path, is_active FROM products_category").fetchall()
        inactive = [path for _id, path, active in rows if not active]
        _tree["paths"] = {pk: path for pk, path, _active in rows}
        _tree["hidden"] = [
            pk for pk, path, _active in rows if any(path == p or path.startswith(p + "/") for p in inactive)
        ]
    return _tree


def respond(start_response, status: str, body: bytes):
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path == "/health":
        return respond(start_response, "200 OK", b'{"status":"ok"}')
    if path != "/catalog":
        return respond(start_response, "404 Not Found", b"{}")
    query = {key: values[-1] for key, values in parse_qs(environ.get("QUERY_STRING", "")).items()}
    limit, offset = int(query.get("limit", 20)), int(query.get("offset", 0))
    tree = category_tree()
    path = tree["paths"].get(query["category"], "")
    params = {"path": path, "path_prefix": path + "/%", "limit": limit, "offset": offset, "hidden": tree["hidden"]}
    # One LIKE per word, as the app's filter (each served by the trigram index).
    search = []
    for index, word in enumerate(search_words(query.get("search"))):
        params[f"w{index}"] = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        search.append(f"AND p.search_text LIKE %(w{index})s")
    hidden = "AND NOT (p.category_id = ANY(%(hidden)s::uuid[]))" if tree["hidden"] else ""
    subtree = SUBTREE_IDS if query.get("subtree") == "ids" else SUBTREE_JOINED
    sql = PAGE_SQL.replace("{subtree}", subtree).replace("{search}", " ".join(search)).replace("{hidden}", hidden)
    row = connection().execute(sql, params).fetchone()
    return respond(start_response, "200 OK", row[0].encode())
