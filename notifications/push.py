"""Web push backends, chosen by `settings.PUSH_BACKEND`: `auto` (default: `webpush` when the
VAPID keys are configured, else `console`), `webpush` (pywebpush, VAPID keys from the
environment), `console` (records the message in the log instead of sending), `locmem` (tests),
or the dotted path of a class with `send(subscription, payload)`.

`send` raises `SubscriptionGone` when the push service says the subscription no longer exists
(404/410): the sender deactivates it."""

import json
import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("livrili.notifications")


class SubscriptionGone(Exception):
    """The push service forgot this subscription (HTTP 404 or 410): never use it again."""


def subscription_info(subscription) -> dict:
    return {"endpoint": subscription.endpoint, "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}}


class ConsolePushBackend:
    """No VAPID keys: the message is recorded in the log, nothing leaves the server."""

    def send(self, subscription, payload: dict) -> None:
        logger.info("push to subscription %s (not sent, no VAPID keys): %s", subscription.pk, payload.get("title"))


class LocmemPushBackend:
    outbox: list[dict] = []

    def send(self, subscription, payload: dict) -> None:
        self.outbox.append({"endpoint": subscription.endpoint, "payload": payload})


class WebPushBackend:
    timeout = 10
    ttl = 24 * 3600  # the push service keeps an undelivered message one day

    def send(self, subscription, payload: dict) -> None:
        from pywebpush import WebPushException, webpush

        try:
            webpush(
                subscription_info=subscription_info(subscription),
                data=json.dumps(payload, ensure_ascii=False),
                vapid_private_key=settings.WEBPUSH_VAPID_PRIVATE_KEY,
                vapid_claims={"sub": settings.WEBPUSH_VAPID_SUBJECT},
                timeout=self.timeout,
                ttl=self.ttl,
            )
        except WebPushException as exc:
            status = getattr(exc.response, "status_code", None)
            if status in (404, 410):
                raise SubscriptionGone(f"push service answered {status}") from exc
            raise RuntimeError(f"push service answered {status}: {exc.message}") from exc


ALIASES = {"console": ConsolePushBackend, "locmem": LocmemPushBackend, "webpush": WebPushBackend}


def vapid_configured() -> bool:
    return bool(settings.WEBPUSH_VAPID_PRIVATE_KEY and settings.WEBPUSH_VAPID_PUBLIC_KEY)


def push_backend():
    name = settings.PUSH_BACKEND
    if name == "auto":
        name = "webpush" if vapid_configured() else "console"
    backend_class = ALIASES.get(name) or import_string(name)
    return backend_class()
