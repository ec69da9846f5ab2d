"""Broadcasts through the API: validation, send, schedule, cancel, a lost enqueue."""

import pytest
from kombu.exceptions import OperationalError

from livrili.core.testing.assertions import assert_error
from notifications import tasks
from notifications.models import Broadcast, Notification

pytestmark = pytest.mark.django_db

URL = "/api/v1/broadcasts"
VALID = {"body_fr": "Promo", "channels": ["in_app"], "segment": {"wilayas": ["16"]}}


@pytest.fixture
def marketer(make_user, client_for):
    return client_for(make_user(role="admin", username="marketer", groups=["Sales"]))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channels": ["in_app"], "title_fr": "Sans texte"}, "body_ar"),
        ({**VALID, "channels": []}, "channels"),
        ({**VALID, "channels": ["fax"]}, "channels.0"),
        ({**VALID, "segment": {"wilayas": ["99"]}}, "segment.wilayas"),
        ({**VALID, "segment": {"balance_min": "100.00", "balance_max": "10.00"}}, "segment.balance_max"),
        ({**VALID, "body_fr": 5}, "body_fr"),
    ],
)
def test_an_invalid_broadcast_is_a_400_that_writes_nothing(marketer, body, field):
    response = marketer.post(URL, body, format="json")

    details = assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert field in details, details
    assert not Broadcast.objects.exists()


def test_a_draft_is_cancelled_and_then_neither_sent_nor_cancelled_again(marketer):
    broadcast = marketer.post(URL, VALID, format="json").json()["data"]

    cancelled = marketer.post(f"{URL}/{broadcast['id']}/cancel")
    send = marketer.post(f"{URL}/{broadcast['id']}/send")
    again = marketer.post(f"{URL}/{broadcast['id']}/cancel")

    assert (cancelled.status_code, cancelled.json()["data"]["status"]) == (200, "cancelled")
    assert assert_error(send, 422, "INVALID_TRANSITION")["details"] == {
        "from": "cancelled",
        "to": "sending",
        "allowed": ["draft"],
    }
    assert_error(again, 422, "INVALID_TRANSITION")
    assert Broadcast.objects.get().status == "cancelled"
    assert not Notification.objects.exists()


def test_a_broadcast_whose_enqueue_was_lost_is_delivered_by_the_beat(
    marketer, make_user, monkeypatch, django_capture_on_commit_callbacks
):
    # Given a retailer in Algiers and a broker that refuses every message
    member = make_user(role="retailer", preferred_language="fr")

    def refuse(*args, **kwargs):
        raise OperationalError("Connection refused.")

    monkeypatch.setattr(tasks.deliver_broadcast, "apply_async", refuse)
    broadcast = marketer.post(URL, VALID, format="json").json()["data"]

    # When it is sent: the answer is the same, it stays `sending`
    with django_capture_on_commit_callbacks(execute=True):
        response = marketer.post(f"{URL}/{broadcast['id']}/send")
    assert (response.status_code, response.json()["data"]["status"]) == (200, "sending")
    assert not Notification.objects.exists()

    # Then the beat delivers it, once
    assert tasks.send_due_broadcasts() == 1
    assert tasks.send_due_broadcasts() == 0
    assert list(Notification.objects.values_list("recipient", "channel", "body")) == [(member.pk, "in_app", "Promo")]
    assert Broadcast.objects.get().status == "sent"


def test_the_estimate_of_a_sent_broadcast_keeps_its_sent_count(marketer, make_user, django_capture_on_commit_callbacks):
    make_user(role="retailer")
    broadcast = marketer.post(URL, VALID, format="json").json()["data"]
    with django_capture_on_commit_callbacks(execute=True):
        marketer.post(f"{URL}/{broadcast['id']}/send")
    make_user(role="retailer")  # joins after the sending

    estimate = marketer.post(f"{URL}/{broadcast['id']}/estimate").json()["data"]

    assert (estimate["status"], estimate["recipient_count"], estimate["sent_count"]) == ("sent", 1, 1)


def test_the_broadcast_list_costs_the_same_queries_for_1_or_20_broadcasts(marketer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    marketer.post(URL, VALID, format="json")
    with CaptureQueriesContext(connection) as one:
        marketer.get(URL)
    for _ in range(19):
        marketer.post(URL, VALID, format="json")
    with CaptureQueriesContext(connection) as twenty:
        response = marketer.get(URL)

    assert len(response.json()["data"]) == 20
    assert len(one) == len(twenty)
