"""Catalog cache versions: the retail caches are keyed by them, and every catalog change
bumps them through `catalog_changed`."""

import uuid

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from ..models import Product

CATALOG_VERSION_KEY = "products:catalog-version"
CATALOG_STRUCTURE_KEY = "products:catalog-structure"


def _version(key: str) -> str:
    version = cache.get(key)
    if version is None:
        version = uuid.uuid4().hex
        cache.add(key, version, None)
        version = cache.get(key, version)
    return version


def catalog_version() -> str:
    """Changes with any catalog change: keys the cached retail list pages."""
    return _version(CATALOG_VERSION_KEY)


def catalog_structure_version() -> str:
    """Changes with categories, tags and bulk imports: keys the cached product representations
    (with each product's `updated_at`) and the hidden categories."""
    return _version(CATALOG_STRUCTURE_KEY)


def catalog_versions(*keys: str) -> tuple[str, str, dict]:
    """(catalog version, structure version, {key: value} of the `keys` found) in one cache
    round trip: a cached entry that records the version it was built under is read with them."""
    found = cache.get_many([CATALOG_VERSION_KEY, CATALOG_STRUCTURE_KEY, *keys])
    if CATALOG_VERSION_KEY not in found or CATALOG_STRUCTURE_KEY not in found:
        return catalog_version(), catalog_structure_version(), {}
    return found[CATALOG_VERSION_KEY], found[CATALOG_STRUCTURE_KEY], found


def _bump(keys: list[str]) -> None:
    cache.set_many({key: uuid.uuid4().hex for key in keys}, None)


def catalog_changed(product_ids=None) -> None:
    """Invalidate the retail caches, now and again after commit, so a reader that cached the old
    rows in between is invalidated too. `product_ids`: only these products changed; touching
    their `updated_at` in this transaction retires their cached representations and keeps every
    other product's. Without it (categories, tags, imports) every representation is rebuilt."""
    keys = [CATALOG_VERSION_KEY]
    if product_ids is None:
        keys.append(CATALOG_STRUCTURE_KEY)
    else:
        Product.objects.filter(pk__in=product_ids).update(updated_at=timezone.now())
    _bump(keys)
    transaction.on_commit(lambda: _bump(keys))
