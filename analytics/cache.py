"""The analytics answers' short-lived cache: a figure may be up to a minute old (decisions.md,
Analytics); keys carry the day and the language, so relative periods roll over at midnight."""

from django.core.cache import cache
from django.utils.translation import get_language

from .periods import today

CACHE_SECONDS = 60


def cached(name: str, query: dict, build):
    """The answer for `name` with these parameters (built by `build()` on a miss)."""
    parts = [name, today().isoformat(), get_language() or ""] + [f"{k}={query[k]}" for k in sorted(query)]
    key = "analytics:" + ":".join(parts)
    data = cache.get(key)
    if data is None:
        data = build()
        cache.set(key, data, CACHE_SECONDS)
    return data
