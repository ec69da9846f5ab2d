"""The notifications admin: templates with a preview, the outbox log read-only."""

import pytest
from django.core import mail
from django.urls import reverse

from notifications.models import Notification, NotificationTemplate
from notifications.services import notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def support(make_user):
    return make_user(role="admin", groups=["Support"], username="support")


@pytest.mark.parametrize(("language", "label"), [("fr", "Aperçu"), ("ar", "معاينة")])
def test_a_system_template_page_shows_the_preview_and_cannot_be_deleted(client, support, language, label):
    template = NotificationTemplate.objects.get(event="order_cancelled", channel="email")
    client.force_login(support)

    response = client.get(
        reverse("admin:notifications_notificationtemplate_change", args=[template.pk]), HTTP_ACCEPT_LANGUAGE=language
    )

    assert response.status_code == 200
    assert label in response.text
    assert "Votre commande {order_number} est annulée. Motif : {reason}" in response.text
    assert 'dir="rtl"><strong>تم إلغاء طلبك {order_number}</strong>' in response.text
    assert reverse("admin:notifications_notificationtemplate_delete", args=[template.pk]) not in response.text


def test_the_outbox_is_read_only_and_failed_rows_can_be_sent_again(
    client, support, recipient, django_capture_on_commit_callbacks
):
    user = recipient("en")
    email = next(n for n in notify("order_shipped", [user], {"order_number": "CMD-1"}) if n.channel == "email")
    Notification.objects.filter(pk=email.pk).update(status="failed", attempts=5, last_error="SMTPError: 421")
    client.force_login(support)

    page = client.get(reverse("admin:notifications_notification_change", args=[email.pk]))
    changelist = reverse("admin:notifications_notification_changelist")
    listing = client.get(changelist)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist, {"action": "send_again", "_selected_action": [str(email.pk)]})

    assert page.status_code == listing.status_code == 200
    assert 'name="_save"' not in page.text and "SMTPError: 421" in page.text
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == ("sent", 1, "")
    assert [m.subject for m in mail.outbox] == ["Order CMD-1 on its way"]
