import ipaddress
import re
import uuid

from django.conf import settings
from django.utils.translation.trans_real import parse_accept_lang_header

from .context import RequestContext, current

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_LANGUAGES = {code for code, _name in settings.LANGUAGES}


def client_ip(request) -> str | None:
    """The client's address, trusting exactly `TRUSTED_PROXY_COUNT` proxies in front of us.

    0 (the default): the socket address (REMOTE_ADDR); X-Forwarded-For is the client's to write.
    N: the N-th address from the right of X-Forwarded-For, the one our outermost proxy saw (the
    leftmost when there are fewer; DRF's `get_ident` with `NUM_PROXIES` = N picks the same). An
    entry that is not an IP address gives the socket address. Throttles and the audit trail
    both use this function.
    """
    remote_addr = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not proxies or forwarded is None:
        return remote_addr
    hops = forwarded.split(",")
    candidate = hops[-min(proxies, len(hops))].strip()
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_addr


class RequestContextMiddleware:
    """Request id (from X-Request-ID when well-formed, else new), client IP and user agent."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = current.set(
            RequestContext(
                request_id=request_id,
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:500],
            )
        )
        try:
            response = self.get_response(request)
        finally:
            current.reset(token)
        response["X-Request-ID"] = request_id
        return response


def query_language(request) -> str | None:
    lang = request.GET.get("lang", "")[:2].lower()
    return lang if lang in _LANGUAGES else None


def header_language(request) -> str | None:
    """The first language of `Accept-Language` we speak; None when it names none of ours
    (then the user's preference decides, not the default)."""
    for code, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        if code[:2].lower() in _LANGUAGES:
            return code[:2].lower()
    return None


class QueryLanguageMiddleware:
    """`?lang=` beats every other language source (api.md); LocaleMiddleware does the rest."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        lang = query_language(request)
        if lang:
            request.META["HTTP_ACCEPT_LANGUAGE"] = lang
            request.COOKIES.pop(settings.LANGUAGE_COOKIE_NAME, None)
        return self.get_response(request)
