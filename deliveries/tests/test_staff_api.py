"""The back office's deliveries and drivers API: dispatch, drivers, performance."""

import re
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from deliveries.models import Delivery, DeliveryEvent, Driver
from deliveries.services import lifecycle
from deliveries.services.proofs import delivery_proof_add
from livrili.accounts.models import User
from livrili.core.models import AuditLog
from livrili.core.testing.assertions import assert_error
from orders.models import Order

from .test_driver_api import png

pytestmark = pytest.mark.django_db

API = "/api/v1"
ALGIERS = ZoneInfo("Africa/Algiers")


def counts() -> dict:
    return {m.__name__: m.objects.count() for m in (Delivery, DeliveryEvent, Driver, User, AuditLog, Order)} | {
        "statuses": sorted(Delivery.objects.values_list("status", "driver_id"), key=str)
    }


@pytest.fixture
def staff(client_for, dispatcher):
    return client_for(dispatcher)


@pytest.fixture
def pending(confirmed):
    return confirmed("cash").delivery


# --- Deliveries ---------------------------------------------------------------------------


def test_the_list_shows_order_retailer_and_driver(staff, pending, driver, operator, confirmed):
    assigned = lifecycle.delivery_assign(delivery=confirmed().delivery, driver=driver, actor=operator)

    body = staff.get(f"{API}/deliveries?ordering=number").json()

    assert body["pagination"]["total"] == 2
    first, second = body["data"]
    assert (first["number"], first["status"], first["driver"]) == (pending.number, "pending", None)
    assert first["order"] == {"id": str(pending.order_id), "number": pending.order.number, "status": "confirmed"}
    assert first["retailer"]["business_name"] == pending.order.retailer.business_name
    assert (second["number"], second["driver"]["id"], second["driver"]["vehicle_plate"]) == (
        assigned.number,
        str(driver.pk),
        driver.vehicle_plate,
    )


def test_the_list_filters(staff, pending, driver, operator, confirmed):
    assigned = lifecycle.delivery_assign(delivery=confirmed().delivery, driver=driver, actor=operator)
    Delivery.objects.filter(pk=assigned.pk).update(
        priority=3, commune="Kouba", wilaya_code="16", scheduled_date=pending.scheduled_date + timedelta(days=1)
    )
    day = pending.scheduled_date.isoformat()
    next_day = (pending.scheduled_date + timedelta(days=1)).isoformat()

    def numbers(query):
        response = staff.get(f"{API}/deliveries?{query}")
        assert response.status_code == 200, response.json()
        return [d["number"] for d in response.json()["data"]]

    assert numbers(f"date={day}") == [pending.number]
    assert numbers(f"date_from={next_day}") == [assigned.number]
    assert numbers(f"date_to={day}") == [pending.number]
    assert numbers("status=assigned") == [assigned.number]
    assert numbers(f"driver_id={driver.pk}") == [assigned.number]
    assert numbers("priority=3") == [assigned.number]
    assert numbers("commune=kouba&wilaya=16") == [assigned.number]
    assert numbers(f"search={pending.order.number}") == [pending.number]
    assert numbers(f"search={assigned.number}") == [assigned.number]
    assert numbers("ordering=-priority") == [assigned.number, pending.number]
    assert_error(staff.get(f"{API}/deliveries?ordering=contact_phone"), 400, "VALIDATION_ERROR")


def test_the_list_stays_within_its_query_budget(staff, confirmed, driver, operator, django_assert_max_num_queries):
    for _ in range(4):
        lifecycle.delivery_assign(delivery=confirmed().delivery, driver=driver, actor=operator)

    with django_assert_max_num_queries(6):
        body = staff.get(f"{API}/deliveries").json()

    assert body["pagination"]["total"] == 4


def test_the_detail_has_the_history_and_the_proof(staff, pending, driver, operator):
    lifecycle.delivery_assign(delivery=pending, driver=driver, actor=operator, note="Route Est")
    lifecycle.delivery_report(delivery=pending, actor=driver.user, status="picked_up", operator=False)
    delivery_proof_add(delivery=pending, actor=driver.user, recipient_name="Ahmed", photos=[png()])

    body = staff.get(f"{API}/deliveries/{pending.pk}").json()["data"]

    assert [(e["from_status"], e["to_status"], e["actor"], e["note"]) for e in body["events"]] == [
        ("", "pending", operator.username, ""),
        ("pending", "assigned", operator.username, "Route Est"),
        ("assigned", "picked_up", driver.user.username, ""),
    ]
    assert (body["proof"]["recipient_name"], body["proof"]["photo_count"], body["proof"]["has_signature"]) == (
        "Ahmed",
        1,
        False,
    )


def test_dispatch_edits_a_pending_delivery_and_it_is_audited(staff, pending, dispatcher):
    response = staff.patch(
        f"{API}/deliveries/{pending.pk}",
        {"priority": 2, "window_start": "09:00", "window_end": "11:30", "instructions": "Porte arrière"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    assert (data["priority"], data["window_start"], data["window_end"], data["instructions"]) == (
        2,
        "09:00:00",
        "11:30:00",
        "Porte arrière",
    )
    audit = AuditLog.objects.filter(object_id=str(pending.pk), action="update").get()
    assert audit.actor == dispatcher
    assert audit.changes == {
        "priority": [1, 2],
        "window_start": [None, "09:00:00"],
        "window_end": [None, "11:30:00"],
        "instructions": ["", "Porte arrière"],
    }


def test_the_window_is_documented_as_the_local_time_the_api_writes(staff, pending):
    """A window is a wall-clock time in Algiers, written without an offset. OpenAPI's
    `format: time` means RFC 3339 full-time, offset required (fuzz: PATCH deliveries/{id}
    violated its own schema once a window was set)."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    data = staff.patch(
        f"{API}/deliveries/{pending.pk}", {"window_start": "09:00Z", "window_end": "11:30:15.5"}, format="json"
    ).json()["data"]

    for component, field in [
        (c, f)
        for c in ("Delivery", "DeliveryDetail", "DriverDelivery", "RouteStop")
        for f in ("window_start", "window_end")
    ]:
        documented = schema[component]["properties"][field]
        assert "format" not in documented, (component, field)
        assert re.fullmatch(documented["pattern"], "09:00:00"), (component, field)
    written = schema["DeliveryDetail"]["properties"]["window_start"]["pattern"]
    assert (data["window_start"], data["window_end"]) == ("09:00:00", "11:30:15.500000")
    assert re.fullmatch(written, data["window_start"]) and re.fullmatch(written, data["window_end"])
    assert not re.fullmatch(written, "9h") and not re.fullmatch(written, "24:00:00")


def test_a_window_that_ends_before_it_starts_is_refused(staff, pending):
    before = counts()

    body = assert_error(
        staff.patch(f"{API}/deliveries/{pending.pk}", {"window_start": "12:00", "window_end": "10:00"}, format="json"),
        400,
        "VALIDATION_ERROR",
    )

    assert list(body["details"]) == ["window_end"]
    assert counts() == before


def test_a_delivery_on_the_road_cannot_be_edited(staff, pending, driver, operator):
    lifecycle.delivery_assign(delivery=pending, driver=driver, actor=operator)
    lifecycle.delivery_report(delivery=pending, actor=driver.user, status="picked_up", operator=False)
    before = counts()

    body = assert_error(
        staff.patch(f"{API}/deliveries/{pending.pk}", {"priority": 3}, format="json"), 422, "INVALID_TRANSITION"
    )

    assert body["details"] == {"from": "picked_up", "to": "picked_up", "allowed": []}
    assert counts() == before


def test_assign_gives_the_delivery_its_driver(staff, pending, driver):
    response = staff.post(
        f"{API}/deliveries/{pending.pk}/assign", {"driver_id": str(driver.pk), "note": "Est"}, format="json"
    )

    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    assert (data["status"], data["driver"]["id"], data["attempts"]) == ("assigned", str(driver.pk), 1)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"status": "suspended"}, "This driver is suspended."),
        ({"status": "off_duty"}, "This driver is off duty."),
        ({"license_expiry": None}, "This driver's licence expiry date is not on file."),
    ],
)
def test_an_unavailable_driver_is_refused(staff, make_driver, confirmed, fields, message):
    delivery = confirmed().delivery
    Delivery.objects.filter(pk=delivery.pk).update(scheduled_date=timezone.localdate())
    driver = make_driver(**fields)
    before = counts()

    body = assert_error(
        staff.post(
            f"{API}/deliveries/{delivery.pk}/assign",
            {"driver_id": str(driver.pk)},
            format="json",
            HTTP_ACCEPT_LANGUAGE="en",
        ),
        422,
        "DRIVER_UNAVAILABLE",
    )

    assert body["details"] == {"driver_id": [message]}
    assert counts() == before


def test_assign_to_an_unknown_driver_is_a_validation_error(staff, pending):
    body = assert_error(
        staff.post(f"{API}/deliveries/{pending.pk}/assign", {"driver_id": str(pending.pk)}, format="json"),
        400,
        "VALIDATION_ERROR",
    )
    assert list(body["details"]) == ["driver_id"]


def test_an_operator_delivers_without_proof_with_a_reason(staff, pending):
    refused = staff.post(f"{API}/deliveries/{pending.pk}/status", {"status": "delivered"}, format="json")
    assert_error(refused, 422, "PROOF_REQUIRED")

    response = staff.post(
        f"{API}/deliveries/{pending.pk}/status",
        {"status": "delivered", "override_reason": "Retrait au comptoir", "cash_collected": "1803.00"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    assert (data["status"], data["proof_override_reason"], data["cash_collected"]) == (
        "delivered",
        "Retrait au comptoir",
        "1803.00",
    )
    assert Order.objects.get(pk=pending.order_id).status == "delivered"


def test_an_operators_illegal_transition_names_the_allowed_ones(staff, pending):
    body = assert_error(
        staff.post(f"{API}/deliveries/{pending.pk}/status", {"status": "in_transit"}, format="json"),
        422,
        "INVALID_TRANSITION",
    )
    assert body["details"] == {"from": "pending", "to": "in_transit", "allowed": ["picked_up", "delivered"]}


def test_support_reads_but_cannot_dispatch(client_for, make_user, pending, driver):
    support = client_for(make_user(role="admin", groups=["Support"], username="support"))

    assert support.get(f"{API}/deliveries/{pending.pk}").status_code == 200
    assert_error(
        support.post(f"{API}/deliveries/{pending.pk}/assign", {"driver_id": str(driver.pk)}, format="json"),
        403,
        "FORBIDDEN",
    )
    assert_error(support.patch(f"{API}/deliveries/{pending.pk}", {"priority": 2}, format="json"), 403, "FORBIDDEN")


# --- Drivers ------------------------------------------------------------------------------


def driver_body(**fields):
    return {
        "full_name": "Yacine Saidi",
        "phone": "0661 23 45 67",
        "password": "Correct-Horse-42",
        "vehicle_type": "car",
        "vehicle_plate": "01234-116-16",
        "capacity_kg": "450.00",
        "license_number": "L-7",
        "license_expiry": "2030-01-31",
        "wilaya_ids": ["16"],
        "communes": ["Kouba", "Hydra"],
        **fields,
    }


@pytest.fixture
def algiers(db):
    from livrili.core.models import Wilaya

    Wilaya.objects.get_or_create(code="16", defaults={"name": "Alger"})


def test_staff_create_a_driver_with_its_account(staff, dispatcher, algiers):
    response = staff.post(f"{API}/drivers", driver_body(), format="json")

    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    driver = Driver.objects.select_related("user").get(pk=data["id"])
    assert (driver.user.role, driver.user.full_name, driver.user.phone, driver.phone) == (
        "driver",
        "Yacine Saidi",
        "+213661234567",
        "+213661234567",
    )
    assert driver.user.check_password("Correct-Horse-42")
    assert (data["vehicle_plate"], data["capacity_kg"], data["wilayas"], data["communes"], data["status"]) == (
        "01234-116-16",
        "450.00",
        ["16"],
        ["Kouba", "Hydra"],
        "off_duty",
    )
    assert AuditLog.objects.filter(object_id=str(driver.pk), action="create", actor=dispatcher).count() == 1


def test_a_plate_in_use_is_a_conflict_in_any_case(staff, driver, algiers):
    before = counts()

    body = assert_error(
        staff.post(f"{API}/drivers", driver_body(vehicle_plate=driver.vehicle_plate.lower()), format="json"),
        409,
        "CONFLICT",
    )

    assert list(body["details"]) == ["vehicle_plate"]
    assert counts() == before


def test_a_driver_needs_a_phone_or_an_email(staff, algiers):
    before = counts()
    body = assert_error(staff.post(f"{API}/drivers", driver_body(phone=None), format="json"), 400, "VALIDATION_ERROR")
    assert list(body["details"]) == ["phone"]
    assert counts() == before


def test_staff_update_and_suspend_a_driver(staff, driver, dispatcher):
    response = staff.patch(
        f"{API}/drivers/{driver.pk}", {"status": "suspended", "max_stops": 12, "full_name": "K. Driver"}, format="json"
    )

    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    assert (data["status"], data["max_stops"], data["full_name"]) == ("suspended", 12, "K. Driver")
    audit = AuditLog.objects.get(object_id=str(driver.pk), action="update", content_type__model="driver")
    assert audit.changes == {"status": ["available", "suspended"], "max_stops": [20, 12]}


def test_the_drivers_list_filters_and_searches(staff, make_driver, django_assert_max_num_queries):
    first = make_driver(status="available")
    make_driver(status="off_duty")
    make_driver(status="off_duty")

    with django_assert_max_num_queries(6):
        body = staff.get(f"{API}/drivers?status=available").json()

    assert [d["id"] for d in body["data"]] == [str(first.pk)]
    assert staff.get(f"{API}/drivers?search={first.vehicle_plate}").json()["pagination"]["total"] == 1


# --- Performance --------------------------------------------------------------------------


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=ALGIERS)


def test_performance_figures_are_exact(staff, driver, confirmed, operator, make_driver):
    # given seven deliveries of the driver on 2030-03-10 (and one the day after, outside the period)
    day = datetime(2030, 3, 10).date()
    deliveries = [
        lifecycle.delivery_assign(delivery=confirmed().delivery, driver=driver, actor=operator) for _ in range(8)
    ]
    base = {"scheduled_date": day, "status": "delivered"}
    rows = [
        # window 09:00–12:00, delivered 11:59 → on time; rated 5; collected 1803.00
        dict(
            base,
            window_start=time(9),
            window_end=time(12),
            delivered_at=at(day, 11, 59),
            rating=5,
            cash_collected=Decimal("1803.00"),
        ),
        # window ending 10:00, delivered 10:30 → late; rated 2; collected 1500.00
        dict(
            base,
            window_start=time(8),
            window_end=time(10),
            delivered_at=at(day, 10, 30),
            rating=2,
            cash_collected=Decimal("1500.00"),
        ),
        # no window, ETA 14:00, delivered 14:10 → late; attempts 2
        {**base, "estimated_at": at(day, 14), "delivered_at": at(day, 14, 10), "attempts": 2},
        # no window nor ETA, delivered on the day → on time
        {**base, "delivered_at": at(day, 18)},
        # failed, attempts 2
        {"scheduled_date": day, "status": "failed", "failure_reason": "absent", "attempts": 2},
        # failed, then cancelled when the goods came back (the order returned): a failure too
        {"scheduled_date": day, "status": "cancelled", "failure_reason": "closed", "failed_at": at(day, 10)},
        # cancelled before any attempt failed: neither
        {"scheduled_date": day, "status": "cancelled"},
        # outside the period
        {**base, "scheduled_date": day + timedelta(days=1), "delivered_at": at(day, 9), "rating": 1},
    ]
    for delivery, fields in zip(deliveries, rows, strict=True):
        Delivery.objects.filter(pk=delivery.pk).update(**fields)
    make_driver()  # another driver's nothing

    response = staff.get(f"{API}/drivers/{driver.pk}/performance?date_from=2030-03-10&date_to=2030-03-10")

    assert response.status_code == 200, response.json()
    assert response.json()["data"] == {
        "driver_id": str(driver.pk),
        "date_from": "2030-03-10",
        "date_to": "2030-03-10",
        "deliveries": 7,
        "delivered": 4,
        "failed": 2,
        "on_time": 2,
        "success_rate": "66.67",
        "on_time_rate": "50.00",
        "average_rating": "3.50",
        "ratings": 2,
        "attempts": 9,
        "cash_to_collect": "7212.00",
        "cash_collected": "3303.00",
    }


def test_performance_of_a_driver_without_deliveries_has_no_rates(staff, driver):
    data = staff.get(f"{API}/drivers/{driver.pk}/performance").json()["data"]

    assert (data["deliveries"], data["success_rate"], data["on_time_rate"], data["average_rating"]) == (
        0,
        None,
        None,
        None,
    )
    assert (data["attempts"], data["cash_collected"]) == (0, "0.00")


def test_a_performance_period_that_ends_before_it_starts_is_refused(staff, driver):
    response = staff.get(f"{API}/drivers/{driver.pk}/performance?date_from=2030-03-10&date_to=2030-03-01")
    assert list(assert_error(response, 400, "VALIDATION_ERROR")["details"]) == ["date_to"]


@pytest.mark.parametrize(
    ("language", "text"),
    [("fr", "Le créneau doit finir après son début."), ("ar", "يجب أن تنتهي الفترة الزمنية بعد بدايتها.")],
)
def test_refusals_speak_the_callers_language(staff, pending, language, text):
    window = {"window_start": "12:00", "window_end": "10:00"}

    response = staff.patch(f"{API}/deliveries/{pending.pk}?lang={language}", window, format="json")

    assert assert_error(response, 400, "VALIDATION_ERROR")["details"] == {"window_end": [text]}
