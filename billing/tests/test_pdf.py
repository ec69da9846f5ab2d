"""Invoice PDFs: the template in the invoice's language, the download endpoints, and the 503
answer where WeasyPrint cannot be loaded."""

import sys
from decimal import Decimal

import pytest

from billing.models import Invoice
from billing.pdf import format_dzd, invoice_html
from livrili.core.models import BusinessSettings
from livrili.core.testing.assertions import assert_error

NBSP = "\xa0"


@pytest.fixture
def seller(db):
    settings = BusinessSettings.load()
    settings.company_name, settings.legal_form = "Livrili Distribution", "SARL"
    settings.rc_number, settings.nif, settings.nis, settings.ai_number = (
        "16/00-0987654B19",
        "001916098765432",
        "1919",
        "16012",
    )
    settings.bank_name, settings.rib = "BNA Rouiba", "00100123000012345678"
    settings.save()
    return settings


@pytest.mark.django_db
def test_a_french_invoice_shows_legal_ids_tva_per_rate_stamp_duty_and_words(delivered, seller):
    invoice = Invoice.objects.get(order=delivered("cash"))

    html = invoice_html(invoice)

    assert 'dir="ltr"' in html
    for text in (
        "FACTURE",
        invoice.number,
        "Livrili Distribution SARL",
        "16/00-0987654B19",
        "001916098765432",
        "0016123456",  # the buyer's NIF
        "Taux TVA",
        "9 %",
        "19 %",
        f"1{NBSP}500,00 DA",  # the 19 % base: goods and delivery fee
        "285,00 DA",
        "Droit de timbre",
        "22,00 DA",
        "Total TTC",
        f"2{NBSP}154,17 DA",
        "Arrêtée la présente facture à la somme de deux mille cent cinquante-quatre dinars algériens",
        "00100123000012345678",
    ):
        assert text in html, text


@pytest.mark.django_db
def test_an_arabic_invoice_is_right_to_left_with_arabic_words(delivered, shop, seller):
    shop.preferred_language = "ar"
    shop.save(update_fields=["preferred_language"])
    invoice = Invoice.objects.get(order=delivered("cash"))

    html = invoice_html(invoice)

    assert 'dir="rtl"' in html and 'lang="ar"' in html
    for text in ("فاتورة", "رسم الطابع", f"2{NBSP}154,17 د.ج", invoice.amount_in_words_ar, "حليب 1 لتر"):
        assert text in html, text


def _weasyprint_missing() -> str:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:  # the package, or Pango/HarfBuzz, is not installed
        return str(exc)
    return ""


@pytest.mark.skipif(bool(_weasyprint_missing()), reason="WeasyPrint cannot run here (README: PDF libraries)")
@pytest.mark.django_db
def test_staff_and_the_owner_download_the_pdf(delivered, client_for, finance, shop, make_user):
    invoice = Invoice.objects.get(order=delivered("credit"))
    other = make_user(role="retailer", username="other.owner")

    for client, path in (
        (client_for(finance), f"/api/v1/invoices/{invoice.pk}/pdf"),
        (client_for(shop), f"/api/v1/retailers/invoices/{invoice.pk}/pdf"),
    ):
        response = client.get(path)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert f'filename="{invoice.number}.pdf"' in response["Content-Disposition"]
        assert b"".join(response.streaming_content).startswith(b"%PDF-")

    assert_error(client_for(other).get(f"/api/v1/retailers/invoices/{invoice.pk}/pdf"), 404, "NOT_FOUND")


@pytest.mark.django_db
def test_without_weasyprint_the_pdf_is_a_localized_503_and_the_rest_works(delivered, client_for, finance, monkeypatch):
    # Given WeasyPrint (or its system libraries) cannot be imported
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    invoice = Invoice.objects.get(order=delivered("cash"))
    client = client_for(finance)

    # When the PDF is asked for, in French
    body = assert_error(client.get(f"/api/v1/invoices/{invoice.pk}/pdf?lang=fr"), 503, "SERVICE_UNAVAILABLE")

    # Then the answer says so, and the invoice itself still reads
    assert body["message"] == "Les factures PDF ne peuvent pas être produites pour le moment. Réessayez plus tard."
    assert client.get(f"/api/v1/invoices/{invoice.pk}").status_code == 200


@pytest.mark.parametrize(
    ("amount", "language", "text"),
    [
        ("1234567.5", "fr", f"1{NBSP}234{NBSP}567,50 DA"),
        ("999.99", "fr", "999,99 DA"),
        ("1000", "ar", f"1{NBSP}000,00 د.ج"),
        ("1234567.5", "en", "1,234,567.50 DZD"),
        ("-2154.17", "fr", f"-2{NBSP}154,17 DA"),
    ],
)
def test_dzd_amounts_are_formatted_per_language(amount, language, text):
    assert format_dzd(Decimal(amount), language) == text
