"""Sealed content: the real text of a message that carries a secret (a password reset code).

The outbox row keeps the text with the secret masked (what the admin, the inbox and every log
see); the real text is kept beside it encrypted (Fernet, key derived from SECRET_KEY), readable
only for `NOTIFICATIONS_SEALED_TTL`, and erased when the row is sent or failed."""

import base64
import json
import time

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.utils.crypto import salted_hmac

MASK = "••••••"


class SealExpired(Exception):
    """The sealed text can no longer be read (too old, or the key changed)."""


def _fernet() -> Fernet:
    key = salted_hmac("livrili.notifications.sealed", "fernet-key", algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(title: str, body: str) -> str:
    return _fernet().encrypt(json.dumps({"title": title, "body": body}).encode()).decode()


def _now() -> int:
    return int(time.time())


def unseal(token: str) -> tuple[str, str]:
    ttl = int(settings.NOTIFICATIONS_SEALED_TTL.total_seconds())
    try:
        content = json.loads(_fernet().decrypt_at_time(token.encode(), ttl=ttl, current_time=_now()))
    except InvalidToken as exc:
        raise SealExpired("sealed content expired") from exc
    return content["title"], content["body"]
