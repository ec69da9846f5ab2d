"""notify(): outbox rows per recipient × channel, languages, preferences, sending after commit."""

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from kombu.exceptions import OperationalError

from livrili.accounts.models import User
from notifications import tasks
from notifications.models import Notification, NotificationPreference, NotificationTemplate
from notifications.services import MAX_ATTEMPTS, notification_send, notify

pytestmark = pytest.mark.django_db

ORDER = {"order_number": "CMD-2026-000042", "delivery_date": "2026-12-06"}


def test_every_event_of_workflows_8_has_seeded_system_templates():
    events = set(NotificationTemplate.objects.filter(is_system=True).values_list("event", flat=True))

    assert events == {
        "retailer_approved", "retailer_rejected", "retailer_suspended",
        "order_placed", "order_held", "order_confirmed", "order_shipped", "order_delivered", "order_cancelled",
        "delivery_assigned", "delivery_failed", "payment_received", "invoice_issued", "invoice_overdue",
        "credit_limit_changed", "credit_nearly_exhausted", "low_stock", "credit_hold", "password_reset", "broadcast",
        "analytics_alert",
    }  # fmt: skip
    for template in NotificationTemplate.objects.all():
        assert all(getattr(template, f"body_{lang}") for lang in ("ar", "fr", "en")), template


def test_an_arabic_speaker_gets_the_arabic_text_on_every_channel(
    recipient, django_capture_on_commit_callbacks, sms_outbox
):
    # Given a retailer who reads Arabic
    user = recipient("ar", phone="0661 22 33 44")

    # When the order is confirmed (the callbacks of the commit run)
    with django_capture_on_commit_callbacks(execute=True):
        rows = notify("order_confirmed", [user], ORDER)

    # Then one row per channel, in Arabic, the in-app one delivered, the others sent after commit
    by_channel = {row.channel: Notification.objects.get(pk=row.pk) for row in rows}
    assert sorted(by_channel) == ["email", "in_app", "sms"]
    text = "تم تأكيد طلبك CMD-2026-000042. التسليم المتوقع: 2026-12-06."
    assert {(n.language, n.title, n.body, n.status) for n in by_channel.values()} == {
        ("ar", "تم تأكيد طلبك CMD-2026-000042", text, "sent")
    }
    assert [(m.subject, m.body, m.to) for m in mail.outbox] == [("تم تأكيد طلبك CMD-2026-000042", text, [user.email])]
    html, mime = mail.outbox[0].alternatives[0]
    assert mime == "text/html" and 'dir="rtl"' in html
    assert sms_outbox == [{"to": "+213661223344", "text": text}]


def test_a_missing_translation_falls_back_ar_then_fr_then_en(recipient):
    # Given a French speaker and a template with no French text, then with neither French nor Arabic
    template = NotificationTemplate.objects.get(event="order_shipped", channel="in_app")
    template.body_fr = template.subject_fr = ""
    template.save()
    user = recipient("fr")

    # When notified
    [arabic] = [n for n in notify("order_shipped", [user], {"order_number": "CMD-1"}) if n.channel == "in_app"]
    template.body_ar = template.subject_ar = ""
    template.save()
    [english] = [n for n in notify("order_shipped", [user], {"order_number": "CMD-1"}) if n.channel == "in_app"]

    # Then Arabic comes next after French, then English
    assert (arabic.language, arabic.body) == ("ar", "طلبك CMD-1 في الطريق إليك.")
    assert (english.language, english.title, english.body) == (
        "en",
        "Order CMD-1 on its way",
        "Your order CMD-1 is on its way.",
    )


def test_a_template_using_an_undeclared_variable_cannot_be_saved():
    # Given a system template
    template = NotificationTemplate.objects.get(event="order_shipped", channel="email")

    # When its French body names a variable it does not declare
    template.body_fr = "Commande {order_number} pour {user.password}"
    template.subject_en = "Order {secret}"
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        template.save()

    # Then it is refused, naming the fields and the variable, and nothing is stored
    assert refused.value.message_dict == {"subject_en": ["Undeclared variables: {secret}."]}
    template.body_fr = "Commande {order_number.__class__}"
    template.subject_en = ""
    template.save()  # not a placeholder: kept as literal text, never evaluated
    assert NotificationTemplate.objects.get(pk=template.pk).body_fr == "Commande {order_number.__class__}"


def test_rendering_substitutes_only_declared_names_as_text(recipient):
    # Given a value that looks like a placeholder or markup
    user = recipient("en")

    # When rendered
    [in_app] = [n for n in notify("order_cancelled", [user], {"order_number": "{reason}", "reason": "<b>x</b>"})
                if n.channel == "in_app"]  # fmt: skip

    # Then the values are inserted once, as text
    assert in_app.body == "Your order {reason} was cancelled. Reason: <b>x</b>"


def test_a_system_template_cannot_be_deleted():
    template = NotificationTemplate.objects.get(event="order_shipped", channel="email")

    with pytest.raises(ValidationError):
        template.delete()

    assert NotificationTemplate.objects.filter(pk=template.pk).exists()


def test_promotional_sms_is_opt_in_and_transactional_in_app_cannot_be_switched_off(recipient, caplog, sms_outbox):
    # Given a user who never opted in to promotional SMS, and who switched every orders channel off
    user = recipient("fr", phone="0770 11 22 33")
    NotificationPreference.objects.bulk_create(
        NotificationPreference(user=user, category="orders", channel=channel, enabled=False)
        for channel in ("in_app", "email", "sms")
    )

    # When a broadcast and an order confirmation are sent
    with caplog.at_level(logging.INFO, logger="livrili.notifications"):
        broadcast = notify("broadcast", [user], {"title": "Promo", "message": "-10 %"})
        confirmed = notify("order_confirmed", [user], ORDER)

    # Then no promotional SMS (the log says why), and the order confirmation only in the inbox
    assert sorted(n.channel for n in broadcast) == ["email", "in_app"]
    assert [n.channel for n in confirmed] == ["in_app"]
    assert sms_outbox == []
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert sorted(skipped) == [
        f"notification broadcast to {user.pk} by push skipped: no push subscription",
        f"notification broadcast to {user.pk} by sms skipped: opt-in not given",
        f"notification order_confirmed to {user.pk} by email skipped: disabled by user",
        f"notification order_confirmed to {user.pk} by push skipped: no push subscription",
        f"notification order_confirmed to {user.pk} by sms skipped: disabled by user",
    ]


def test_an_opted_in_user_gets_promotional_sms(recipient, sms_outbox, django_capture_on_commit_callbacks):
    user = recipient("en", phone="0770 11 22 34")
    NotificationPreference.objects.create(user=user, category="promotions", channel="sms", enabled=True)

    with django_capture_on_commit_callbacks(execute=True):
        notify("broadcast", [user], {"title": "Promo", "message": "-10 %"})

    assert sms_outbox == [{"to": "+213770112234", "text": "-10 %"}]


def test_nothing_is_sent_when_the_business_transaction_rolls_back(recipient, django_capture_on_commit_callbacks):
    user = recipient("en")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify("order_shipped", [user], {"order_number": "CMD-9"})

    assert len(callbacks) == 1  # the send waits for the commit
    assert mail.outbox == []
    assert Notification.objects.filter(channel="email").get().status == "queued"


def test_broker_down_the_business_commits_the_row_waits_and_the_sweep_sends_it(
    recipient, monkeypatch, django_capture_on_commit_callbacks, caplog, sms_outbox
):
    # Given a broker that refuses every message
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.send_notification, "apply_async", refuse)
    user = recipient("en", phone="0661 22 33 46")

    # When the business transaction notifies and commits
    with (
        caplog.at_level(logging.WARNING, logger="livrili.notifications"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notify("order_shipped", [user], {"order_number": "CMD-7"})

    # Then nothing raised, the e-mail and SMS rows are still queued (logged once), nothing was sent
    email, sms = Notification.objects.get(channel="email"), Notification.objects.get(channel="sms")
    assert {(n.status, n.attempts) for n in (email, sms)} == {("queued", 0)}
    assert (mail.outbox, sms_outbox) == ([], [])
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == [
        f"notifications {email.pk}, {sms.pk} not enqueued"
    ]

    # When the sweep runs
    outcomes = tasks.sweep_notifications()

    # Then both are sent once
    email.refresh_from_db()
    assert outcomes == {"sent": 2}
    assert (email.status, email.attempts, email.last_error) == ("sent", 1, "")
    assert [m.subject for m in mail.outbox] == ["Order CMD-7 on its way"]
    assert sms_outbox == [{"to": "+213661223346", "text": "Your order CMD-7 is on its way."}]
    assert tasks.sweep_notifications() == {}


def test_a_sent_row_is_never_sent_again(recipient, django_capture_on_commit_callbacks):
    user = recipient("en")
    with django_capture_on_commit_callbacks(execute=True):
        notify("order_shipped", [user], {"order_number": "CMD-8"})
    email = Notification.objects.get(channel="email")

    assert notification_send(email.pk) == "skipped"
    assert tasks.send_notification(str(email.pk)) == "skipped"
    assert len(mail.outbox) == 1


def test_a_failing_channel_is_retried_with_backoff_then_failed(recipient, monkeypatch, settings):
    # Given an SMS gateway that is down
    settings.SMS_BACKEND = "notifications.tests.test_notify.BrokenSMS"
    user = recipient("en", phone="0770 11 22 35")
    [sms] = [n for n in notify("order_shipped", [user], {"order_number": "CMD-5"}) if n.channel == "sms"]

    # When the row is tried once: it is queued again, due in one minute
    assert notification_send(sms.pk) == "retry"
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.last_error) == ("queued", 1, "RuntimeError: gateway down")
    assert notification_send(sms.pk) == "skipped"  # not due yet

    # When every attempt fails
    for attempt in range(2, MAX_ATTEMPTS + 1):
        Notification.objects.filter(pk=sms.pk).update(next_attempt_at=sms.created_at)
        assert notification_send(sms.pk) == ("failed" if attempt == MAX_ATTEMPTS else "retry")

    # Then it is failed after MAX_ATTEMPTS, with the error kept
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.last_error) == ("failed", 5, "RuntimeError: gateway down")


def test_a_recipient_without_a_phone_gets_no_sms_row(recipient, caplog):
    user = recipient("en", phone=None)

    with caplog.at_level(logging.INFO, logger="livrili.notifications"):
        rows = notify("order_shipped", [user], {"order_number": "CMD-4"})

    assert sorted(n.channel for n in rows) == ["email", "in_app"]
    assert f"notification order_shipped to {user.pk} by sms skipped: no phone number" in caplog.text


class BrokenSMS:
    def send(self, to, text):
        raise RuntimeError("gateway down")


def test_the_sweep_takes_back_a_row_a_dead_worker_left_sending(recipient):
    # Given an e-mail claimed 11 minutes ago by a worker that never reported, and one claimed now
    user = recipient("en")
    shipped = [n for n in notify("order_shipped", [user], {"order_number": "CMD-6"}) if n.channel == "email"]
    fresh = [n for n in notify("order_cancelled", [user], {"order_number": "CMD-6", "reason": "x"})
             if n.channel == "email"]  # fmt: skip
    Notification.objects.filter(pk=shipped[0].pk).update(
        status="sending", attempts=1, updated_at=timezone.now() - timedelta(minutes=11)
    )
    Notification.objects.filter(pk=fresh[0].pk).update(status="sending", attempts=1)

    # When the sweep runs
    outcomes = tasks.sweep_notifications()

    # Then the abandoned one is sent (second attempt), the one in progress is left alone
    assert outcomes == {"sent": 1}
    assert list(
        Notification.objects.filter(channel="email").order_by("event").values_list("event", "status", "attempts")
    ) == [
        ("order_cancelled", "sending", 1),
        ("order_shipped", "sent", 2),
    ]
    assert [m.subject for m in mail.outbox] == ["Order CMD-6 on its way"]


@pytest.mark.django_db(transaction=True)
def test_broker_down_at_a_real_commit_the_business_write_stays(recipient, monkeypatch):
    # Given a broker that refuses every message
    def refuse(*args, **kwargs):
        raise OperationalError("Connection refused.")

    monkeypatch.setattr(tasks.send_notification, "apply_async", refuse)
    user = recipient("en")

    # When a business transaction writes and notifies, and really commits
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(full_name="Confirmed by the business")
        notify("order_shipped", [user], {"order_number": "CMD-11"})

    # Then the business write is there and the e-mail waits for the sweep
    assert User.objects.get(pk=user.pk).full_name == "Confirmed by the business"
    assert Notification.objects.get(channel="email").status == "queued"
    assert tasks.sweep_notifications() == {"sent": 1}


def test_a_switched_off_promotional_sms_is_not_sent_and_the_log_says_why_a_transactional_in_app_is(
    recipient, client_for, caplog, sms_outbox, django_capture_on_commit_callbacks
):
    # Given a user who opted in to promotional SMS, then switched it off through the API
    user = recipient("en", phone="0770 11 22 36")
    NotificationPreference.objects.create(user=user, category="promotions", channel="sms", enabled=True)
    client_for(user).put(
        "/api/v1/notifications/preferences",
        {"preferences": [{"category": "promotions", "channel": "sms", "enabled": False}]},
        format="json",
    )

    # When a promotion and an order confirmation are sent
    with (
        caplog.at_level(logging.INFO, logger="livrili.notifications"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notify("broadcast", [user], {"title": "Promo", "message": "-10 %"}, channels=["sms"])
        notify("order_confirmed", [user], ORDER, channels=["in_app"])

    # Then no SMS, the log says why, and the order confirmation is in the inbox
    assert sms_outbox == []
    assert f"notification broadcast to {user.pk} by sms skipped: disabled by user" in caplog.text
    inbox = client_for(user).get("/api/v1/notifications").json()["data"]
    assert [(n["event"], n["body"]) for n in inbox] == [
        ("order_confirmed", "Your order CMD-2026-000042 is confirmed. Expected delivery: 2026-12-06.")
    ]
