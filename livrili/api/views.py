"""Answers given outside DRF's views for /api/ paths: unknown routes, CSRF refusals and the
404/500 handlers, all in the error envelope (other paths keep Django's pages); the schema view."""

import sys
from functools import wraps

from django.utils import translation
from django.views import defaults
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.settings import patched_settings
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SCHEMA_KWARGS, SpectacularAPIView

from livrili.core.middleware import query_language

from .exceptions import is_database_unavailable, service_unavailable
from .middleware import api_error, is_api, render_envelope


@csrf_exempt  # the API authenticates with bearer tokens, never cookies: any method gets the 404
def api_not_found(request, *args, **kwargs):
    """Unknown /api/ paths (including slashed forms of real ones) answer the JSON envelope."""
    return api_error("NOT_FOUND")


def documentation(view):
    """The schema and docs pages answer GET in their own formats; any other method gets the
    JSON 405 envelope (not the renderer's YAML or HTML error page)."""

    @csrf_exempt
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return api_error("METHOD_NOT_ALLOWED", headers={"Allow": "GET, HEAD"})
        return view(request, *args, **kwargs)

    return wrapped


def csrf_failure(request, reason=""):
    if is_api(request):
        return api_error("FORBIDDEN")
    return django_csrf_failure(request, reason)


def page_not_found(request, exception=None):
    if is_api(request):
        return api_error("NOT_FOUND")
    return defaults.page_not_found(request, exception)


def server_error(request):
    if is_api(request):
        exception = sys.exception()
        if exception is not None and is_database_unavailable(exception):
            return render_envelope(service_unavailable(exception))
        return api_error("INTERNAL_ERROR")
    return defaults.server_error(request)


class SchemaView(SpectacularAPIView):
    """The OpenAPI document in English whatever the caller's Accept-Language (clients generate
    code from it: it must not change with the browser), or in `?lang=` when asked.

    `?lang=` is read as the rest of the API reads it (`query_language`: `ar`, `FR`, `fr-FR`…);
    drf-spectacular's own handling is bypassed: it activated the raw value, and a code with no
    catalog of its own (`EN`, `de`) fell back to LANGUAGE_CODE, so the document came back Arabic.
    Content-Language names the document's language, not the request's."""

    @extend_schema(**SCHEMA_KWARGS)  # as the view it extends: not an operation of the API
    def get(self, request, *args, **kwargs):
        language = query_language(request) or "en"
        with patched_settings(self.custom_settings), translation.override(language):
            response = self._get_schema_response(request)  # lazy texts resolved: normalize_result_object
        response["Content-Language"] = language
        return response
