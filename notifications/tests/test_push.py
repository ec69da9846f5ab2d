"""Web push: the subscriptions API, the push channel, VAPID sending, gone subscriptions."""

import base64
import logging

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from livrili.core.testing.assertions import assert_error
from notifications.models import Notification, NotificationPreference, PushSubscription
from notifications.push import LocmemPushBackend
from notifications.services import notification_send, notify

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/push-subscriptions"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def browser_keys() -> dict:
    """A real browser-like subscription key pair (P-256 public key and a 16-byte auth secret)."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {"p256dh": _b64(public), "auth": _b64(b"0123456789abcdef")}


def subscription_body(endpoint="https://fcm.googleapis.com/fcm/send/abc123"):
    return {"endpoint": endpoint, "expirationTime": None, "keys": browser_keys()}


@pytest.fixture
def push_outbox(settings):
    settings.PUSH_BACKEND = "locmem"
    LocmemPushBackend.outbox = []
    return LocmemPushBackend.outbox


def test_the_pwa_registers_its_subscription_and_again_after_a_refresh(recipient, client_for):
    user, other = recipient("fr"), recipient("ar")
    body = subscription_body()

    first = client_for(user).post(URL, body, format="json", HTTP_USER_AGENT="Firefox/140")
    again = client_for(user).post(URL, body, format="json")
    moved = client_for(other).post(URL, body, format="json")

    assert (first.status_code, again.status_code, moved.status_code) == (201, 200, 200)
    data = first.json()["data"]
    assert set(data) == {"id", "endpoint", "is_active", "created_at", "updated_at"}
    assert (data["endpoint"], data["is_active"]) == (body["endpoint"], True)
    [subscription] = PushSubscription.objects.all()
    assert (subscription.user, subscription.p256dh, subscription.user_agent) == (other, body["keys"]["p256dh"], "")


@pytest.mark.parametrize(
    "body",
    [
        {"endpoint": "http://push.example/x", "keys": browser_keys()},
        {"endpoint": "https://push.example/x", "keys": {"p256dh": "not base64!", "auth": "abc"}},
        {"endpoint": "https://push.example/x"},
        {"endpoint": 42, "keys": browser_keys()},
    ],
)
def test_a_malformed_subscription_is_a_400_that_writes_nothing(recipient, client_for, body):
    response = client_for(recipient("en")).post(URL, body, format="json")

    assert_error(response, 400, "VALIDATION_ERROR")
    assert not PushSubscription.objects.exists()


def test_a_subscribed_user_gets_the_push_in_its_language_and_preferences_include_push(
    recipient, client_for, push_outbox, django_capture_on_commit_callbacks
):
    # Given an Arabic speaker subscribed on two browsers, and one without a subscription
    user, unsubscribed = recipient("ar"), recipient("fr")
    for endpoint in ("https://push.example/a", "https://push.example/b"):
        client_for(user).post(URL, subscription_body(endpoint), format="json")

    # When its order ships
    with django_capture_on_commit_callbacks(execute=True):
        notify("order_shipped", [user, unsubscribed], {"order_number": "CMD-3"}, action_url="/orders/3")

    # Then both browsers get the Arabic push; the other user has no push row
    row = Notification.objects.get(channel="push")
    assert (row.recipient, row.status, row.language) == (user, "sent", "ar")
    payload = {"id": str(row.pk), "event": "order_shipped", "title": "طلبك CMD-3 في الطريق",
               "body": "طلبك CMD-3 في الطريق إليك.", "url": "/orders/3"}  # fmt: skip
    assert sorted(push_outbox, key=lambda m: m["endpoint"]) == [
        {"endpoint": "https://push.example/a", "payload": payload},
        {"endpoint": "https://push.example/b", "payload": payload},
    ]
    preferences = client_for(user).get("/api/v1/notifications/preferences").json()["data"]["preferences"]
    assert {"category": "orders", "channel": "push", "enabled": True, "locked": False} in preferences


def test_push_switched_off_is_not_sent(recipient, client_for, push_outbox, caplog):
    user = recipient("en")
    client_for(user).post(URL, subscription_body(), format="json")
    NotificationPreference.objects.create(user=user, category="orders", channel="push", enabled=False)

    with caplog.at_level(logging.INFO, logger="livrili.notifications"):
        rows = notify("order_shipped", [user], {"order_number": "CMD-4"})

    assert "push" not in {row.channel for row in rows}
    assert f"notification order_shipped to {user.pk} by push skipped: disabled by user" in caplog.text


class FakeResponse:
    def __init__(self, status_code):
        self.status_code = status_code
        self.text = ""
        self.reason = "Gone"
        self.headers = {}


def _vapid_settings(settings):
    vapid = Vapid02()
    vapid.generate_keys()
    private = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    settings.WEBPUSH_VAPID_PRIVATE_KEY = _b64(private)
    settings.WEBPUSH_VAPID_PUBLIC_KEY = _b64(
        vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    settings.PUSH_BACKEND = "auto"


@pytest.mark.parametrize("gone_status", [404, 410])
def test_with_vapid_keys_pywebpush_sends_and_a_gone_subscription_is_deactivated(
    recipient, client_for, settings, monkeypatch, gone_status
):
    # Given VAPID keys in the settings and a user with a live and a forgotten subscription
    _vapid_settings(settings)
    user = recipient("en")
    for endpoint in ("https://push.example/live", "https://push.example/gone"):
        client_for(user).post(URL, subscription_body(endpoint), format="json")
    posts = []

    def post(endpoint, data=None, headers=None, timeout=None, **kwargs):
        posts.append((endpoint, headers))
        return FakeResponse(gone_status if endpoint.endswith("gone") else 201)

    monkeypatch.setattr("requests.post", post)
    [row] = [n for n in notify("order_shipped", [user], {"order_number": "CMD-5"}) if n.channel == "push"]

    # When the row is sent
    outcome = notification_send(row.pk)

    # Then both were posted encrypted with a VAPID signature; the gone one is deactivated
    assert outcome == "sent"
    assert sorted(endpoint for endpoint, _ in posts) == ["https://push.example/gone", "https://push.example/live"]
    assert all(h["authorization"].startswith("vapid t=") and h["content-encoding"] == "aes128gcm" for _, h in posts)
    assert dict(PushSubscription.objects.values_list("endpoint", "is_active")) == {
        "https://push.example/live": True,
        "https://push.example/gone": False,
    }
    assert PushSubscription.objects.get(is_active=False).last_error == f"push service answered {gone_status}"

    # And the next push goes to the live one only; with none left, nobody gets a push row
    PushSubscription.objects.update(is_active=False)
    assert "push" not in {n.channel for n in notify("order_shipped", [user], {"order_number": "CMD-6"})}


def test_a_push_service_error_is_retried(recipient, client_for, settings, monkeypatch):
    _vapid_settings(settings)
    user = recipient("en")
    client_for(user).post(URL, subscription_body(), format="json")
    monkeypatch.setattr("requests.post", lambda *a, **k: FakeResponse(500))
    [row] = [n for n in notify("order_shipped", [user], {"order_number": "CMD-7"}) if n.channel == "push"]

    assert notification_send(row.pk) == "retry"
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("queued", 1)
    assert row.last_error.startswith("RuntimeError: push service answered 500: Push failed: 500")
    assert PushSubscription.objects.get().is_active


def test_without_vapid_keys_the_push_is_recorded_not_sent(recipient, client_for, settings, monkeypatch, caplog):
    settings.PUSH_BACKEND = "auto"
    settings.WEBPUSH_VAPID_PRIVATE_KEY = settings.WEBPUSH_VAPID_PUBLIC_KEY = ""
    user = recipient("en")
    client_for(user).post(URL, subscription_body(), format="json")
    monkeypatch.setattr("requests.post", lambda *a, **k: pytest.fail("nothing leaves the server"))
    [row] = [n for n in notify("order_shipped", [user], {"order_number": "CMD-8"}) if n.channel == "push"]

    with caplog.at_level(logging.INFO, logger="livrili.notifications"):
        assert notification_send(row.pk) == "sent"

    subscription = PushSubscription.objects.get()
    assert f"push to subscription {subscription.pk} (not sent, no VAPID keys): Order CMD-8 on its way" in caplog.text
