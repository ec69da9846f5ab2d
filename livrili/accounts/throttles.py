"""Throttles of the public authentication endpoints (login, signup, password reset).

Keyed on `client_ip` (the address the trusted proxies give, or the socket's), the same address
the audit trail records. Counters live in the shared cache ("throttle" alias: Redis with its
errors visible); while it fails, each process counts in its own memory, so an outage neither
fails the request nor lifts the limits (each worker then allows the rate on its own).
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.throttling import SimpleRateThrottle

from livrili.core.middleware import client_ip

from .phones import try_normalize_phone

logger = logging.getLogger(__name__)

LOCAL_COUNTERS = LocMemCache("livrili-auth-throttles", {"OPTIONS": {"MAX_ENTRIES": 10_000}})


class _Counters:
    """The request histories a throttle reads and writes: the shared cache, or this process's
    memory from its first error on (for the rest of the request)."""

    def __init__(self):
        self.store = caches["throttle" if "throttle" in settings.CACHES else "default"]

    def _call(self, method: str, *args):
        if self.store is not LOCAL_COUNTERS:
            try:
                return getattr(self.store, method)(*args)
            except Exception as exc:  # noqa: BLE001 - whatever the cache raises, count locally
                logger.warning("Throttle cache unavailable (%s); counting in this process", exc)
                self.store = LOCAL_COUNTERS
        return getattr(LOCAL_COUNTERS, method)(*args)

    def get(self, key, default=None):
        return self._call("get", key, default)

    def set(self, key, value, timeout=None):
        return self._call("set", key, value, timeout)


class AuthRateThrottle(SimpleRateThrottle):
    """A rate per client address (`scope` names the rate in DEFAULT_THROTTLE_RATES)."""

    def __init__(self):
        super().__init__()
        self.cache = _Counters()

    def get_ident(self, request):
        return client_ip(request) or ""

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginIPThrottle(AuthRateThrottle):
    scope = "login_ip"


class LoginIdentifierThrottle(AuthRateThrottle):
    """Counts attempts per account identifier whatever the IP (slows credential stuffing)."""

    scope = "login_identifier"

    def get_cache_key(self, request, view):
        raw = str(request.data.get("identifier", "") if hasattr(request.data, "get") else "").strip().lower()
        if not raw:
            return None
        ident = hashlib.sha256((try_normalize_phone(raw) or raw).encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


class PasswordResetThrottle(AuthRateThrottle):
    scope = "password_reset"


class PasswordResetConfirmThrottle(AuthRateThrottle):
    scope = "password_reset_confirm"


class SignupThrottle(AuthRateThrottle):
    scope = "signup"
