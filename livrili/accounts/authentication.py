from django.core.exceptions import ValidationError
from django.utils import translation
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import aware_utcnow

from livrili.core.middleware import header_language, query_language
from livrili.core.process_copies import ProcessCopies

from .selectors import user_for_token

# Access tokens this process validated (raw token → validated token): a token's signature and
# claims never change, so only its expiry is checked again; access tokens are not revoked (the
# user's row is, and is read at every request). Saves each authenticated request its decoding
# and signature check (docs/performance.md, pass 2, twelfth session).
MAX_TOKENS = 20_000  # per process; past it the copies start again from none
_validated = ProcessCopies(size=MAX_TOKENS, max_age=lambda: api_settings.ACCESS_TOKEN_LIFETIME.total_seconds())


class LanguageJWTAuthentication(JWTAuthentication):
    """Bearer JWT; when the request names none of our languages (?lang, Accept-Language), texts
    come in the user's preferred_language (language precedence: docs/api.md)."""

    def get_validated_token(self, raw_token):
        token = _validated.get(raw_token)
        if token is not None:
            try:
                token.check_exp(current_time=aware_utcnow())
                return token
            except TokenError:
                pass  # expired: simplejwt's own path answers its exact refusal
        token = super().get_validated_token(raw_token)
        _validated.keep(raw_token, token)
        return token

    def get_user(self, validated_token):
        """The user row as of the user's last write (`user_for_token`: this process's copy while the
        user's revision is unchanged, else one prepared statement), so a deactivated account is
        refused at its next request; anything unusual (no such user, inactive, an unreadable id, a
        revocation check) takes simplejwt's own path and its exact errors."""
        user_id = validated_token.get(api_settings.USER_ID_CLAIM)
        user = None
        if user_id is not None and not api_settings.CHECK_REVOKE_TOKEN:
            try:
                user = user_for_token(user_id)
            except (ValidationError, ValueError, TypeError):
                user = None
        if user is None or not user.is_active:
            return super().get_user(validated_token)  # raises the documented refusal
        return user

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            raw = request._request
            if not query_language(raw) and not header_language(raw):
                translation.activate(result[0].preferred_language)
                raw.LANGUAGE_CODE = result[0].preferred_language
        return result
