"""The driver app's API (`drivers/me/…`): only its own deliveries, idempotent status updates
and proof uploads, its status, location and cash."""

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from deliveries.models import Delivery, DeliveryEvent, Driver, ProofOfDelivery, ProofPhoto
from deliveries.services import lifecycle
from livrili.core.models import AuditLog, IdempotencyRecord
from livrili.core.testing.assertions import assert_error
from orders.models import Order, OrderEvent
from orders.services import lifecycle as order_services

pytestmark = pytest.mark.django_db

ME = "/api/v1/drivers/me"


def png(name="photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def stored_files() -> list[Path]:
    return sorted(p for p in (Path(settings.PRIVATE_MEDIA_ROOT) / "proofs").rglob("*") if p.is_file())


def counts() -> dict:
    models = (Delivery, DeliveryEvent, ProofOfDelivery, ProofPhoto, Order, OrderEvent, IdempotencyRecord, AuditLog)
    return {m.__name__: m.objects.count() for m in models} | {
        "statuses": sorted(Delivery.objects.values_list("status", flat=True))
    }


@pytest.fixture
def assigned(confirmed, operator, driver):
    """A cash order's delivery (1803.00 to collect) assigned to `driver`."""
    order = confirmed("cash")
    return lifecycle.delivery_assign(delivery=order.delivery, driver=driver, actor=operator)


@pytest.fixture
def app(client_for, driver):
    return client_for(driver.user)


def report(app, delivery, key="k-1", **body):
    kwargs = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return app.post(f"{ME}/deliveries/{delivery.pk}/status", body, format="json", **kwargs)


def test_me_answers_the_drivers_profile(app, driver):
    body = app.get(ME).json()["data"]

    assert (body["id"], body["status"], body["vehicle_type"], body["capacity_kg"]) == (
        str(driver.pk),
        "available",
        "van",
        "800.00",
    )
    assert body["user"]["username"] == driver.user.username


def test_a_driver_account_without_a_driver_profile_is_not_found(client_for, make_user):
    assert_error(client_for(make_user(role="driver", username="nobody")).get(ME), 404, "NOT_FOUND")


def test_the_driver_lists_only_its_own_deliveries_with_the_destination(app, assigned, make_driver, confirmed, operator):
    # given another driver's delivery
    other = lifecycle.delivery_assign(delivery=confirmed().delivery, driver=make_driver(), actor=operator)

    body = app.get(f"{ME}/deliveries").json()

    assert [d["number"] for d in body["data"]] == [assigned.number]
    assert body["pagination"]["total"] == 1
    row = body["data"][0]
    assert row["order_number"] == assigned.order.number
    assert (row["status"], row["cash_to_collect"], row["attempts"], row["has_proof"]) == (
        "assigned",
        "1803.00",
        1,
        False,
    )
    assert set(row) >= {"address", "commune", "wilaya_code", "latitude", "longitude", "contact_name", "contact_phone"}
    assert "retailer" not in row and "order" not in row
    # and another driver's delivery is not found
    assert_error(app.get(f"{ME}/deliveries/{other.pk}"), 404, "NOT_FOUND")


def test_the_list_filters_by_date_and_status(app, assigned):
    day = assigned.scheduled_date.isoformat()

    assert app.get(f"{ME}/deliveries?date={day}&status=assigned").json()["pagination"]["total"] == 1
    assert app.get(f"{ME}/deliveries?status=delivered").json()["pagination"]["total"] == 0
    assert app.get(f"{ME}/deliveries?date=2001-01-01").json()["pagination"]["total"] == 0


def test_the_list_stays_within_its_query_budget(
    app, assigned, confirmed, operator, driver, django_assert_max_num_queries
):
    for _ in range(3):
        lifecycle.delivery_assign(delivery=confirmed().delivery, driver=driver, actor=operator)

    with django_assert_max_num_queries(6):
        body = app.get(f"{ME}/deliveries").json()

    assert body["pagination"]["total"] == 4


def test_a_status_update_walks_the_delivery_and_the_order(app, assigned):
    response = report(app, assigned, status="picked_up", latitude="36.752887", longitude="3.042048", note="loaded")

    assert response.status_code == 200, response.json()
    assert response.json()["data"]["status"] == "picked_up"
    assigned.refresh_from_db()
    assert (assigned.status, assigned.order.status) == ("picked_up", "shipped")
    event = assigned.events.last()
    assert (event.from_status, event.to_status, event.latitude, event.note) == (
        "assigned",
        "picked_up",
        Decimal("36.752887"),
        "loaded",
    )


def test_a_replayed_status_update_answers_the_first_answer_and_changes_nothing(app, assigned):
    first = report(app, assigned, key="same", status="picked_up")
    report(app, assigned, key="next", status="in_transit")
    before = counts()

    replay = report(app, assigned, key="same", status="picked_up")

    assert (replay.status_code, replay.json()) == (first.status_code, first.json())
    assert replay.json()["data"]["status"] == "picked_up"
    assert counts() == before
    assert Delivery.objects.get(pk=assigned.pk).status == "in_transit"


def test_the_same_key_with_another_body_is_a_conflict(app, assigned):
    report(app, assigned, key="same", status="picked_up")
    before = counts()

    assert_error(report(app, assigned, key="same", status="in_transit"), 409, "IDEMPOTENCY_CONFLICT")
    assert counts() == before


def test_a_key_reused_on_another_delivery_is_a_conflict(app, assigned, confirmed, operator, driver):
    second = lifecycle.delivery_assign(delivery=confirmed().delivery, driver=driver, actor=operator)
    report(app, assigned, key="same", status="picked_up")
    before = counts()

    assert_error(report(app, second, key="same", status="picked_up"), 409, "IDEMPOTENCY_CONFLICT")
    assert counts() == before


def test_a_status_update_needs_an_idempotency_key(app, assigned):
    before = counts()

    body = assert_error(report(app, assigned, key=None, status="picked_up"), 400, "VALIDATION_ERROR")

    assert list(body["details"]) == ["Idempotency-Key"]
    assert counts() == before


def test_another_drivers_delivery_is_not_found_and_nothing_is_written(client_for, make_driver, assigned):
    intruder = client_for(make_driver().user)
    before = counts()

    assert_error(report(intruder, assigned, status="picked_up"), 404, "NOT_FOUND")
    assert_error(
        intruder.post(
            f"{ME}/deliveries/{assigned.pk}/proof", {"recipient_name": "X", "photos": [png()]}, format="multipart"
        ),
        404,
        "NOT_FOUND",
    )
    assert counts() == before


@pytest.mark.parametrize(
    ("walk", "status", "allowed"),
    [
        ((), "in_transit", ["picked_up"]),
        ((), "delivered", ["picked_up"]),
        ((), "failed", ["picked_up"]),
        (("picked_up",), "picked_up", ["in_transit", "delivered", "failed"]),
        (("picked_up", "in_transit"), "picked_up", ["delivered", "failed"]),
        (("picked_up", "in_transit"), "in_transit", ["delivered", "failed"]),
        (("picked_up", "failed"), "picked_up", []),
        (("picked_up", "failed"), "in_transit", []),
        (("picked_up", "failed"), "delivered", []),
        (("picked_up", "failed"), "failed", []),
    ],
)
def test_each_illegal_transition_is_refused_with_the_allowed_ones(app, assigned, walk, status, allowed):
    for n, step in enumerate(walk):
        extra = {"failure_reason": "absent"} if step == "failed" else {}
        assert report(app, assigned, key=f"walk-{n}", status=step, **extra).status_code == 200
    before = counts()
    extra = {"failure_reason": "absent"} if status == "failed" else {}

    body = assert_error(report(app, assigned, key="illegal", status=status, **extra), 422, "INVALID_TRANSITION")

    current = walk[-1] if walk else "assigned"
    assert body["details"] == {"from": current, "to": status, "allowed": allowed}
    assert counts() == before


@pytest.mark.parametrize("final", ["delivered", "cancelled"])
@pytest.mark.parametrize("status", ["picked_up", "in_transit", "delivered", "failed"])
def test_a_final_delivery_takes_no_report(app, assigned, operator, final, status):
    if final == "delivered":
        lifecycle.delivery_report(delivery=assigned, actor=operator, status="picked_up", operator=True)
        lifecycle.delivery_report(
            delivery=assigned, actor=operator, status="delivered", operator=True, override_reason="Au comptoir"
        )
    else:
        order_services.order_cancel(order=assigned.order, actor=operator, reason="Doublon")
    before = counts()
    extra = {"failure_reason": "absent"} if status == "failed" else {}

    body = assert_error(report(app, assigned, status=status, **extra), 422, "INVALID_TRANSITION")

    assert body["details"] == {"from": final, "to": status, "allowed": []}
    assert counts() == before


def test_a_driver_cannot_report_statuses_that_are_not_its_own(app, assigned):
    body = assert_error(report(app, assigned, status="cancelled"), 400, "VALIDATION_ERROR")
    assert list(body["details"]) == ["status"]


def test_delivered_needs_a_proof(app, assigned):
    report(app, assigned, key="a", status="picked_up")
    before = counts()

    assert_error(report(app, assigned, key="b", status="delivered", cash_collected="1803.00"), 422, "PROOF_REQUIRED")
    assert counts() == before


def test_failed_needs_a_reason(app, assigned):
    report(app, assigned, key="a", status="picked_up")
    before = counts()

    body = assert_error(report(app, assigned, key="b", status="failed"), 400, "VALIDATION_ERROR")

    assert list(body["details"]) == ["failure_reason"]
    assert counts() == before


def test_a_failure_records_its_reason_and_note(app, assigned):
    report(app, assigned, key="a", status="picked_up")

    body = report(app, assigned, key="b", status="failed", failure_reason="closed", note="Rideau baissé").json()["data"]

    assert (body["status"], body["failure_reason"], body["failure_note"]) == ("failed", "closed", "Rideau baissé")


def test_proof_then_delivered_with_cash_then_cash_in_custody(app, assigned, driver):
    report(app, assigned, key="a", status="picked_up")
    files_before = stored_files()

    proof = app.post(
        f"{ME}/deliveries/{assigned.pk}/proof",
        {
            "recipient_name": "Ahmed",
            "photos": [png("a.png"), png("b.png")],
            "signature": png("s.png"),
            "latitude": "36.750000",
            "longitude": "3.040000",
            "captured_at": "2026-05-04T10:15:00+01:00",
        },
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="proof-1",
    )

    assert proof.status_code == 201, proof.json()
    data = proof.json()["data"]
    assert (data["recipient_name"], data["photo_count"], data["has_signature"], data["captured_at"]) == (
        "Ahmed",
        2,
        True,
        "2026-05-04T10:15:00+01:00",
    )
    assert len(stored_files()) == len(files_before) + 3

    delivered = report(app, assigned, key="b", status="delivered", cash_collected="1800.00")
    assert delivered.status_code == 200, delivered.json()
    assert (delivered.json()["data"]["cash_collected"], delivered.json()["data"]["has_proof"]) == ("1800.00", True)
    assert Order.objects.get(pk=assigned.order_id).status == "delivered"

    cash = app.get(f"{ME}/cash").json()["data"]
    assert (cash["count"], cash["total"]) == (1, "1800.00")
    assert [(d["number"], d["cash_to_collect"], d["cash_collected"]) for d in cash["deliveries"]] == [
        (assigned.number, "1803.00", "1800.00")
    ]


def test_a_replayed_proof_upload_answers_the_first_answer_and_stores_nothing_more(app, assigned):
    report(app, assigned, key="a", status="picked_up")
    first = app.post(
        f"{ME}/deliveries/{assigned.pk}/proof",
        {"recipient_name": "Ahmed", "photos": [png()]},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="p",
    )
    before, files = counts(), stored_files()

    replay = app.post(
        f"{ME}/deliveries/{assigned.pk}/proof",
        {"recipient_name": "Ahmed", "photos": [png()]},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="p",
    )

    assert (replay.status_code, replay.json()) == (201, first.json())
    assert (counts(), stored_files()) == (before, files)
    # and a second proof without the key is refused
    again = app.post(
        f"{ME}/deliveries/{assigned.pk}/proof", {"recipient_name": "Other", "photos": [png()]}, format="multipart"
    )
    assert_error(again, 409, "CONFLICT")
    assert (counts(), stored_files()) == (before, files)


def test_a_proof_that_is_not_an_image_is_refused_and_nothing_is_stored(app, assigned):
    report(app, assigned, key="a", status="picked_up")
    before, files = counts(), stored_files()
    fake = SimpleUploadedFile("photo.png", b"not an image at all", content_type="image/png")

    body = assert_error(
        app.post(
            f"{ME}/deliveries/{assigned.pk}/proof",
            {"recipient_name": "Ahmed", "photos": [png(), fake]},
            format="multipart",
        ),
        400,
        "VALIDATION_ERROR",
    )

    assert list(body["details"]) == ["photos"]
    assert (counts(), stored_files()) == (before, files)


def test_the_cash_list_is_the_drivers_own(client_for, make_driver, assigned, operator):
    lifecycle.delivery_report(delivery=assigned, actor=operator, status="picked_up", operator=True)
    lifecycle.delivery_report(
        delivery=assigned,
        actor=operator,
        status="delivered",
        operator=True,
        override_reason="Au comptoir",
        cash_collected=Decimal("1803.00"),
    )

    other = client_for(make_driver().user).get(f"{ME}/cash").json()["data"]

    assert other == {"count": 0, "total": "0.00", "deliveries": []}


def test_the_driver_sets_its_status_and_location(app, driver):
    assert app.post(f"{ME}/status", {"status": "off_duty"}, format="json").json()["data"]["status"] == "off_duty"
    located = app.post(f"{ME}/location", {"latitude": "36.7", "longitude": "3.05"}, format="json").json()["data"]

    driver.refresh_from_db()
    assert (driver.status, driver.last_latitude, driver.last_longitude) == (
        "off_duty",
        Decimal("36.700000"),
        Decimal("3.050000"),
    )
    assert located["last_location_at"] is not None
    assert_error(app.post(f"{ME}/status", {"status": "on_route"}, format="json"), 400, "VALIDATION_ERROR")
    assert_error(
        app.post(f"{ME}/location", {"latitude": "91", "longitude": "3"}, format="json"), 400, "VALIDATION_ERROR"
    )


def test_a_suspended_driver_cannot_change_its_status(app, driver):
    Driver.objects.filter(pk=driver.pk).update(status="suspended")
    audits = AuditLog.objects.count()

    body = assert_error(app.post(f"{ME}/status", {"status": "available"}, format="json"), 422, "INVALID_TRANSITION")

    assert body["details"] == {"from": "suspended", "to": "available", "allowed": []}
    assert (Driver.objects.get(pk=driver.pk).status, AuditLog.objects.count()) == ("suspended", audits)


def test_staff_and_retailers_cannot_use_the_driver_app(client_for, dispatcher, make_user):
    assert_error(client_for(dispatcher).get(ME), 403, "FORBIDDEN")
    assert_error(client_for(make_user(role="retailer")).get(f"{ME}/deliveries"), 403, "FORBIDDEN")
