"""Two workers on one outbox row (PostgreSQL): the conditional claim lets exactly one send."""

import pytest
from django.core import mail

from livrili.core.testing.concurrency import run_together
from notifications.models import Notification
from notifications.services import notification_send, notify

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_workers_sending_the_same_row_send_it_once(recipient, monkeypatch):
    # Given a queued e-mail (its task not yet run)
    monkeypatch.setattr("notifications.services.notifications_enqueue", lambda ids, countdown=None: None)
    user = recipient("fr")
    notify("order_shipped", [user], {"order_number": "CMD-3"})
    email = Notification.objects.get(channel="email")

    # When eight workers send it at the same moment
    outcomes = run_together(8, lambda i: notification_send(email.pk))

    # Then one sent it, the others found it claimed; one e-mail left
    email.refresh_from_db()
    assert sorted(outcomes) == ["sent"] + ["skipped"] * 7
    assert (email.status, email.attempts) == ("sent", 1)
    assert [m.subject for m in mail.outbox] == ["Commande CMD-3 en route"]


def test_two_workers_delivering_the_same_broadcast_write_its_rows_once(make_user, monkeypatch):
    # Given a broadcast being sent to two retailer members (the after-commit enqueue not run)
    from notifications.broadcasts import broadcast_deliver
    from notifications.models import Broadcast

    monkeypatch.setattr("notifications.services.notifications_enqueue", lambda ids, countdown=None: None)
    members = {make_user(role="retailer").pk, make_user(role="retailer").pk}
    broadcast = Broadcast.objects.create(body_fr="Promo", channels=["in_app"], status="sending")

    # When the task and the beat deliver it at the same moment, four times over
    outcomes = run_together(4, lambda i: broadcast_deliver(broadcast.pk))

    # Then one wrote the rows (one per member), the others found it sent
    assert sorted(outcomes, key=str) == [2, None, None, None]
    rows = Notification.objects.filter(broadcast=broadcast)
    assert rows.count() == 2
    assert set(rows.values_list("recipient_id", flat=True)) == members
    assert Broadcast.objects.get(pk=broadcast.pk).status == "sent"
