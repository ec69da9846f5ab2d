"""Public media (product and category images): absolute URLs in API answers, served by Django.

Public media live under MEDIA_ROOT (private documents under PRIVATE_MEDIA_ROOT, served only by
ownership-checked endpoints). Django serves MEDIA_URL itself so `make run` and the Docker stack
show images with nothing else configured; a reverse proxy in front should serve the same
directory instead (docs/decisions.md, "Media").
"""

from contextvars import ContextVar

from django.conf import settings
from django.views.static import serve

_current_request: ContextVar = ContextVar("api_current_request", default=None)

# Uploaded names are unique (storage adds a suffix on clash) and never rewritten in place.
MEDIA_CACHE_SECONDS = 7 * 24 * 3600


def absolute_url(url: str) -> str:
    """`url` with the scheme and host the client used (behind the TLS proxy too); unchanged
    outside a request (tasks, commands) or when already absolute."""
    request = _current_request.get()
    if request is None or url.startswith(("http://", "https://")):
        return url
    return request.build_absolute_uri(url)


class CurrentRequestMiddleware:
    """Makes the request's scheme and host available to serializers without threading the
    request through every caller (cart lines, cached catalog pages, staff views)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


def serve_public_media(request, path):
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = f"public, max-age={MEDIA_CACHE_SECONDS}"
    return response
