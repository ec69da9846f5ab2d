"""The deliveries admin pages render, read-only, in the operators' languages."""

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


@pytest.mark.parametrize(("language", "amount"), [("fr", "1\xa0803,00 DA"), ("ar", "1803,00 د.ج")])
def test_the_delivery_list_shows_the_cash_with_its_currency(client, dispatcher, world, language, amount):
    client.force_login(dispatcher)

    response = client.get(reverse("admin:deliveries_delivery_changelist"), HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 200
    assert world["delivery"].number in response.text
    assert f'field-cash_to_collect_display">{amount}</td>' in response.text
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
