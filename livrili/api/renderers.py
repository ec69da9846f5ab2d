import json

from rest_framework.renderers import JSONRenderer


class RenderedJSON(bytes):
    """A body already rendered by `render_json` (e.g. assembled from cached fragments): the
    renderer sends it as it is. Only for responses that are already the full envelope
    (``response.enveloped = True``)."""


class EnvelopeJSONRenderer(JSONRenderer):
    """Wraps every successful payload as {"success": true, "data": …, "message": null}.

    Responses already shaped as an envelope (errors, paginated lists) carry
    ``response.enveloped = True`` and are rendered as they are.
    """

    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None and response.status_code == 204:
            return b""
        if isinstance(data, RenderedJSON):
            if self.get_indent(accepted_media_type, renderer_context or {}) is None:
                return bytes(data)
            data = json.loads(data)  # the client asked for indented JSON
        if response is not None and not getattr(response, "enveloped", False):
            if response.status_code >= 400:  # raised outside our handler (should not happen)
                data = {"success": False, "error_code": "INTERNAL_ERROR", "message": "", "details": {}}
            else:
                data = {"success": True, "data": data, "message": None}
        return super().render(data, accepted_media_type, renderer_context)


_plain = JSONRenderer()


def render_json(data) -> bytes:
    """`data` as the API renders it (compact, UTF-8, the same encoder and escapes): fragments
    rendered with it and joined with literal JSON punctuation give the renderer's exact bytes."""
    return _plain.render(data)
