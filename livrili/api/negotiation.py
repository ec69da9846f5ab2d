"""Content negotiation for endpoints that answer JSON or a file."""

from types import SimpleNamespace

from rest_framework.negotiation import DefaultContentNegotiation


class FormatIsAQueryParameter(DefaultContentNegotiation):
    """`?format=` is the endpoint's own parameter, validated by its serializer (400 naming
    `format`), not DRF's renderer override (which answered 404 for an unknown format)."""

    settings = SimpleNamespace(URL_FORMAT_OVERRIDE=None)
