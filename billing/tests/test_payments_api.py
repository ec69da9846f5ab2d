"""The payments and cash-handovers API (api.md, back office): exact figures, idempotent replays,
refusals that write nothing, and a payment handed over once."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.models import CashHandover, CashHandoverPayment, Invoice, Payment
from livrili.core.testing.assertions import assert_error
from retailers.models import LedgerEntry

D = Decimal


@pytest.fixture
def staff_client(client_for, finance):
    return client_for(finance)


def counts() -> tuple[int, int, int]:
    return Payment.objects.count(), LedgerEntry.objects.count(), CashHandover.objects.count()


@pytest.mark.django_db
def test_recording_a_payment_answers_201_and_a_replay_the_same_answer(shop, delivered, staff_client):
    # Given an open credit invoice of 2132.17
    invoice = Invoice.objects.get(order=delivered("credit"))
    body = {"retailer_id": str(shop.retailer_id), "amount": "2500.00", "method": "cheque", "reference": "CHQ-1"}

    # When Finance records a cheque of 2500.00, twice with the same key
    first = staff_client.post("/api/v1/payments", body, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    again = staff_client.post("/api/v1/payments", body, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")

    # Then one payment, the invoice paid and 367.83 prepaid; the replay is the first answer
    assert first.status_code == 201, first.json()
    data = first.json()["data"]
    assert (data["amount"], data["status"], data["allocated_amount"], data["unallocated_amount"]) == (
        "2500.00",
        "confirmed",
        "2132.17",
        "367.83",
    )
    assert data["allocations"] == [{"invoice": {"id": str(invoice.pk), "number": invoice.number}, "amount": "2132.17"}]
    assert (again.status_code, again.json()) == (201, first.json())
    assert Payment.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="payment").count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_a_conflict_and_writes_nothing(shop, staff_client):
    body = {"retailer_id": str(shop.retailer_id), "amount": "100.00", "method": "cash"}
    staff_client.post("/api/v1/payments", body, format="json", HTTP_IDEMPOTENCY_KEY="pay-2")
    before = counts()

    response = staff_client.post(
        "/api/v1/payments", {**body, "amount": "101.00"}, format="json", HTTP_IDEMPOTENCY_KEY="pay-2"
    )

    assert_error(response, 409, "IDEMPOTENCY_CONFLICT")
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "headers", "field"),
    [
        ({"amount": "100.00", "method": "cash"}, {}, "Idempotency-Key"),
        ({"amount": "0.00", "method": "cash"}, {"HTTP_IDEMPOTENCY_KEY": "k"}, "amount"),
        ({"amount": "100.001", "method": "cash"}, {"HTTP_IDEMPOTENCY_KEY": "k"}, "amount"),
        ({"amount": 100, "method": "gold"}, {"HTTP_IDEMPOTENCY_KEY": "k"}, "method"),
        ({"amount": "100.00", "method": "cash", "reference": 7}, {"HTTP_IDEMPOTENCY_KEY": "k"}, "reference"),
    ],
)
def test_a_refused_payment_request_writes_nothing(shop, staff_client, body, headers, field):
    before = counts()
    response = staff_client.post(
        "/api/v1/payments", {"retailer_id": str(shop.retailer_id), **body}, format="json", **headers
    )
    assert_error(response, 400, "VALIDATION_ERROR")
    assert field in response.json()["details"]
    assert counts() == before


@pytest.mark.django_db
def test_bounce_and_cancel_through_the_api(shop, staff_client, finance):
    body = {"retailer_id": str(shop.retailer_id), "amount": "300.00", "method": "cheque"}
    payment_id = staff_client.post("/api/v1/payments", body, format="json", HTTP_IDEMPOTENCY_KEY="b").json()["data"][
        "id"
    ]

    missing = staff_client.post(f"/api/v1/payments/{payment_id}/bounce", {}, format="json")
    assert_error(missing, 400, "VALIDATION_ERROR")
    bounced = staff_client.post(f"/api/v1/payments/{payment_id}/bounce", {"reason": "Unpaid"}, format="json")
    assert bounced.status_code == 200
    assert (bounced.json()["data"]["status"], bounced.json()["data"]["reversal_reason"]) == ("bounced", "Unpaid")
    again = staff_client.post(f"/api/v1/payments/{payment_id}/cancel", {"reason": "x"}, format="json")
    assert_error(again, 422, "INVALID_TRANSITION")
    shop.retailer.refresh_from_db()
    assert shop.retailer.balance == D("0.00")


# --- Cash handovers ---------------------------------------------------------------------------


@pytest.fixture
def two_stops(picked_up, deliver_cash):
    """Two cash stops of the driver today: 2154.17 and 1000.00 collected."""
    first = deliver_cash(picked_up("cash"), D("2154.17"))
    second = deliver_cash(picked_up("cash"), D("1000.00"))
    return Payment.objects.get(delivery=first), Payment.objects.get(delivery=second)


@pytest.mark.django_db
def test_expected_lists_the_drivers_cash_of_the_day(two_stops, driver, staff_client):
    first, second = two_stops
    today = timezone.localdate().isoformat()

    response = staff_client.get(f"/api/v1/cash-handovers/expected?driver={driver.pk}&date={today}")

    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    assert data["expected_amount"] == "3154.17"
    assert [(p["id"], p["amount"]) for p in data["payments"]] == [
        (str(first.pk), "2154.17"),
        (str(second.pk), "1000.00"),
    ]
    yesterday = (timezone.localdate() - timezone.timedelta(days=1)).isoformat()
    empty = staff_client.get(f"/api/v1/cash-handovers/expected?driver={driver.pk}&date={yesterday}").json()["data"]
    assert (empty["expected_amount"], empty["payments"]) == ("0.00", [])


@pytest.mark.django_db
def test_a_balanced_handover_then_its_approval_confirms_the_payments(two_stops, driver, staff_client):
    body = {"driver_id": str(driver.pk), "date": timezone.localdate().isoformat(), "counted_amount": "3154.17"}

    created = staff_client.post("/api/v1/cash-handovers", body, format="json")

    assert created.status_code == 201, created.json()
    data = created.json()["data"]
    assert (data["expected_amount"], data["counted_amount"], data["discrepancy"], data["status"], data["reason"]) == (
        "3154.17",
        "3154.17",
        "0.00",
        "balanced",
        "",
    )
    approved = staff_client.post(f"/api/v1/cash-handovers/{data['id']}/approve")
    assert approved.status_code == 200
    assert approved.json()["data"]["status"] == "approved"
    assert set(Payment.objects.values_list("status", flat=True)) == {"confirmed"}
    assert_error(staff_client.post(f"/api/v1/cash-handovers/{data['id']}/approve"), 422, "INVALID_TRANSITION")


@pytest.mark.django_db
def test_a_discrepancy_needs_a_reason_and_is_exact_to_the_cent(two_stops, driver, staff_client):
    body = {"driver_id": str(driver.pk), "date": timezone.localdate().isoformat(), "counted_amount": "3154.16"}
    before = counts()

    refused = staff_client.post("/api/v1/cash-handovers", body, format="json")

    assert_error(refused, 400, "VALIDATION_ERROR")
    assert list(refused.json()["details"]) == ["reason"]
    assert counts() == before
    created = staff_client.post("/api/v1/cash-handovers", {**body, "reason": "counting_error"}, format="json")
    assert created.status_code == 201
    data = created.json()["data"]
    assert (data["discrepancy"], data["status"], data["reason"]) == ("-0.01", "discrepancy", "counting_error")


@pytest.mark.django_db
def test_a_payment_is_handed_over_once(two_stops, driver, staff_client):
    first, second = two_stops
    day = timezone.localdate().isoformat()
    one = {"driver_id": str(driver.pk), "date": day, "counted_amount": "2154.17", "payment_ids": [str(first.pk)]}
    assert staff_client.post("/api/v1/cash-handovers", one, format="json").status_code == 201
    before = counts()

    # When the same payment is named again
    twice = staff_client.post("/api/v1/cash-handovers", one, format="json")

    # Then it is refused and nothing is written; the rest of the day's cash is still expected
    assert_error(twice, 400, "VALIDATION_ERROR")
    assert counts() == before
    expected = staff_client.get(f"/api/v1/cash-handovers/expected?driver={driver.pk}&date={day}").json()["data"]
    assert [p["id"] for p in expected["payments"]] == [str(second.pk)]
    # and the database refuses a second line for it whatever the service says
    handover = CashHandover.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        CashHandoverPayment.objects.create(handover=handover, payment=first, amount=first.amount)


@pytest.mark.django_db
def test_cash_being_counted_cannot_be_cancelled(two_stops, driver, staff_client):
    first, _second = two_stops
    body = {"driver_id": str(driver.pk), "date": timezone.localdate().isoformat(), "counted_amount": "3154.17"}
    staff_client.post("/api/v1/cash-handovers", body, format="json")

    response = staff_client.post(f"/api/v1/payments/{first.pk}/cancel", {"reason": "x"}, format="json")

    assert_error(response, 422, "INVALID_TRANSITION")
    first.refresh_from_db()
    assert first.status == "in_custody"


@pytest.mark.django_db
def test_the_payment_and_handover_lists_read_in_a_fixed_number_of_queries(
    delivered, staff_client, picked_up, deliver_cash, driver
):
    def queries(path) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(path).status_code == 200
        return len(captured)

    delivered("credit")
    deliver_cash(picked_up("cash"), D("2154.17"))
    day = timezone.localdate().isoformat()

    def count(amount: str) -> None:
        body = {"driver_id": str(driver.pk), "date": day, "counted_amount": amount}
        assert staff_client.post("/api/v1/cash-handovers", body, format="json").status_code == 201

    count("2154.17")
    few_payments, few_handovers = queries("/api/v1/payments"), queries("/api/v1/cash-handovers")
    for _ in range(3):
        deliver_cash(picked_up("cash"), D("2154.17"))
    count("6462.51")
    assert queries("/api/v1/payments") == few_payments
    assert queries("/api/v1/cash-handovers") == few_handovers


@pytest.mark.django_db
def test_the_drivers_cash_is_what_it_still_holds(two_stops, driver, staff_client, client_for):
    first, _second = two_stops
    cash = client_for(driver.user).get("/api/v1/drivers/me/cash").json()["data"]
    assert (cash["count"], cash["total"]) == (2, "3154.17")

    # When the first stop's cash is handed over and approved
    body = {
        "driver_id": str(driver.pk),
        "date": timezone.localdate().isoformat(),
        "counted_amount": "2154.17",
        "payment_ids": [str(first.pk)],
    }
    handover = staff_client.post("/api/v1/cash-handovers", body, format="json").json()["data"]
    staff_client.post(f"/api/v1/cash-handovers/{handover['id']}/approve")

    # Then the driver holds only the second stop's cash
    cash = client_for(driver.user).get("/api/v1/drivers/me/cash").json()["data"]
    assert (cash["count"], cash["total"]) == (1, "1000.00")
