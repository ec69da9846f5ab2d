"""The inbox, preferences and template endpoints (api.md "Everyone" and back office)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from livrili.core.testing.assertions import assert_error
from notifications.models import Notification, NotificationPreference, NotificationTemplate
from notifications.services import notify

pytestmark = pytest.mark.django_db


def shipped(user, number):
    return notify("order_shipped", [user], {"order_number": number})


def test_the_inbox_lists_only_my_in_app_notifications_newest_first(recipient, client_for):
    # Given two of mine and one of someone else's
    me, other = recipient("en"), recipient("fr")
    shipped(me, "CMD-1")
    shipped(me, "CMD-2")
    shipped(other, "CMD-3")

    # When I read my inbox
    body = client_for(me).get("/api/v1/notifications").json()

    # Then my two in-app notifications, newest first
    assert [(n["title"], n["is_read"]) for n in body["data"]] == [
        ("Order CMD-2 on its way", False),
        ("Order CMD-1 on its way", False),
    ]
    assert body["pagination"] == {"total": 2, "limit": 20, "offset": 0, "has_more": False}
    assert set(body["data"][0]) == {
        "id", "event", "category", "title", "body", "data", "action_url", "is_read", "read_at", "created_at"
    }  # fmt: skip


def test_the_inbox_list_costs_the_same_queries_for_1_or_30_rows(recipient, client_for):
    me = recipient("en")
    client = client_for(me)
    shipped(me, "CMD-0")

    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/notifications")
    for number in range(29):
        shipped(me, f"CMD-{number + 1}")
    with CaptureQueriesContext(connection) as thirty:
        response = client.get("/api/v1/notifications?limit=30")

    assert len(response.json()["data"]) == 30
    assert len(one) == len(thirty) == 3  # the user, the count, the page


def test_read_one_then_all_and_the_unread_count(recipient, client_for):
    me = recipient("en")
    client = client_for(me)
    first = next(n for n in shipped(me, "CMD-1") if n.channel == "in_app")
    shipped(me, "CMD-2")
    assert client.get("/api/v1/notifications/unread-count").json()["data"] == {"unread_count": 2}

    # When I read one
    read = client.post(f"/api/v1/notifications/{first.pk}/read").json()["data"]

    # Then it is read, and one is left unread
    assert (read["id"], read["is_read"]) == (str(first.pk), True)
    assert Notification.objects.get(pk=first.pk).status == "read"
    assert client.get("/api/v1/notifications/unread-count").json()["data"] == {"unread_count": 1}
    assert [n["title"] for n in client.get("/api/v1/notifications?unread=true").json()["data"]] == [
        "Order CMD-2 on its way"
    ]

    # When I read them all
    assert client.post("/api/v1/notifications/read-all").json()["data"] == {"marked": 1, "unread_count": 0}


def test_another_users_notification_is_not_found_and_stays_unread(recipient, client_for):
    me, other = recipient("en"), recipient("en")
    theirs = next(n for n in shipped(other, "CMD-1") if n.channel == "in_app")
    email = next(n for n in shipped(me, "CMD-2") if n.channel == "email")

    assert_error(client_for(me).post(f"/api/v1/notifications/{theirs.pk}/read"), 404, "NOT_FOUND")
    assert_error(client_for(me).post(f"/api/v1/notifications/{email.pk}/read"), 404, "NOT_FOUND")  # not inbox
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_preferences_list_every_category_and_channel_with_defaults(recipient, client_for):
    me = recipient("en")

    data = client_for(me).get("/api/v1/notifications/preferences").json()["data"]["preferences"]

    assert len(data) == 20  # 5 categories × 4 channels
    assert {"category": "promotions", "channel": "sms", "enabled": False, "locked": False} in data
    assert {"category": "orders", "channel": "in_app", "enabled": True, "locked": True} in data
    assert {"category": "promotions", "channel": "in_app", "enabled": True, "locked": False} in data


def test_preferences_update_and_locked_ones_refused(recipient, client_for):
    me = recipient("en")
    client = client_for(me)

    # When I opt in to promotional SMS and out of order e-mails
    body = {
        "preferences": [
            {"category": "promotions", "channel": "sms", "enabled": True},
            {"category": "orders", "channel": "email", "enabled": False},
        ]
    }
    data = client.put("/api/v1/notifications/preferences", body, format="json").json()["data"]["preferences"]

    # Then both are stored
    assert {"category": "promotions", "channel": "sms", "enabled": True, "locked": False} in data
    assert {"category": "orders", "channel": "email", "enabled": False, "locked": False} in data
    assert NotificationPreference.objects.filter(user=me).count() == 2

    # When I try to switch off transactional in-app messages: refused, nothing written
    refused = client.put(
        "/api/v1/notifications/preferences",
        {"preferences": [{"category": "payments", "channel": "in_app", "enabled": False}]},
        format="json",
    )
    assert assert_error(refused, 400, "VALIDATION_ERROR")["details"] == {
        "preferences": ["Transactional in-app notifications cannot be switched off."]
    }
    assert NotificationPreference.objects.filter(user=me).count() == 2


def test_staff_creates_a_template_and_an_undeclared_variable_is_a_400(make_user, client_for):
    staff = client_for(make_user(role="admin", groups=["Support"], preferred_language="en"))
    body = {
        "event": "stock_arrived",
        "channel": "in_app",
        "category": "promotions",
        "subject_fr": "Arrivage",
        "body_fr": "{product_name} est de retour, {first_name} !",
        "variables": ["product_name"],
    }

    refused = staff.post("/api/v1/notification-templates", body, format="json")

    assert assert_error(refused, 400, "VALIDATION_ERROR")["details"] == {
        "body_fr": ["Undeclared variables: {first_name}."]
    }
    assert not NotificationTemplate.objects.filter(event="stock_arrived").exists()

    created = staff.post("/api/v1/notification-templates", {**body, "variables": ["product_name", "first_name"]})
    assert created.status_code == 201
    assert (created.json()["data"]["is_system"], created.json()["data"]["body_fr"]) == (False, body["body_fr"])
    assert_error(staff.post("/api/v1/notification-templates", body | {"variables": ["product_name", "first_name"]}),
                 409, "CONFLICT")  # fmt: skip


def test_staff_edits_a_system_template_but_not_its_variables(make_user, client_for):
    staff = client_for(make_user(role="admin", groups=["Support"], preferred_language="en"))
    template = NotificationTemplate.objects.get(event="order_shipped", channel="sms")

    changed = staff.patch(
        f"/api/v1/notification-templates/{template.pk}",
        {"body_fr": "Votre commande {order_number} arrive !", "is_active": False},
    )
    refused = staff.patch(f"/api/v1/notification-templates/{template.pk}", {"variables": ["order_number", "x"]})

    assert (changed.json()["data"]["body_fr"], changed.json()["data"]["is_active"]) == (
        "Votre commande {order_number} arrive !",
        False,
    )
    assert assert_error(refused, 400, "VALIDATION_ERROR")["details"] == {
        "variables": ["A system template's variables are fixed."]
    }
    assert NotificationTemplate.objects.get(pk=template.pk).variables == ["order_number"]


def test_preview_renders_in_the_asked_language_with_the_sample_values(make_user, client_for):
    staff = client_for(make_user(role="admin", groups=["Support"], preferred_language="en"))
    template = NotificationTemplate.objects.get(event="order_cancelled", channel="email")

    data = staff.post(
        f"/api/v1/notification-templates/{template.pk}/preview",
        {"language": "fr", "context": {"order_number": "CMD-1"}},
        format="json",
    ).json()["data"]

    assert data == {
        "language": "fr",
        "subject": "Commande CMD-1 annulée",
        "body": "Votre commande CMD-1 est annulée. Motif : {reason}",
        "html": "<p>Votre commande CMD-1 est annulée. Motif : {reason}</p>",
    }


def test_template_endpoints_need_the_permission(make_user, client_for):
    retailer = client_for(make_user(role="retailer"))
    staff_without = client_for(make_user(role="admin"))

    assert_error(retailer.get("/api/v1/notification-templates"), 403, "FORBIDDEN")
    assert_error(staff_without.get("/api/v1/notification-templates"), 403, "FORBIDDEN")
