import hashlib

from rest_framework.throttling import SimpleRateThrottle

from .phones import try_normalize_phone


class LoginIPThrottle(SimpleRateThrottle):
    scope = "login_ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginIdentifierThrottle(SimpleRateThrottle):
    """Counts attempts per account identifier whatever the IP (slows credential stuffing)."""

    scope = "login_identifier"

    def get_cache_key(self, request, view):
        raw = str(request.data.get("identifier", "") if hasattr(request.data, "get") else "").strip().lower()
        if not raw:
            return None
        ident = hashlib.sha256((try_normalize_phone(raw) or raw).encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


class PasswordResetThrottle(SimpleRateThrottle):
    scope = "password_reset"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class SignupThrottle(PasswordResetThrottle):
    scope = "signup"


class PasswordResetConfirmThrottle(PasswordResetThrottle):
    scope = "password_reset_confirm"
