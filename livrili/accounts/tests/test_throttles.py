"""Authentication throttles: keyed on the client address from the trusted proxies only, and still
counting while Redis is down."""

import runpy
from pathlib import Path

import pytest
from django.conf import settings
from django.test import RequestFactory, override_settings
from rest_framework.throttling import BaseThrottle

from livrili.accounts import throttles
from livrili.core.middleware import client_ip
from livrili.core.models import AuditLog
from livrili.core.testing.passwords import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

# (path, requests allowed per client address within the window, by the default rates)
LIMITED = [
    ("/api/v1/auth/login", 30),
    ("/api/v1/retailers/signup", 10),
    ("/api/v1/auth/password/reset", 5),
    ("/api/v1/auth/password/reset/confirm", 20),
]


def _redis_cache(ignore_exceptions: bool) -> dict:
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "IGNORE_EXCEPTIONS": ignore_exceptions,
            "SOCKET_CONNECT_TIMEOUT": 1,
            "SOCKET_TIMEOUT": 1,
        },
    }


# Redis down, configured as in production: the shared cache ignores errors, the throttles see them.
REDIS_DOWN = {"default": _redis_cache(True), "throttle": _redis_cache(False)}


@pytest.fixture(autouse=True)
def _clean_local_counters():
    throttles.LOCAL_COUNTERS.clear()
    yield
    throttles.LOCAL_COUNTERS.clear()


@pytest.mark.parametrize(("path", "limit"), LIMITED)
def test_rotating_x_forwarded_for_does_not_escape_the_per_ip_limit(api_client, path, limit):
    for n in range(limit):
        response = api_client.post(path, {}, format="json", HTTP_X_FORWARDED_FOR=f"10.0.{n}.1")
        assert response.status_code == 400, response.json()

    response = api_client.post(path, {}, format="json", HTTP_X_FORWARDED_FOR="10.9.9.9")

    assert response.status_code == 429
    assert response.json()["error_code"] == "RATE_LIMITED"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_trusted_proxy_the_address_it_gives_is_the_client(api_client):
    reset = "/api/v1/auth/password/reset"
    for n in range(5):  # the client forges the left part; the proxy appends what it saw
        api_client.post(reset, {}, format="json", HTTP_X_FORWARDED_FOR=f"10.0.{n}.1, 203.0.113.7")

    same_client = api_client.post(reset, {}, format="json", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7")
    other_client = api_client.post(reset, {}, format="json", HTTP_X_FORWARDED_FOR="10.0.0.1, 203.0.113.8")

    assert (same_client.status_code, other_client.status_code) == (429, 400)


@pytest.mark.parametrize(("proxies", "recorded"), [(0, "127.0.0.1"), (1, "203.0.113.7")])
def test_the_audit_trail_records_the_same_client_address(client_for, make_user, proxies, recorded):
    user = make_user(role="driver")

    with override_settings(TRUSTED_PROXY_COUNT=proxies):
        response = client_for(user).patch(
            "/api/v1/auth/me", {"full_name": "Samir"}, format="json", HTTP_X_FORWARDED_FOR="10.6.6.6, 203.0.113.7"
        )

    assert response.status_code == 200
    assert AuditLog.objects.get(object_id=str(user.pk)).ip == recorded


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "10.6.6.6, 203.0.113.7", "192.0.2.1"),  # no proxy trusted: the socket address
        (1, "10.6.6.6, 203.0.113.7", "203.0.113.7"),
        (2, "10.6.6.6, 203.0.113.7", "10.6.6.6"),
        (2, "203.0.113.7", "203.0.113.7"),  # fewer hops than proxies: the leftmost, as DRF does
        (1, None, "192.0.2.1"),
        (1, "not-an-address", "192.0.2.1"),
    ],
)
def test_client_ip_and_drf_get_ident_agree(proxies, forwarded, expected):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", **headers)

    with override_settings(
        TRUSTED_PROXY_COUNT=proxies, REST_FRAMEWORK={**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies}
    ):
        ours, drfs = client_ip(request), BaseThrottle().get_ident(request)

    assert ours == expected
    if forwarded != "not-an-address":
        assert drfs == ours


def test_drf_counts_the_same_proxies():
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.TRUSTED_PROXY_COUNT == 0


def test_gunicorn_trusts_forwarded_headers_from_localhost_only_by_default(monkeypatch):
    monkeypatch.delenv("GUNICORN_FORWARDED_ALLOW_IPS", raising=False)
    conf = Path(settings.BASE_DIR) / "gunicorn.conf.py"

    values = runpy.run_path(str(conf))

    assert values["forwarded_allow_ips"] == "127.0.0.1,::1"
    monkeypatch.setenv("GUNICORN_FORWARDED_ALLOW_IPS", "10.0.0.5")
    assert runpy.run_path(str(conf))["forwarded_allow_ips"] == "10.0.0.5"


@override_settings(CACHES=REDIS_DOWN)
def test_login_is_still_limited_per_identifier_while_redis_is_down(api_client, make_user):
    make_user(role="driver", username="karim")
    for _ in range(5):
        response = api_client.post("/api/v1/auth/login", {"identifier": "karim", "password": "wrong"}, format="json")
        assert response.status_code == 401

    response = api_client.post("/api/v1/auth/login", {"identifier": "karim", "password": DEFAULT_PASSWORD})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


@override_settings(CACHES=REDIS_DOWN)
@pytest.mark.parametrize(("path", "limit"), LIMITED)
def test_the_per_ip_limits_hold_while_redis_is_down(api_client, path, limit):
    for _ in range(limit):
        assert api_client.post(path, {}, format="json").status_code == 400

    assert api_client.post(path, {}, format="json").status_code == 429


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL")
def test_with_redis_the_throttles_share_it_but_see_its_errors():
    throttle, default = settings.CACHES["throttle"], settings.CACHES["default"]

    assert (throttle["LOCATION"], throttle["KEY_PREFIX"]) == (default["LOCATION"], default["KEY_PREFIX"])
    assert default["OPTIONS"]["IGNORE_EXCEPTIONS"] is True
    assert "IGNORE_EXCEPTIONS" not in throttle["OPTIONS"]
