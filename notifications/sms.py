"""SMS backends, chosen by `settings.SMS_BACKEND`: `console` (default), `file`, `locmem`
(tests) or the dotted path of a class with `send(to, text)`. `http` is the gateway adapter:
URL, token and sender name come from the environment (SMS_GATEWAY_URL, SMS_GATEWAY_TOKEN,
SMS_SENDER)."""

import json
import logging
import os
import re
import urllib.request
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger("livrili.notifications")
E164 = re.compile(r"^\+[1-9]\d{7,14}$")


class PermanentSendError(Exception):
    """Retrying cannot help (no address, malformed number): the row fails at once."""


class ConsoleSMSBackend:
    logs_text = True  # a log, not a delivery: given the masked text of a message with a secret

    def send(self, to: str, text: str) -> None:
        logger.info("SMS to %s: %s", to, text)


class FileSMSBackend:
    """One JSON line per message in SMS_FILE_PATH (default: <BASE_DIR>/sms.log)."""

    def send(self, to: str, text: str) -> None:
        path = Path(getattr(settings, "SMS_FILE_PATH", "") or settings.BASE_DIR / "sms.log")
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"at": timezone.now().isoformat(), "to": to, "text": text}, ensure_ascii=False))
            handle.write("\n")


class LocmemSMSBackend:
    outbox: list[dict] = []

    def send(self, to: str, text: str) -> None:
        self.outbox.append({"to": to, "text": text})


class HttpSMSBackend:
    """POST {to, from, text} as JSON to the gateway with a bearer token; any non-2xx fails."""

    timeout = 10

    def send(self, to: str, text: str) -> None:
        url = os.environ.get("SMS_GATEWAY_URL", "")
        if not url.startswith("https://") and not url.startswith("http://"):
            raise PermanentSendError("SMS_GATEWAY_URL is not set")
        payload = json.dumps({"to": to, "from": os.environ.get("SMS_SENDER", "Livrili"), "text": text}).encode()
        request = urllib.request.Request(url, data=payload, method="POST")  # noqa: S310 - scheme checked above
        request.add_header("Content-Type", "application/json")
        if token := os.environ.get("SMS_GATEWAY_TOKEN"):
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            if not 200 <= response.status < 300:
                raise RuntimeError(f"SMS gateway answered {response.status}")


ALIASES = {
    "console": ConsoleSMSBackend,
    "file": FileSMSBackend,
    "locmem": LocmemSMSBackend,
    "http": HttpSMSBackend,
}


def sms_backend():
    name = settings.SMS_BACKEND
    backend_class = ALIASES.get(name) or import_string(name)
    return backend_class()


def sms_send(to: str | None, text: str, *, redacted: str | None = None) -> None:
    """`redacted`: the text with its secret masked, what a backend that only logs receives."""
    if not to or not E164.match(to):
        raise PermanentSendError("no E.164 phone number")
    backend = sms_backend()
    if redacted is not None and getattr(backend, "logs_text", False):
        text = redacted
    backend.send(to, text)
