from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from livrili.core.testing.assertions import assert_error
from retailers import selectors
from retailers.models import LedgerEntry
from retailers.services import ledger_adjust

pytestmark = pytest.mark.django_db

PERIOD = "date_from=2026-03-03&date_to=2026-03-31"


@pytest.fixture
def five_adjustments(owner, finance):
    """1 000 debited on 1 March (before the period), then four movements in March."""
    retailer = owner.retailer
    retailer.credit_limit = Decimal("5000.00")
    retailer.save(update_fields=["credit_limit"])
    for day, kind, amount in (
        ("2026-03-01", "debit", "1000.00"),
        ("2026-03-05", "debit", "500.00"),
        ("2026-03-10", "credit", "300.00"),
        ("2026-03-15", "debit", "250.50"),
        ("2026-03-20", "credit", "100.25"),
    ):
        at = timezone.datetime.fromisoformat(f"{day}T09:00:00+01:00")
        with mock.patch("django.utils.timezone.now", return_value=at):
            ledger_adjust(retailer=retailer, kind=kind, amount=Decimal(amount), reason=f"{kind} {day}", actor=finance)
    return retailer


def _header(data):
    return (
        data["opening_balance"],
        data["closing_balance"],
        data["total_debit"],
        data["total_credit"],
        data["credit_limit"],
        data["available_credit"],
    )


def test_entries_are_paged_while_the_header_figures_cover_the_whole_period(client_for, owner, five_adjustments):
    client = client_for(owner)

    first = client.get(f"/api/v1/retailers/statement?{PERIOD}&limit=3").json()
    second = client.get(f"/api/v1/retailers/statement?{PERIOD}&limit=3&offset=3").json()

    assert [(e["kind"], e["amount"], e["running_balance"]) for e in first["data"]["entries"]] == [
        ("adjustment_debit", "500.00", "1500.00"),
        ("adjustment_credit", "-300.00", "1200.00"),
        ("adjustment_debit", "250.50", "1450.50"),
    ]
    assert [(e["kind"], e["amount"], e["running_balance"]) for e in second["data"]["entries"]] == [
        ("adjustment_credit", "-100.25", "1350.25"),
    ]
    assert first["data"]["entries_pagination"] == {"total": 4, "limit": 3, "offset": 0, "has_more": True}
    assert second["data"]["entries_pagination"] == {"total": 4, "limit": 3, "offset": 3, "has_more": False}
    for page in (first, second):
        assert "pagination" not in page  # the envelope's `data` stays the statement object
        assert _header(page["data"]) == ("1000.00", "1350.25", "750.50", "400.25", "5000.00", "3649.75")


def test_the_default_page_is_twenty_entries_and_a_bad_limit_is_refused(client_for, owner, five_adjustments):
    client = client_for(owner)

    whole = client.get("/api/v1/retailers/statement").json()["data"]

    assert whole["entries_pagination"] == {"total": 5, "limit": 20, "offset": 0, "has_more": False}
    assert [e["running_balance"] for e in whole["entries"]] == ["1000.00", "1500.00", "1200.00", "1450.50", "1350.25"]
    for query, field in (("limit=101", "limit"), ("limit=0", "limit"), ("offset=-1", "offset"), ("limit=x", "limit")):
        body = assert_error(client.get(f"/api/v1/retailers/statement?{query}"), 400, "VALIDATION_ERROR")
        assert list(body["details"]) == [field]


def test_a_page_past_the_end_is_empty_with_the_same_header(client_for, owner, five_adjustments):
    data = client_for(owner).get(f"/api/v1/retailers/statement?{PERIOD}&offset=10").json()["data"]

    assert data["entries"] == []
    assert data["entries_pagination"] == {"total": 4, "limit": 20, "offset": 10, "has_more": False}
    assert _header(data) == ("1000.00", "1350.25", "750.50", "400.25", "5000.00", "3649.75")


def test_another_retailers_entries_never_appear(client_for, owner, five_adjustments, make_user, finance):
    other = make_user(role="retailer", username="other.owner", phone="0661 00 00 09")
    ledger_adjust(retailer=other.retailer, kind="debit", amount=Decimal("77.77"), reason="other", actor=finance)

    data = client_for(other).get("/api/v1/retailers/statement").json()["data"]

    assert [e["amount"] for e in data["entries"]] == ["77.77"]
    assert data["entries_pagination"]["total"] == 1
    assert LedgerEntry.objects.filter(retailer=five_adjustments).count() == 5


def test_without_a_pdf_renderer_the_pdf_statement_is_a_503_and_a_bad_format_a_400(client_for, owner, monkeypatch):
    monkeypatch.setattr(selectors, "STATEMENT_PDF", None)
    client = client_for(owner)

    body = assert_error(client.get("/api/v1/retailers/statement?format=pdf&lang=fr"), 503, "SERVICE_UNAVAILABLE")
    bad = assert_error(client.get("/api/v1/retailers/statement?format=xml"), 400, "VALIDATION_ERROR")

    assert body["message"] == "Les relevés PDF ne peuvent pas être produits pour le moment. Réessayez plus tard."
    assert list(bad["details"]) == ["format"]
    assert client.get("/api/v1/retailers/statement?format=json").status_code == 200


def test_the_statement_reads_in_a_fixed_number_of_queries(
    client_for, owner, five_adjustments, django_assert_max_num_queries
):
    client = client_for(owner)
    with django_assert_max_num_queries(7):
        assert client.get(f"/api/v1/retailers/statement?{PERIOD}&limit=2").status_code == 200
