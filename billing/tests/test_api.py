"""The invoices API (api.md): staff list/detail/cancel, and the retailer owner's own invoices."""

from datetime import timedelta

import pytest
from django.utils import timezone

from billing.models import CreditNote, Invoice
from livrili.core.numbering import current_year
from livrili.core.testing.assertions import assert_error
from retailers.models import LedgerEntry


def fac(value: int) -> str:
    return f"FAC-{current_year()}-{value:06d}"


@pytest.fixture
def staff_client(client_for, finance):
    return client_for(finance)


@pytest.mark.django_db
def test_staff_list_filters_by_retailer_status_and_date(delivered, staff_client, make_user, finance):
    # Given two invoices of the shop (one cancelled) and one of another retailer
    first, second = delivered("cash"), delivered("credit")
    other_owner = make_user(role="retailer", username="other.owner")
    third = delivered("cash", owner=other_owner)
    Invoice.objects.get(order=second).issued_at
    staff_client.post(f"/api/v1/invoices/{Invoice.objects.get(order=second).pk}/cancel", {"reason": "Error"})
    today = timezone.localdate().isoformat()
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()

    def numbers(query=""):
        response = staff_client.get(f"/api/v1/invoices{query}")
        assert response.status_code == 200, response.json()
        return [row["number"] for row in response.json()["data"]]

    # Then each filter keeps exactly its invoices (newest first)
    assert numbers() == [fac(3), fac(2), fac(1)]
    assert numbers(f"?retailer={first.retailer_id}") == [fac(2), fac(1)]
    assert numbers(f"?retailer={third.retailer_id}") == [fac(3)]
    assert numbers("?status=cancelled") == [fac(2)]
    assert numbers("?status=issued&ordering=number") == [fac(1), fac(3)]
    assert numbers(f"?date_from={today}&date_to={today}") == [fac(3), fac(2), fac(1)]
    assert numbers(f"?date_from={tomorrow}") == []
    assert numbers(f"?search={third.number}") == [fac(3)]


@pytest.mark.django_db
def test_invoice_lists_answer_in_a_fixed_number_of_queries(
    delivered, staff_client, client_for, shop, django_assert_max_num_queries
):
    # Given five invoices
    for _ in range(5):
        delivered("cash")

    # When staff list them, the count of queries does not grow with the rows (the user, its
    # permissions twice, the count, the page with its retailer and order joined)
    with django_assert_max_num_queries(5):
        response = staff_client.get("/api/v1/invoices")

    assert response.json()["pagination"]["total"] == 5
    row = response.json()["data"][0]
    assert (row["number"], row["total"], row["stamp_duty"], row["payment_method"]) == (
        fac(5),
        "2154.17",
        "22.00",
        "cash",
    )
    owner_client = client_for(shop)
    with django_assert_max_num_queries(4):  # the user, its ownership, the count, the page
        mine = owner_client.get("/api/v1/retailers/invoices")
    assert mine.json()["pagination"]["total"] == 5


@pytest.mark.django_db
def test_staff_detail_shows_lines_tax_per_rate_and_words(delivered, staff_client):
    invoice = Invoice.objects.get(order=delivered("cash"))

    body = staff_client.get(f"/api/v1/invoices/{invoice.pk}").json()["data"]

    assert body["number"] == fac(1)
    assert body["order"] == {"id": str(invoice.order_id), "number": invoice.order.number}
    assert [(line["kind"], line["line_total"]) for line in body["lines"]] == [
        ("product", "347.17"),
        ("product", "1428.00"),
        ("delivery_fee", "357.00"),
        ("stamp_duty", "22.00"),
    ]
    assert body["tax_summary"] == [
        {"rate": "9.00", "base": "318.50", "tax": "28.67"},
        {"rate": "19.00", "base": "1500.00", "tax": "285.00"},
    ]
    assert (body["tax_total"], body["total"]) == ("313.67", "2154.17")
    assert body["amount_in_words"] == body["amount_in_words_fr"]  # the shop reads French
    assert body["credit_notes"] == []
    assert body["buyer"]["nif"] == "0016123456"


@pytest.mark.django_db
def test_finance_cancels_an_invoice_once(delivered, staff_client, shop):
    invoice = Invoice.objects.get(order=delivered("cash"))

    # When Finance cancels it
    response = staff_client.post(f"/api/v1/invoices/{invoice.pk}/cancel", {"reason": "Wrong customer"}, format="json")

    # Then 200 with the cancelled invoice and its credit note; the shop owes nothing
    assert response.status_code == 200, response.json()
    body = response.json()["data"]
    assert body["status"] == "cancelled"
    assert [(n["number"], n["reason"], n["total"]) for n in body["credit_notes"]] == [
        (f"AV-{current_year()}-000001", "Wrong customer", "-2154.17")
    ]
    shop.retailer.refresh_from_db()
    assert str(shop.retailer.balance) == "0.00"

    # And a second cancel is refused without writing anything
    entries = LedgerEntry.objects.count()
    again = staff_client.post(f"/api/v1/invoices/{invoice.pk}/cancel", {"reason": "Again"}, format="json")
    body = assert_error(again, 422, "INVALID_TRANSITION")
    assert body["details"] == {"from": "cancelled", "to": "cancelled", "allowed": []}
    assert (CreditNote.objects.count(), LedgerEntry.objects.count()) == (1, entries)


@pytest.mark.django_db
def test_cancel_needs_a_reason(delivered, staff_client):
    invoice = Invoice.objects.get(order=delivered("cash"))

    body = assert_error(
        staff_client.post(f"/api/v1/invoices/{invoice.pk}/cancel", {}, format="json"), 400, "VALIDATION_ERROR"
    )

    assert list(body["details"]) == ["reason"]
    invoice.refresh_from_db()
    assert (invoice.status, CreditNote.objects.count()) == ("issued", 0)


@pytest.mark.django_db
def test_staff_without_the_cancel_permission_is_refused(delivered, client_for, make_user):
    invoice = Invoice.objects.get(order=delivered("cash"))
    sales = make_user(role="admin", groups=["Sales"], username="sales.only")

    assert_error(client_for(sales).post(f"/api/v1/invoices/{invoice.pk}/cancel", {"reason": "x"}), 403, "FORBIDDEN")
    assert CreditNote.objects.count() == 0


@pytest.mark.django_db
def test_a_retailer_owner_reads_only_its_own_invoices(delivered, client_for, shop, make_user):
    # Given an invoice of the shop and one of another retailer
    own = Invoice.objects.get(order=delivered("credit"))
    other_owner = make_user(role="retailer", username="other.owner")
    foreign = Invoice.objects.get(order=delivered("cash", owner=other_owner))
    client = client_for(shop)

    # Then the shop lists and opens its own, and another retailer's is a 404
    listed = client.get("/api/v1/retailers/invoices").json()["data"]
    assert [row["id"] for row in listed] == [str(own.pk)]
    assert client.get(f"/api/v1/retailers/invoices/{own.pk}").json()["data"]["number"] == own.number
    assert_error(client.get(f"/api/v1/retailers/invoices/{foreign.pk}"), 404, "NOT_FOUND")


@pytest.mark.django_db
def test_a_member_who_is_not_the_owner_does_not_see_invoices(delivered, client_for, shop, make_user):
    delivered("cash")
    member = make_user(role="retailer", username="shop.member", retailer=shop.retailer)

    assert_error(client_for(member).get("/api/v1/retailers/invoices"), 403, "FORBIDDEN")
