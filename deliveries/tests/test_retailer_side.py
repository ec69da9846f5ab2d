"""The retailer's side of a delivery: tracking shows the driver while out for delivery and the
ETA (`retailers/orders/{id}/tracking`); a delivered order is rated once (`…/rating`)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deliveries.models import Delivery
from deliveries.services import lifecycle
from livrili.core.models import AuditLog
from livrili.core.testing.assertions import assert_error
from livrili.core.testing.concurrency import run_together

pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned(confirmed, operator, driver):
    order = confirmed("cash")
    delivery = lifecycle.delivery_assign(delivery=order.delivery, driver=driver, actor=operator)
    eta = timezone.now().replace(microsecond=0) + timedelta(hours=2)
    Delivery.objects.filter(pk=delivery.pk).update(estimated_at=eta)
    delivery.refresh_from_db()
    return delivery


def move(delivery, operator, *statuses, **extra):
    for status in statuses:
        fields = {"override_reason": "Au comptoir"} if status == "delivered" else {}
        delivery = lifecycle.delivery_report(
            delivery=delivery, actor=operator, status=status, operator=True, **fields, **extra
        )
    return delivery


def tracking(client_for, delivery):
    owner = delivery.order.retailer.members.get()
    return client_for(owner).get(f"/api/v1/retailers/orders/{delivery.order_id}/tracking").json()["data"]


def test_tracking_shows_the_eta_once_assigned_and_the_driver_only_while_out_for_delivery(
    assigned, operator, client_for, driver
):
    driver.user.full_name = "Karim Benali"
    driver.user.save(update_fields=["full_name"])
    type(driver).objects.filter(pk=driver.pk).update(vehicle_model="Renault Master", phone="+213550000001")
    eta = timezone.localtime(assigned.estimated_at).isoformat()

    before = tracking(client_for, assigned)
    assert (before["driver"], before["eta"]) == (None, eta)

    picked = move(assigned, operator, "picked_up")
    out = tracking(client_for, picked)
    assert out["driver"] == {
        "first_name": "Karim",
        "phone": "+213550000001",
        "vehicle": f"Renault Master · {driver.vehicle_plate}",
    }
    assert out["eta"] == eta
    assert [(s["key"], s["done"]) for s in out["steps"]] == [
        ("placed", True),
        ("confirmed", True),
        ("processing", True),  # picked up passes through processing
        ("shipped", True),
        ("delivered", False),
    ]
    assert tracking(client_for, move(picked, operator, "in_transit"))["driver"]["first_name"] == "Karim"

    done = tracking(client_for, move(Delivery.objects.get(pk=assigned.pk), operator, "delivered"))
    assert (done["status"], done["driver"], done["eta"]) == ("delivered", None, None)
    assert done["steps"][-1]["key"] == "delivered" and done["steps"][-1]["done"] is True


def test_a_confirmed_order_without_a_driver_has_no_driver_and_no_eta(confirmed, client_for):
    order = confirmed("cash")

    data = tracking(client_for, order.delivery)

    assert (data["status"], data["driver"], data["eta"]) == ("confirmed", None, None)


def test_tracking_takes_the_same_queries_with_a_delivery(assigned, operator, client_for, confirmed):
    pending = confirmed("cash")
    owner = assigned.order.retailer.members.get()
    client = client_for(owner)
    move(assigned, operator, "picked_up")

    with CaptureQueriesContext(connection) as queries:
        client.get(f"/api/v1/retailers/orders/{assigned.order_id}/tracking")

    assert len(queries) <= 6  # user, retailer, order, delivery + driver + user (one join)
    assert pending.delivery.driver_id is None


# --- Rating -------------------------------------------------------------------------------------


def rate(client, delivery, **body):
    return client.post(f"/api/v1/retailers/orders/{delivery.order_id}/rating", body, format="json")


def test_a_delivered_order_is_rated_once(assigned, operator, client_for):
    delivered = move(assigned, operator, "picked_up", "delivered")
    client = client_for(delivered.order.retailer.members.get())

    response = rate(client, delivered, rating=4, feedback="Livreur aimable")

    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    stored = Delivery.objects.get(pk=delivered.pk)
    assert (stored.rating, stored.feedback) == (4, "Livreur aimable")
    assert data == {
        "order_id": str(delivered.order_id),
        "rating": 4,
        "feedback": "Livreur aimable",
        "rated_at": timezone.localtime(stored.rated_at).isoformat(),
    }
    assert AuditLog.objects.filter(object_id=str(delivered.pk), action="rated").count() == 1

    again = assert_error(rate(client, delivered, rating=1), 409, "CONFLICT")
    assert list(again["details"]) == ["rating"]
    stored.refresh_from_db()
    assert (stored.rating, stored.feedback) == (4, "Livreur aimable")


def test_an_order_not_delivered_cannot_be_rated_and_nothing_is_written(assigned, operator, client_for, place_order):
    client = client_for(assigned.order.retailer.members.get())
    audits = AuditLog.objects.count()

    body = assert_error(rate(client, assigned, rating=5), 422, "INVALID_TRANSITION")
    assert body["details"] == {"from": "confirmed", "to": "confirmed", "allowed": []}
    failed = move(assigned, operator, "picked_up", "failed", failure_reason="absent")
    assert_error(rate(client, failed, rating=5), 422, "INVALID_TRANSITION")
    pending = place_order()  # no delivery yet
    owner = client_for(pending.retailer.members.get())
    assert_error(
        owner.post(f"/api/v1/retailers/orders/{pending.pk}/rating", {"rating": 5}, format="json"),
        422,
        "INVALID_TRANSITION",
    )

    assert Delivery.objects.get(pk=assigned.pk).rated_at is None
    assert AuditLog.objects.filter(action="rated").count() == 0 and AuditLog.objects.count() > audits


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "rating"), ({"rating": 0}, "rating"), ({"rating": 6}, "rating"), ({"rating": "x"}, "rating")],
)
def test_a_rating_is_1_to_5(assigned, operator, client_for, body, field):
    delivered = move(assigned, operator, "picked_up", "delivered")
    client = client_for(delivered.order.retailer.members.get())

    assert list(assert_error(rate(client, delivered, **body), 400, "VALIDATION_ERROR")["details"]) == [field]
    assert Delivery.objects.get(pk=delivered.pk).rated_at is None


def test_another_retailers_order_is_not_found_and_staff_and_drivers_are_refused(
    assigned, operator, client_for, make_user, driver
):
    delivered = move(assigned, operator, "picked_up", "delivered")
    stranger = make_user(role="retailer", username="stranger")

    assert_error(rate(client_for(stranger), delivered, rating=5), 404, "NOT_FOUND")
    assert_error(rate(client_for(driver.user), delivered, rating=5), 403, "FORBIDDEN")
    assert_error(rate(client_for(operator), delivered, rating=5), 403, "FORBIDDEN")
    assert Delivery.objects.get(pk=delivered.pk).rated_at is None


@pytest.mark.django_db(transaction=True)
def test_two_ratings_at_once_store_one(assigned, operator, client_for):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL (CI does)")
    delivered = move(assigned, operator, "picked_up", "delivered")
    owner = delivered.order.retailer.members.get()

    answers = run_together(2, lambda i: rate(client_for(owner), delivered, rating=(2, 5)[i]).status_code)

    assert sorted(answers) == [200, 409]
    assert Delivery.objects.get(pk=delivered.pk).rating in (2, 5)
    assert AuditLog.objects.filter(action="rated").count() == 1
