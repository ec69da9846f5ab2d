from django.utils import translation
from rest_framework_simplejwt.authentication import JWTAuthentication

from livrili.core.middleware import header_language, query_language


class LanguageJWTAuthentication(JWTAuthentication):
    """Bearer JWT; when the request names none of our languages (?lang, Accept-Language), texts
    come in the user's preferred_language (language precedence: docs/api.md)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            raw = request._request
            if not query_language(raw) and not header_language(raw):
                translation.activate(result[0].preferred_language)
                raw.LANGUAGE_CODE = result[0].preferred_language
        return result
