from urllib.parse import unquote

from django.conf import settings
from django.utils.translation import gettext as _

from .exceptions import error_response, is_database_unavailable, service_unavailable
from .renderers import EnvelopeJSONRenderer


def is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def render_envelope(response):
    """Render an error Response built outside DRF's view machinery (middleware, URL fallbacks)."""
    response.accepted_renderer = EnvelopeJSONRenderer()
    response.accepted_media_type = "application/json"
    response.renderer_context = {"response": response}
    response.render()
    return response


def api_error(code: str, message=None, details=None, headers=None):
    """An error envelope rendered outside DRF's view machinery (middleware, URL fallbacks)."""
    return render_envelope(error_response(code, message, details, headers))


class ApiBodySizeMiddleware:
    """413 PAYLOAD_TOO_LARGE before anything reads an oversize API body.

    DRF streams JSON bodies past Django's DATA_UPLOAD_MAX_MEMORY_SIZE check, so the limit is
    enforced here from Content-Length (multipart uploads get a larger allowance).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_api(request):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            multipart = request.content_type == "multipart/form-data"
            limit = settings.API_MAX_MULTIPART_BODY_BYTES if multipart else settings.API_MAX_JSON_BODY_BYTES
            if length > limit:
                return api_error("PAYLOAD_TOO_LARGE")
        return self.get_response(request)


class ApiNulMiddleware:
    """400 VALIDATION_ERROR for a NUL character (%00) in an /api/ path or query string.

    PostgreSQL text cannot hold NUL, so a path segment or filter carrying one would fail in the
    database; bodies are checked by the parsers (livrili.api.parsers)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_api(request):
            details = {}
            if "\x00" in request.path_info:
                details["path"] = [_("Control characters are not allowed.")]
            if "\x00" in unquote(request.META.get("QUERY_STRING", "")):
                details["query"] = [_("Control characters are not allowed.")]
            if details:
                return api_error("VALIDATION_ERROR", details=details)
        return self.get_response(request)


class ApiExceptionMiddleware:
    """Errors raised by non-DRF views under /api/: a database outage answers 503
    SERVICE_UNAVAILABLE with Retry-After (DRF views get the same from the exception handler);
    anything else goes on to handler500, which answers the envelope for /api/ paths."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_api(request) and is_database_unavailable(exception):
            return render_envelope(service_unavailable(exception))
        return None
