"""The retailer statement as PDF: billing renders it (retailers.selectors.STATEMENT_PDF) in the
owner's language, with the open invoices and their age."""

import sys
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import Invoice
from billing.pdf import statement_html
from billing.services.payments import payment_record
from livrili.core.testing.assertions import assert_error
from retailers import selectors as retailer_selectors
from retailers.selectors import retailer_statement

from .test_pdf import NBSP, _weasyprint_missing

pytestmark = pytest.mark.django_db


@pytest.fixture
def owed(shop, delivered, finance):
    """A credit invoice of 2 132,17 due 4 days ago, 132,17 paid: 2 000,00 still owed."""
    invoice = Invoice.objects.get(order=delivered("credit"))
    Invoice.objects.filter(pk=invoice.pk).update(due_date=timezone.localdate() - timedelta(days=4))
    payment_record(retailer=shop.retailer, amount=Decimal("132.17"), method="cash", actor=finance)
    invoice.refresh_from_db()
    return invoice


def test_the_arabic_statement_is_right_to_left_with_its_figures(shop, owed):
    shop.retailer.refresh_from_db()
    statement = retailer_statement(retailer=shop.retailer)

    html = statement_html(statement, "ar")

    assert 'dir="rtl"' in html and 'lang="ar"' in html
    for text in (
        "كشف الحساب",
        'الرصيد الافتتاحي</td><td class="num"><span class="amount">0,00 د.ج</span>',
        f"2{NBSP}132,17 د.ج",  # the order charge, then the invoice total
        "132,17 د.ج",  # the payment
        f"2{NBSP}000,00 د.ج",  # running and closing balance, amount due
        f"998{NBSP}000,00 د.ج",  # available credit: 1 000 000 - 2 000
        "الفواتير غير المسددة",
        '<th class="num">مدين</th><th class="num">دائن</th>',
        owed.number,
        '<span class="amount">4</span>',  # days past due
    ):
        assert text in html, text


def test_the_french_statement_is_left_to_right(shop, owed):
    shop.retailer.refresh_from_db()
    html = statement_html(retailer_statement(retailer=shop.retailer), "fr")

    assert 'dir="ltr"' in html and 'lang="fr"' in html
    for text in ("RELEVÉ DE COMPTE", "Solde d'ouverture", f"2{NBSP}000,00 DA", f"998{NBSP}000,00 DA", owed.number):
        assert text in html, text


def test_another_retailers_invoices_never_appear(shop, owed, make_user, delivered, picked_up, deliver):
    other = make_user(role="retailer", username="other.owner", preferred_language="fr")
    other.retailer.credit_limit = Decimal("1000000.00")
    other.retailer.save(update_fields=["credit_limit"])
    theirs = Invoice.objects.get(order=deliver(picked_up(payment_method="credit", owner=other)).order)

    shop.retailer.refresh_from_db()
    html = statement_html(retailer_statement(retailer=shop.retailer), "fr")
    their_html = statement_html(retailer_statement(retailer=other.retailer), "fr")

    assert owed.number in html and theirs.number not in html
    assert theirs.number in their_html and owed.number not in their_html


def test_members_who_are_not_the_owner_are_refused_the_pdf(shop, owed, client_for, make_user):
    member = make_user(role="retailer", retailer=shop.retailer, username="shop.member")

    assert_error(client_for(member).get("/api/v1/retailers/statement?format=pdf"), 403, "FORBIDDEN")


@pytest.mark.skipif(bool(_weasyprint_missing()), reason="WeasyPrint cannot run here (README: PDF libraries)")
def test_the_owner_downloads_the_statement_pdf(shop, owed, client_for):
    response = client_for(shop).get("/api/v1/retailers/statement?format=pdf&date_from=2026-01-01&date_to=2026-12-31")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="statement-2026-01-01-2026-12-31.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_without_weasyprint_the_statement_pdf_is_a_503_and_the_json_still_reads(shop, owed, client_for, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    client = client_for(shop)

    assert_error(client.get("/api/v1/retailers/statement?format=pdf"), 503, "SERVICE_UNAVAILABLE")
    data = client.get("/api/v1/retailers/statement").json()["data"]
    assert (data["closing_balance"], [i["number"] for i in data["open_invoices"]]) == ("2000.00", [owed.number])


@pytest.mark.django_db
def test_finance_downloads_a_retailers_statement_from_the_back_office(client, make_user, delivered, shop, monkeypatch):
    # given a retailer with history, and a renderer standing in for WeasyPrint (its output is tested above)
    delivered("credit")
    monkeypatch.setattr(retailer_selectors, "STATEMENT_PDF", lambda statement, language: b"%PDF-" + language.encode())
    finance = make_user(role="admin", groups=["Finance"], username="finance.agent")
    client.force_login(finance)
    retailer = shop.retailer
    # when the statement link of the retailer's page is followed
    page = client.get(f"/admin/retailers/retailer/{retailer.pk}/change/")
    url = f"/admin/retailers/retailer/{retailer.pk}/statement/"
    assert url in page.content.decode()
    response = client.get(url + "?date_from=2020-01-01")
    # then the PDF comes in the owner's language
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    assert b"".join(response.streaming_content) == b"%PDF-" + retailer.owner.preferred_language.encode()
    # and a bad date is said, not a server error
    bad = client.get(url + "?date_from=yesterday", HTTP_ACCEPT_LANGUAGE="en")
    assert (bad.status_code, bad["Location"]) == (302, f"/admin/retailers/retailer/{retailer.pk}/change/")


@pytest.mark.django_db
def test_the_statement_download_needs_the_ledger_permission(client, make_user, shop):
    client.force_login(make_user(role="admin", groups=["Dispatch"], username="dispatcher"))
    assert client.get(f"/admin/retailers/retailer/{shop.retailer.pk}/statement/").status_code == 403
