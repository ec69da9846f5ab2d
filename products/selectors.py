"""Catalog reads, with their joins prepared (list endpoints keep a constant query count)."""

import uuid
from datetime import timedelta

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, Max, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import Category, PriceTier, Product, ProductImage, ProductView, StockMovement, Supplier, Tag, TagAlias
from .search import filter_search, normalize, search_words
from .services.cache import catalog_structure_version

RECENTLY_VIEWED_LIMIT = 20


# One structure version always names the same hidden set, so each process also keeps the last
# few in memory: no cache round trip on the retail paths that only need to filter by it.
_hidden_by_version: dict[str, frozenset] = {}


def hidden_category_ids(structure_version: str | None = None) -> frozenset:
    """Categories a retailer must not see: inactive ones and everything under them (cached per
    catalog structure version)."""
    version = structure_version or catalog_structure_version()
    hidden = _hidden_by_version.get(version)
    if hidden is not None:
        return hidden
    key = f"products:hidden-categories:{version}"
    hidden = cache.get(key)
    if hidden is None:
        rows = list(Category.objects.values_list("id", "path", "is_active"))
        inactive = [path for _id, path, active in rows if not active]
        hidden = {pk for pk, path, _active in rows if any(path == p or path.startswith(p + "/") for p in inactive)}
        cache.set(key, hidden, 3600)
    if len(_hidden_by_version) >= 8:
        _hidden_by_version.clear()
    _hidden_by_version[version] = frozenset(hidden)
    return _hidden_by_version[version]


# The category tree per structure version, per process (moves, creations and deletions bump the
# version): {category id: path} and the subtrees asked for. The category filter names a subtree by
# its ids, without a query per request: PostgreSQL, given the tree to join by path instead, scanned
# the search index once per sub-category (docs/performance.md, pass 2).
_trees_by_version: dict[str, tuple[dict, dict]] = {}


def category_subtree_ids(category_id, structure_version: str | None = None) -> tuple[str, ...] | None:
    """The ids (text) of `category_id` and of every category under it, hidden ones included (None:
    no such category); from the process's copy of the tree when `structure_version` is given, else
    (or when the copy does not know it) from the database."""
    tree = _trees_by_version.get(structure_version) if structure_version else None
    if structure_version and tree is None:
        if len(_trees_by_version) >= 8:
            _trees_by_version.clear()
        tree = _trees_by_version[structure_version] = (dict(Category.objects.values_list("id", "path")), {})
    paths, subtrees = tree or ({}, {})
    if category_id not in paths:  # not in the copy: the database's tree
        path = Category.objects.filter(pk=category_id).values_list("path", flat=True).first()
        if path is None:
            return None
        return tuple(
            str(pk) for pk in Category.objects.filter(category_descendant_q(path, "")).values_list("pk", flat=True)
        )
    if category_id not in subtrees:
        path = paths[category_id]
        subtrees[category_id] = tuple(
            str(pk) for pk, other in paths.items() if other == path or other.startswith(f"{path}/")
        )
    return subtrees[category_id]


def category_list(*, retail: bool) -> QuerySet:
    queryset = Category.objects.select_related("parent").order_by("depth", "sort_order", "name")
    if retail:
        queryset = queryset.exclude(pk__in=hidden_category_ids())
    return queryset


def category_descendant_q(category: Category | str, prefix: str = "category__") -> Q:
    """The category (or the category whose path is given) and everything under it."""
    path = category if isinstance(category, str) else category.path
    return Q(**{f"{prefix}path": path}) | Q(**{f"{prefix}path__startswith": path + "/"})


def visible_products(*, retail: bool, include_inactive: bool = False, structure_version: str | None = None) -> QuerySet:
    """Retailers: active products whose category and every ancestor are active. Staff: active
    ones unless `include_inactive`."""
    queryset = Product.objects.all()
    if retail:
        return queryset.filter(is_active=True).exclude(category_id__in=hidden_category_ids(structure_version))
    return queryset if include_inactive else queryset.filter(is_active=True)


def product_rows(*, retail: bool, include_inactive: bool = False, structure_version: str | None = None) -> QuerySet:
    """What the product list filters, orders and pages: visible products, no joins."""
    return (
        visible_products(retail=retail, include_inactive=include_inactive, structure_version=structure_version)
        .annotate(price=F("base_price"))
        .order_by("sku")
    )


def product_list(*, retail: bool, include_inactive: bool = False, search: str | None = None) -> QuerySet:
    """Products with everything their representation shows."""
    queryset = product_rows(retail=retail, include_inactive=include_inactive)
    queryset = queryset.select_related("category", "supplier").prefetch_related(
        Prefetch("images", queryset=ProductImage.objects.order_by("-is_primary", "sort_order", "created_at")),
        Prefetch("price_tiers", queryset=PriceTier.objects.order_by("min_quantity")),
        Prefetch("tags", queryset=Tag.objects.order_by("slug")),
    )
    return filter_search(queryset, search) if search else queryset


# The ids in and out as text: one parameter to bind and no UUID to build on either side.
_STOCK_LEVELS_SQL = 'SELECT "id"::text, "stock_quantity" FROM "products_product" WHERE "id" = ANY(%s::uuid[])'


def stock_levels(product_ids) -> dict[str, int]:
    """{product id as text: stock} for products shown from the catalog cache (one query). On
    PostgreSQL a fixed statement with the ids as one array literal: it runs on every catalog page,
    cached or not, and building the ORM's query, or binding a list of UUIDs, cost more CPU than the
    statement itself."""
    if connection.vendor != "postgresql":
        rows = Product.objects.filter(pk__in=product_ids).values_list("id", "stock_quantity")
        return {str(pk): quantity for pk, quantity in rows}
    ids = [str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))) for value in product_ids]
    with connection.cursor() as cursor:
        cursor.execute(_STOCK_LEVELS_SQL, ["{" + ",".join(ids) + "}"])
        return dict(cursor.fetchall())


# The retail list page on PostgreSQL: ONE statement, written out, for the parameters of
# api.filters.RETAIL_STATEMENT_FILTERS. Building the same statement through the FilterSet and the
# ORM cost ~5 ms of CPU per request, half the page (docs/performance.md, pass 2, step 4); every
# condition below is the ORM's for the same filter (products/tests/test_catalog_statement.py
# compares their pages).
_RETAIL_PAGE_SQL = """
SELECT p.id, p.updated_at, p.stock_quantity, count(*) OVER ()
FROM products_product p{joins}
WHERE p.is_active{conditions}
ORDER BY p.sku
LIMIT %s OFFSET %s
"""
# Filters that are one condition on one parameter (brand: the ORM's `iexact`).
_RETAIL_PAGE_CONDITIONS = {
    "brand": "UPPER(p.brand) = UPPER(%s)",
    "supplier": "p.supplier_id = %s",
    "min_price": "p.base_price >= %s",
    "max_price": "p.base_price <= %s",
}


def retail_page_rows(filters: dict, limit: int, offset: int, *, structure_version: str | None = None) -> list:
    """[(id, updated_at, stock_quantity, total of the matches)] of the visible products that
    `filters` (cleaned by api.filters.retail_statement_filters) select, ordered by SKU. PostgreSQL only."""
    joins, conditions, params = [], [], []
    hidden = hidden_category_ids(structure_version)
    if hidden:
        conditions.append("NOT (p.category_id = ANY(%s))")
        params.append(list(hidden))
    if "category" in filters:
        subtree = category_subtree_ids(filters["category"], structure_version)
        if subtree is None:
            return []
        conditions.append("p.category_id = ANY(%s::uuid[])")
        params.append("{" + ",".join(subtree) + "}")
    if "tag" in filters:
        joins.append("JOIN products_product_tags pt ON pt.product_id = p.id")
        conditions.append("pt.tag_id = %s")
        params.append(filters["tag"])
    for name, condition in _RETAIL_PAGE_CONDITIONS.items():
        if name in filters:
            conditions.append(condition)
            params.append(filters[name])
    if "in_stock" in filters:  # in stock = at least the minimum order quantity can be sold
        conditions.append(f"p.stock_quantity {'>=' if filters['in_stock'] else '<'} p.min_order_quantity")
    if "is_featured" in filters:
        conditions.append(f"{'' if filters['is_featured'] else 'NOT '}p.is_featured")
    for word in search_words(filters.get("search")):
        conditions.append("p.search_text LIKE %s")  # the trigram index, as search.filter_search
        params.append("%" + connection.ops.prep_for_like_query(word) + "%")
    sql = _RETAIL_PAGE_SQL.format(
        joins="".join(f"\n{join}" for join in joins),
        conditions="".join(f"\n  AND {condition}" for condition in conditions),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit, offset])
        return cursor.fetchall()


def stock_ledger_mismatches() -> QuerySet:
    """Products whose stock differs from the sum of their movements (should always be empty)."""
    ledger = Coalesce(Sum("stock_movements__delta"), 0)
    return Product.objects.annotate(ledger=ledger).exclude(stock_quantity=F("ledger"))


def stock_movements(product: Product) -> QuerySet:
    return StockMovement.objects.filter(product=product).select_related("actor").order_by("-created_at")


def tag_list() -> QuerySet:
    return Tag.objects.prefetch_related(Prefetch("aliases", queryset=TagAlias.objects.order_by("alias"))).annotate(
        usage_count=Count("products", distinct=True)
    )


def supplier_list() -> QuerySet:
    return Supplier.objects.select_related("wilaya").order_by("name")


def suggestions(*, query: str, retail: bool, limit: int = 5) -> dict:
    """Typeahead: product names, categories and brands matching every word of `query`."""
    matching = filter_search(visible_products(retail=retail), query).order_by("sku")
    products = list(matching.only("id", "sku", "name_ar", "name_fr", "name_en")[:limit])
    words = normalize(query).split()
    categories = []
    if words:
        for category in category_list(retail=retail):
            haystack = normalize(" ".join(filter(None, [category.name_ar, category.name_fr, category.name_en])))
            if all(word in haystack for word in words):
                categories.append(category)
                if len(categories) == limit:
                    break
    brands = []
    if words:
        brand_rows = visible_products(retail=retail).exclude(brand="").values_list("brand", flat=True).distinct()
        for brand in brand_rows.order_by("brand"):
            if all(word in normalize(brand) for word in words):
                brands.append(brand)
                if len(brands) == limit:
                    break
    return {"products": products, "categories": categories, "brands": brands}


def recently_viewed_ids(*, user) -> list:
    """The user's last 20 distinct viewed products, latest first (visibility is the caller's)."""
    latest = (
        ProductView.objects.filter(user=user)
        .values("product_id")
        .annotate(last=Max("viewed_at"))
        .order_by("-last")[:RECENTLY_VIEWED_LIMIT]
    )
    return [row["product_id"] for row in latest]


POPULARITY_DAYS = 30


def with_popularity(queryset: QuerySet) -> QuerySet:
    """Annotate `popularity`: units in non-cancelled orders over the last 30 days (the order
    lines reach products through their `order_items` relation; products imports no orders code)."""
    since = timezone.now() - timedelta(days=POPULARITY_DAYS)
    sold = Q(order_items__order__created_at__gte=since) & ~Q(order_items__order__status="cancelled")
    return queryset.annotate(popularity=Coalesce(Sum("order_items__quantity", filter=sold), 0))
