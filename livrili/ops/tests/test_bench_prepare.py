"""`bench_prepare` makes every scripted request valid: here, the driver scenario's routes."""

import json

import pytest
from django.core.management import call_command

from deliveries.models import Delivery, Route
from livrili.core.models import Wilaya

pytestmark = pytest.mark.django_db


def test_each_bench_driver_gets_a_planned_route_of_assigned_deliveries(make_user, tmp_path, client_for):
    Wilaya.objects.get_or_create(code="16", defaults={"name_ar": "الجزائر", "name_fr": "Alger", "name_en": "Algiers"})
    make_user(is_superuser=True, username="root")
    out = tmp_path / "prepared.json"

    call_command("bench_prepare", out=str(out), retailers=1, products=12, drivers=2, driver_deliveries=3, stdout=None)

    drivers = json.loads(out.read_text())["drivers"]
    assert len(drivers) == 2 and [len(d["deliveries"]) for d in drivers] == [3, 3]
    for prepared in drivers:
        route = Route.objects.get(driver_id=prepared["driver_id"])
        assert (route.status, route.date.isoformat()) == ("planned", prepared["route_date"])
        stops = list(route.stops.order_by("sequence").values_list("delivery_id", flat=True))
        assert sorted(str(s) for s in stops) == sorted(prepared["deliveries"])
        assert set(Delivery.objects.filter(pk__in=stops).values_list("status", "driver_id")) == {
            ("assigned", route.driver_id)
        }
        # the token is the driver's: its route answers with the prepared stops
        app = client_for(route.driver.user)
        data = app.get(f"/api/v1/drivers/me/route?date={prepared['route_date']}").json()["data"]
        assert data["id"] == str(route.pk) and len(data["stops"]) == 3
        # and the scenario's steps (bench/locustfile.py DRIVER_STEPS) are legal for its driver
        first = prepared["deliveries"][0]
        for index, body in enumerate(
            ({"status": "picked_up"}, {"status": "in_transit"}, {"status": "failed", "failure_reason": "absent"})
        ):
            answer = app.post(
                f"/api/v1/drivers/me/deliveries/{first}/status", body, format="json", HTTP_IDEMPOTENCY_KEY=f"k{index}"
            )
            assert answer.status_code == 200, answer.json()
        assert Delivery.objects.get(pk=first).status == "failed"


def test_a_second_prepare_plans_its_routes_on_a_day_the_first_run_left_alone(make_user, tmp_path, client_for):
    # The bench database is reused: the first run started a route and left deliveries on its day.
    Wilaya.objects.get_or_create(code="16", defaults={"name_ar": "الجزائر", "name_fr": "Alger", "name_en": "Algiers"})
    make_user(is_superuser=True, username="root")
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    options = {"retailers": 1, "products": 12, "drivers": 1, "driver_deliveries": 3, "stdout": None}
    call_command("bench_prepare", out=str(first), **options)
    earlier = json.loads(first.read_text())["drivers"][0]
    app = client_for(Route.objects.get(driver_id=earlier["driver_id"]).driver.user)
    answer = app.post(
        f"/api/v1/drivers/me/deliveries/{earlier['deliveries'][0]}/status",
        {"status": "picked_up"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert answer.status_code == 200, answer.json()

    call_command("bench_prepare", out=str(second), **options)

    prepared = json.loads(second.read_text())["drivers"][0]
    assert prepared["driver_id"] == earlier["driver_id"] and prepared["route_date"] > earlier["route_date"]
    route = Route.objects.get(driver_id=prepared["driver_id"], date=prepared["route_date"])
    assert (route.status, sorted(str(s.delivery_id) for s in route.stops.all())) == (
        "planned",
        sorted(prepared["deliveries"]),
    )
    # the first run's route and deliveries are as that run left them
    assert Route.objects.get(driver_id=earlier["driver_id"], date=earlier["route_date"]).stops.count() == 3
