from django.conf import settings

from .exceptions import error_response
from .renderers import EnvelopeJSONRenderer


def api_error(code: str):
    """An error envelope rendered outside DRF's view machinery (middleware, URL fallbacks)."""
    response = error_response(code)
    response.accepted_renderer = EnvelopeJSONRenderer()
    response.accepted_media_type = "application/json"
    response.renderer_context = {"response": response}
    response.render()
    return response


class ApiBodySizeMiddleware:
    """413 PAYLOAD_TOO_LARGE before anything reads an oversize API body.

    DRF streams JSON bodies past Django's DATA_UPLOAD_MAX_MEMORY_SIZE check, so the limit is
    enforced here from Content-Length (multipart uploads get a larger allowance).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            multipart = request.content_type == "multipart/form-data"
            limit = settings.API_MAX_MULTIPART_BODY_BYTES if multipart else settings.API_MAX_JSON_BODY_BYTES
            if length > limit:
                return api_error("PAYLOAD_TOO_LARGE")
        return self.get_response(request)
