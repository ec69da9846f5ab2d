from django.utils import translation
from rest_framework_simplejwt.authentication import JWTAuthentication

from livrili.core.middleware import query_language


class LanguageJWTAuthentication(JWTAuthentication):
    """Bearer JWT; when the request names no language (?lang, Accept-Language), texts come in
    the user's preferred_language (api.md language precedence)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            raw = request._request
            if not query_language(raw) and not raw.META.get("HTTP_ACCEPT_LANGUAGE"):
                translation.activate(result[0].preferred_language)
                raw.LANGUAGE_CODE = result[0].preferred_language
        return result
