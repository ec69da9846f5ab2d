"""The outbox retention purge: old finished rows go, queued ones and recent ones stay, and a
broadcast keeps the counts of its purged rows."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications import tasks
from notifications.api.serializers import BroadcastSerializer
from notifications.broadcasts import broadcast_list
from notifications.models import Broadcast, Notification
from notifications.services import notify

pytestmark = pytest.mark.django_db


def test_the_purge_deletes_only_finished_rows_past_the_retention(recipient, settings):
    # Given a 30-day retention, and rows of 31 days (sent, failed, read, queued) and of today
    settings.NOTIFICATIONS_RETENTION = timedelta(days=30)
    user = recipient("en")
    broadcast = Broadcast.objects.create(body_en="Deal", channels=["in_app", "email"], status="sent")
    old = notify(
        "broadcast", [user], {"title": "", "message": "Deal"}, broadcast=broadcast
    )  # in-app sent, e-mail queued
    [old_in_app] = [n for n in old if n.channel == "in_app"]
    [old_email] = [n for n in old if n.channel == "email"]
    failed = notify("order_shipped", [user], {"order_number": "CMD-1"}, channels=["email"])[0]
    Notification.objects.filter(pk=failed.pk).update(status="failed")
    Notification.objects.filter(pk=old_in_app.pk).update(status="read", read_at=timezone.now())
    Notification.objects.update(created_at=timezone.now() - timedelta(days=31))
    recent = notify("order_shipped", [user], {"order_number": "CMD-2"}, channels=["in_app"])[0]

    # When the daily purge runs
    deleted = tasks.purge_notifications()

    # Then the read and the failed rows are gone; the queued e-mail and today's row stay
    assert deleted == 2
    assert set(Notification.objects.values_list("pk", flat=True)) == {old_email.pk, recent.pk}
    # and the broadcast still counts its purged read row
    data = BroadcastSerializer(broadcast_list().get(pk=broadcast.pk)).data
    assert (data["sent_count"], data["failed_count"], data["read_count"]) == (1, 0, 1)
    assert tasks.purge_notifications() == 0
