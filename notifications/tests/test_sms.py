"""SMS backends: the HTTP gateway adapter, E.164 numbers, the file backend."""

import json

import pytest

from notifications import sms
from notifications.models import Notification
from notifications.services import notification_send, notify


class Answer:
    status = 202

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_the_http_gateway_posts_json_with_the_token_and_sender_from_the_environment(monkeypatch, settings):
    # Given the gateway configured in the environment
    monkeypatch.setenv("SMS_GATEWAY_URL", "https://sms.example.dz/v1/messages")
    monkeypatch.setenv("SMS_GATEWAY_TOKEN", "t0k3n")
    monkeypatch.setenv("SMS_SENDER", "LIVRILI")
    settings.SMS_BACKEND = "http"
    sent = []
    monkeypatch.setattr(sms.urllib.request, "urlopen", lambda request, timeout: sent.append(request) or Answer())

    # When a message is sent
    sms.sms_send("+213661223344", "Commande CMD-1 en route")

    # Then one POST carries it
    [request] = sent
    assert (request.full_url, request.get_method()) == ("https://sms.example.dz/v1/messages", "POST")
    assert request.get_header("Authorization") == "Bearer t0k3n"
    assert json.loads(request.data) == {"to": "+213661223344", "from": "LIVRILI", "text": "Commande CMD-1 en route"}


def test_the_http_gateway_without_a_url_is_a_permanent_failure(monkeypatch, settings):
    monkeypatch.delenv("SMS_GATEWAY_URL", raising=False)
    settings.SMS_BACKEND = "http"

    with pytest.raises(sms.PermanentSendError):
        sms.sms_send("+213661223344", "x")


def test_the_file_backend_appends_one_json_line(tmp_path, settings):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = tmp_path / "sms.log"

    sms.sms_send("+33612345678", "Bonjour")

    [line] = (tmp_path / "sms.log").read_text(encoding="utf-8").splitlines()
    assert {k: v for k, v in json.loads(line).items() if k != "at"} == {"to": "+33612345678", "text": "Bonjour"}


@pytest.mark.django_db
def test_a_number_that_is_not_e164_fails_at_once_without_retrying(recipient, sms_outbox):
    user = recipient("en", phone="0661 22 33 45")
    [row] = [n for n in notify("order_shipped", [user], {"order_number": "CMD-1"}) if n.channel == "sms"]
    user.__class__.objects.filter(pk=user.pk).update(phone="0661223345")  # bypassing normalisation

    assert notification_send(row.pk) == "failed"

    row = Notification.objects.get(pk=row.pk)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "PermanentSendError: no E.164 phone number")
    assert sms_outbox == []
