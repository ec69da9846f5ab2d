from rest_framework.renderers import JSONRenderer


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
        if response is not None and not getattr(response, "enveloped", False):
            if response.status_code >= 400:  # raised outside our handler (should not happen)
                data = {"success": False, "error_code": "INTERNAL_ERROR", "message": "", "details": {}}
            else:
                data = {"success": True, "data": data, "message": None}
        return super().render(data, accepted_media_type, renderer_context)
