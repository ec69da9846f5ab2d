"""A phone-only account resets its password by SMS; the code is never stored or logged in clear."""

import logging
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from livrili.accounts.models import PasswordResetCode
from notifications import sealing
from notifications.models import Notification
from notifications.sealing import MASK
from notifications.services import notification_send

pytestmark = pytest.mark.django_db

RESET = "/api/v1/auth/password/reset"
CONFIRM = "/api/v1/auth/password/reset/confirm"
LOGIN = "/api/v1/auth/login"
NEW_PASSWORD = "Brand-New-Pass-77"


def _request(api_client, identifier, n=1):
    return api_client.post(RESET, {"identifier": identifier}, format="json", REMOTE_ADDR=f"198.51.100.{n}")


def _stored_text(row: Notification) -> str:
    return " ".join([row.title, row.body, row.sealed, str(row.data), row.last_error])


def test_a_phone_only_retailer_resets_its_password_by_sms(
    api_client, make_user, sms_outbox, django_capture_on_commit_callbacks, caplog
):
    # Given a retailer who signed up with a phone number only, reading French
    user = make_user(role="retailer", username="epicerie", email=None, phone="0661 44 55 66", preferred_language="fr")

    # When it asks for a reset with its phone number (every log recorded)
    with caplog.at_level(logging.DEBUG), django_capture_on_commit_callbacks(execute=True):
        response = _request(api_client, "0661 44 55 66")

    # Then the same answer as ever, one SMS with a 6-digit code in French, no e-mail
    assert response.status_code == 200
    assert mail.outbox == []
    [sms] = sms_outbox
    code = re.fullmatch(r"Votre code de réinitialisation : (\d{6})\. Valable 15 minutes\.", sms["text"]).group(1)
    assert sms["to"] == "+213661445566"

    # And the outbox row holds the code masked only, its sealed copy erased once sent; no log has it
    row = Notification.objects.get(recipient=user)
    assert (row.event, row.channel, row.status, row.sealed) == ("password_reset", "sms", "sent", "")
    assert row.body == f"Votre code de réinitialisation : {MASK}. Valable 15 minutes."
    assert code not in _stored_text(row)
    assert not [r for r in caplog.records if code in r.getMessage()]

    # When it confirms with the code, then logs in with the new password
    confirmed = api_client.post(
        CONFIRM, {"identifier": "+213661445566", "code": code, "new_password": NEW_PASSWORD}, format="json"
    )
    login = api_client.post(LOGIN, {"identifier": "0661445566", "password": NEW_PASSWORD}, format="json")

    # Then the password changed and the code is used
    assert confirmed.status_code == 200
    assert login.status_code == 200
    assert PasswordResetCode.objects.get(user=user).used_at is not None


def test_the_sealed_copy_is_void_after_the_code_ttl(api_client, make_user, sms_outbox, monkeypatch):
    # Given a phone-only driver whose reset SMS is still queued (its commit callbacks never ran)
    user = make_user(role="driver", username="sami", email=None, phone="0770 12 34 56")
    _request(api_client, "sami")
    row = Notification.objects.get(recipient=user)
    assert row.status == "queued" and row.sealed and MASK in row.body

    # When it is sent after the code's 15 minutes have passed
    later = int((timezone.now() + timedelta(minutes=16)).timestamp())
    monkeypatch.setattr(sealing, "_now", lambda: later)
    outcome = notification_send(row.pk)

    # Then it fails at once, says why, and the sealed copy is erased; nothing was sent
    row.refresh_from_db()
    assert outcome == "failed"
    assert sms_outbox == []
    assert (row.status, row.attempts, row.last_error, row.sealed) == (
        "failed",
        1,
        "PermanentSendError: sealed content expired",
        "",
    )


def test_the_console_backend_logs_the_masked_text_only(api_client, make_user, settings, caplog):
    settings.SMS_BACKEND = "console"
    make_user(role="retailer", username="kiosque", email=None, phone="0550 11 22 33", preferred_language="en")

    with caplog.at_level(logging.INFO, logger="livrili.notifications"):
        _request(api_client, "kiosque")
        row = Notification.objects.get()
        code = re.search(r"\d{6}", sealing.unseal(row.sealed)[1]).group(0)
        notification_send(row.pk)

    assert f"SMS to +213550112233: Your password reset code: {MASK}. Valid for 15 minutes." in caplog.text
    assert code not in caplog.text


def test_a_phone_only_account_gets_three_codes_per_window_and_the_same_answer(
    api_client, make_user, sms_outbox, django_capture_on_commit_callbacks
):
    make_user(role="retailer", username="hanout", email=None, phone="0661 00 00 09")

    with django_capture_on_commit_callbacks(execute=True):
        responses = [_request(api_client, identifier, n) for n, identifier in enumerate(["hanout", "0661000009"] * 3)]

    assert len(sms_outbox) == 3
    assert PasswordResetCode.objects.count() == 3
    assert {r.status_code for r in responses} == {200}
