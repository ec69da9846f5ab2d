"""The deliveries admin pages render, read-only, in the operators' languages."""

import re

import pytest
from django.urls import reverse

from deliveries.models import Delivery, Route, RouteStop
from deliveries.services import lifecycle

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispatcher(make_user):
    return make_user(role="admin", groups=["Dispatch"], username="dispatcher", is_staff=True)


@pytest.fixture
def world(confirmed, operator, driver):
    order = confirmed("cash")
    delivery = lifecycle.delivery_assign(delivery=order.delivery, driver=driver, actor=operator)
    route = Route.objects.create(driver=driver, date=delivery.scheduled_date, solver="ortools", objective=1200)
    RouteStop.objects.create(route=route, delivery=delivery, sequence=1)
    return {"delivery": delivery, "route": route, "driver": driver}


@pytest.mark.parametrize(("language", "amount"), [("fr", "1\xa0803,00 DA"), ("ar", "1\xa0803,00 د.ج")])
def test_the_delivery_list_shows_the_cash_with_its_currency(client, dispatcher, world, language, amount):
    client.force_login(dispatcher)

    response = client.get(reverse("admin:deliveries_delivery_changelist"), HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 200
    assert world["delivery"].number in response.text
    assert f'field-cash_to_collect_display"><bdi dir="ltr" class="money">{amount}</bdi></td>' in response.text
    wilaya = {"fr": "16 - Alger", "ar": "16 - الجزائر"}[language]
    assert f'field-wilaya_display">{wilaya}</td>' in response.text  # the name, not the bare code


@pytest.mark.parametrize(
    "page",
    [
        lambda w: reverse("admin:deliveries_delivery_change", args=[w["delivery"].pk]),
        lambda w: reverse("admin:deliveries_driver_changelist"),
        lambda w: reverse("admin:deliveries_driver_change", args=[w["driver"].pk]),
        lambda w: reverse("admin:deliveries_route_changelist"),
        lambda w: reverse("admin:deliveries_route_change", args=[w["route"].pk]),
    ],
)
def test_each_page_renders_read_only(client, dispatcher, world, page):
    client.force_login(dispatcher)

    response = client.get(page(world))

    assert response.status_code == 200
    assert 'name="_save"' not in response.text
    assert Delivery.objects.get().status == "assigned"


# --- Dispatch ----------------------------------------------------------------------------------


def assign(client, deliveries, driver_id):
    return client.post(
        reverse("admin:deliveries_delivery_changelist"),
        {
            "action": "assign_to_driver",
            "_selected_action": [str(d.pk) for d in deliveries],
            "driver": "" if driver_id is None else str(driver_id),
        },
        follow=True,
        HTTP_ACCEPT_LANGUAGE="fr",
    )


def test_dispatch_assigns_the_selected_deliveries_and_names_each_refusal(
    client, dispatcher, confirmed, make_driver, driver
):
    client.force_login(dispatcher)
    pending = [confirmed("cash").delivery for _ in range(2)]
    Delivery.objects.filter(pk=pending[1].pk).update(status="cancelled")  # no longer assignable
    other = make_driver(status="available")

    page = assign(client, pending, other.pk)

    assert page.status_code == 200
    assert [
        (d.status, d.driver_id) for d in Delivery.objects.filter(pk__in=[p.pk for p in pending]).order_by("number")
    ] == [
        ("assigned", other.pk),
        ("cancelled", None),
    ]
    text = [str(m) for m in page.context["messages"]]
    assert text[-1] == f"1 livraison(s) affectée(s) à {other}."
    assert text[0].startswith(f"{pending[1].number}: ")


def test_dispatch_refuses_an_unavailable_driver_and_writes_nothing(client, dispatcher, confirmed, make_driver):
    client.force_login(dispatcher)
    delivery = confirmed("cash").delivery
    suspended = make_driver(status="suspended")

    page = assign(client, [delivery], suspended.pk)
    missing = assign(client, [delivery], None)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.driver_id) == ("pending", None)
    [refusal] = [str(m) for m in page.context["messages"]]
    assert refusal == f"{delivery.number}: Ce livreur n’est pas disponible. driver_id: Ce chauffeur est suspendu."
    assert [str(m) for m in missing.context["messages"]] == ["Choisissez le chauffeur à qui affecter les livraisons."]


def test_dispatch_needs_the_change_permission(client, make_user, confirmed, driver):
    viewer = make_user(role="admin", username="viewer", is_staff=True, perms=["deliveries.view_delivery"])
    client.force_login(viewer)
    delivery = confirmed("cash").delivery

    page = client.get(reverse("admin:deliveries_delivery_changelist"))
    assign(client, [delivery], driver.pk)

    assert page.status_code == 200 and "assign_to_driver" not in page.text
    delivery.refresh_from_db()
    assert (delivery.status, delivery.driver_id) == ("pending", None)


def dispatch(client, delivery, **fields):
    body = {
        "priority": "1",
        "scheduled_date": delivery.scheduled_date.isoformat(),
        "window_start": "",
        "window_end": "",
        "instructions": "",
        **fields,
    }
    return client.post(
        reverse("admin:deliveries_delivery_dispatch", args=[delivery.pk]), body, HTTP_ACCEPT_LANGUAGE="fr"
    )


def test_dispatch_details_are_edited_through_the_service(client, dispatcher, world):
    from livrili.core.models import AuditLog

    client.force_login(dispatcher)
    delivery = world["delivery"]
    page = client.get(reverse("admin:deliveries_delivery_change", args=[delivery.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    assert reverse("admin:deliveries_delivery_dispatch", args=[delivery.pk]) in page.text

    response = dispatch(client, delivery, priority="3", window_start="09:00", window_end="11:30", instructions="Quai 2")

    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.priority, str(delivery.window_start), str(delivery.window_end), delivery.instructions) == (
        3,
        "09:00:00",
        "11:30:00",
        "Quai 2",
    )
    assert AuditLog.objects.filter(object_id=str(delivery.pk), action="update").count() == 1


def test_dispatch_refusals_are_shown_and_write_nothing(client, dispatcher, world, operator):
    client.force_login(dispatcher)
    delivery = world["delivery"]

    inverted = dispatch(client, delivery, window_start="12:00", window_end="09:00")
    Delivery.objects.filter(pk=delivery.pk).update(status="picked_up")
    too_late = dispatch(client, delivery, priority="3")
    page = client.get(reverse("admin:deliveries_delivery_change", args=[delivery.pk]))

    assert inverted.status_code == 200 and too_late.status_code == 200
    assert "Le créneau doit finir après son début." in inverted.text, re.findall(
        r"errorlist.*?</ul>", inverted.text, re.S
    )
    assert "Une livraison ne peut être modifiée que tant qu&#x27;elle est en attente ou assignée." in too_late.text
    delivery.refresh_from_db()
    assert (delivery.priority, delivery.window_start) == (1, None)
    assert reverse("admin:deliveries_delivery_dispatch", args=[delivery.pk]) not in page.text


def test_the_delivery_list_finds_a_commune(client, dispatcher, world):
    client.force_login(dispatcher)
    Delivery.objects.filter(pk=world["delivery"].pk).update(commune="Bab Ezzouar")

    found = client.get(reverse("admin:deliveries_delivery_changelist"), {"q": "ezzouar"})
    other = client.get(reverse("admin:deliveries_delivery_changelist"), {"q": "Oran"})

    assert world["delivery"].number in found.text
    assert world["delivery"].number not in other.text


def test_the_order_page_is_laid_out_in_sections_and_links_its_delivery(client, make_user, world):
    # given a confirmed order with its delivery, opened by an operator in French
    client.force_login(make_user(role="admin", is_superuser=True))
    order = world["delivery"].order
    page = client.get(reverse("admin:orders_order_change", args=[order.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    # then the page has the customer, money, delivery, history and technical sections
    headings = [str(fieldset.name) for fieldset in page.context["adminform"]]
    assert headings == ["Client", "Montant", "Livraison", "Historique", "Technique"]
    # and links the order's delivery
    url = reverse("admin:deliveries_delivery_change", args=[world["delivery"].pk])
    assert f'<a href="{url}">Livraison {world["delivery"].number}</a>' in page.text
