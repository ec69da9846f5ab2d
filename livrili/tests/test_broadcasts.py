"""A broadcast reaches exactly the users its estimate counted, on a generated segment (this
test spans retailers and notifications, so it lives with the composition root)."""

import random
from decimal import Decimal

import pytest
from django.core import mail

from notifications.models import Notification, NotificationPreference
from notifications.sms import LocmemSMSBackend
from notifications.tasks import send_due_broadcasts
from retailers.models import Retailer

pytestmark = pytest.mark.django_db

STATUSES = ["active", "active", "active", "suspended", "pending"]
WILAYAS = ["16", "31", "09"]
TYPES = ["grocery", "supermarket", "cafe"]
LANGUAGES = ["ar", "fr", "en"]
SEGMENT = {
    "statuses": ["active"],
    "wilayas": ["16", "31"],
    "business_types": ["grocery", "supermarket"],
    "segments": ["gold", "silver"],
    "balance_min": "0.00",
    "balance_max": "50000.00",
}


@pytest.fixture
def generated_world(make_retailer, make_user):
    """60 retailers with random attributes and 1–3 members each (some inactive, some who
    switched every promotional channel off); returns the users the segment must reach."""
    rng = random.Random(15)  # noqa: S311 - reproducible test data, not a secret
    expected = set()
    for n in range(60):
        retailer = make_retailer(
            status=rng.choice(STATUSES),
            wilaya_id=rng.choice(WILAYAS),
            business_type=rng.choice(TYPES),
            segment=rng.choice(["gold", "silver", "bronze"]),
        )
        balance = Decimal(rng.choice([-500, 0, 1200, 49999, 50000, 50001, 90000]))
        Retailer.objects.filter(pk=retailer.pk).update(balance=balance)
        in_segment = (
            retailer.status == "active"
            and retailer.wilaya_id in ("16", "31")
            and retailer.business_type in ("grocery", "supermarket")
            and retailer.segment in ("gold", "silver")
            and Decimal(0) <= balance <= Decimal(50000)
        )
        for m in range(rng.randint(1, 3)):
            user = make_user(
                role="retailer",
                retailer=retailer,
                username=f"shop{n}-{m}",
                email=f"shop{n}-{m}@example.dz",
                preferred_language=rng.choice(LANGUAGES),
                is_active=rng.random() > 0.1,
            )
            muted = rng.random() < 0.15
            if muted:  # no promotional in-app nor e-mail (SMS is opt-in): nothing reaches them
                NotificationPreference.objects.bulk_create(
                    NotificationPreference(user=user, category="promotions", channel=channel, enabled=False)
                    for channel in ("in_app", "email")
                )
            if in_segment and user.is_active and not muted:
                expected.add(user.pk)
    return expected


def test_a_broadcast_reaches_exactly_the_users_its_estimate_counted(
    generated_world, make_user, client_for, django_capture_on_commit_callbacks
):
    marketer = client_for(make_user(role="admin", username="marketer", groups=["Sales"]))
    assert len(generated_world) >= 5  # the draw gives a real segment

    # Given a broadcast to the segment, in three languages, in-app and by e-mail
    created = marketer.post(
        "/api/v1/broadcasts",
        {
            "title_ar": "عرض", "title_fr": "Promo", "title_en": "Deal",
            "body_ar": "تخفيض 10 %", "body_fr": "-10 % ce week-end", "body_en": "10 % off this weekend",
            "channels": ["in_app", "email"],
            "segment": SEGMENT,
        },
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    broadcast = created.json()["data"]
    assert (broadcast["status"], broadcast["recipient_count"]) == ("draft", None)

    # When it is estimated, then sent
    estimate = marketer.post(f"/api/v1/broadcasts/{broadcast['id']}/estimate").json()["data"]
    with django_capture_on_commit_callbacks(execute=True):
        sent = marketer.post(f"/api/v1/broadcasts/{broadcast['id']}/send")

    # Then the estimate is the exact set of users reached, each in its language
    reached = set(Notification.objects.filter(broadcast_id=broadcast["id"]).values_list("recipient_id", flat=True))
    assert estimate["recipient_count"] == len(generated_world) == len(reached)
    assert reached == generated_world
    assert estimate["channel_counts"] == {"in_app": len(reached), "email": len(reached)}
    assert sent.json()["data"]["status"] == "sending"  # the rows are written after the commit
    [body] = marketer.get("/api/v1/broadcasts").json()["data"]
    assert (body["status"], body["recipient_count"], body["sent_count"], body["failed_count"]) == (
        "sent",
        len(reached),
        2 * len(reached),
        0,
    )
    texts = {"ar": "تخفيض 10 %", "fr": "-10 % ce week-end", "en": "10 % off this weekend"}
    for row in Notification.objects.filter(broadcast_id=broadcast["id"]).select_related("recipient"):
        assert (row.language, row.body) == (row.recipient.preferred_language, texts[row.language])
    assert len(mail.outbox) == len(reached)


def test_a_scheduled_broadcast_is_sent_by_the_beat_once_due_and_a_read_is_counted(
    make_retailer, make_user, client_for, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    LocmemSMSBackend.outbox = []
    reader = make_user(role="retailer", retailer=make_retailer(wilaya_id="31"), preferred_language="ar")
    make_user(role="retailer", retailer=make_retailer(wilaya_id="16"))
    marketer = client_for(make_user(role="admin", username="marketer", groups=["Sales"]))
    broadcast = marketer.post(
        "/api/v1/broadcasts",
        {"body_fr": "Nouveautés", "channels": ["in_app"], "segment": {"wilayas": ["31"]},
         "scheduled_at": (timezone.now() + timedelta(hours=2)).isoformat()},
        format="json",
    ).json()["data"]  # fmt: skip

    # When it is sent: scheduled, the beat leaves it until due
    scheduled = marketer.post(f"/api/v1/broadcasts/{broadcast['id']}/send").json()["data"]
    assert scheduled["status"] == "scheduled"
    assert send_due_broadcasts() == 0

    # When it is due, the beat sends it (a French-only text reaches the Arabic reader in French)
    from notifications.models import Broadcast

    Broadcast.objects.filter(pk=broadcast["id"]).update(scheduled_at=timezone.now() - timedelta(minutes=1))
    assert send_due_broadcasts() == 1
    assert send_due_broadcasts() == 0
    inbox = client_for(reader).get("/api/v1/notifications").json()["data"]
    assert [(n["event"], n["body"]) for n in inbox] == [("broadcast", "Nouveautés")]
    assert Notification.objects.get().language == "fr"
    client_for(reader).post(f"/api/v1/notifications/{inbox[0]['id']}/read")

    # Then the counts say one sent, one read; it can no longer be cancelled
    [listed] = marketer.get("/api/v1/broadcasts").json()["data"]
    assert (listed["status"], listed["recipient_count"], listed["sent_count"], listed["read_count"]) == (
        "sent",
        1,
        1,
        1,
    )
    refused = marketer.post(f"/api/v1/broadcasts/{broadcast['id']}/cancel")
    assert refused.status_code == 422
    assert refused.json()["details"] == {"from": "sent", "to": "cancelled", "allowed": ["draft", "scheduled"]}
