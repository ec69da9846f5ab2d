"""Catalog search: one normalisation for the stored `search_text` and for the query.

Lowercase; Latin accents and Arabic harakat removed (Unicode combining marks); tatweel
removed; أ/إ/آ→ا (the hamza and madda are combining marks after NFKD), ة→ه, ى→ي.
A query matches when every normalised word is a substring of the product's search_text,
which PostgreSQL serves from a trigram (gin_trgm_ops) index.
"""

import unicodedata

from django.db.models import QuerySet

TATWEEL = "\u0640"
_FOLD = str.maketrans({"ة": "ه", "ى": "ي", TATWEEL: None})


def normalize(text: str | None) -> str:
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = unicodedata.normalize("NFC", stripped).translate(_FOLD).casefold()
    return " ".join(folded.split())


def product_search_text(product) -> str:
    parts = [product.sku, product.barcode, product.brand, product.name_ar, product.name_fr, product.name_en]
    return normalize(" ".join(part for part in parts if part))


def search_words(query: str | None) -> list[str]:
    return normalize(query).split()


def filter_search(queryset: QuerySet, query: str | None) -> QuerySet:
    """Products whose search_text contains every word of the query (already lowercase: `contains`
    keeps PostgreSQL on the trigram index, where `icontains` would wrap the column in UPPER())."""
    for word in search_words(query):
        queryset = queryset.filter(search_text__contains=word)
    return queryset
