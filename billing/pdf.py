"""Invoice PDFs: `templates/billing/invoice.html` rendered in the invoice's language and turned
into PDF by WeasyPrint (pango/harfbuzz shape Arabic and lay it out right to left).

WeasyPrint and its system libraries are imported on first use: where they are missing the PDF
endpoints answer 503 SERVICE_UNAVAILABLE and the rest of billing works."""

from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from livrili.core.admin import money_display
from livrili.core.errors import DomainError

from .models import Invoice
from .selectors import tax_summary


def format_dzd(amount: Decimal, language: str) -> str:
    """The amount as the back office shows it (`money_display`), in `language`."""
    with translation.override(language):
        return money_display(amount)


def format_rate(rate: Decimal, language: str) -> str:
    text = f"{rate.normalize():f}" if rate == rate.to_integral() else f"{rate:f}"
    return f"{text.replace('.', ',') if language != 'en' else text} %"


def pdf_unavailable() -> DomainError:
    return DomainError("SERVICE_UNAVAILABLE", _("Invoice PDFs cannot be produced right now. Try again later."))


def _weasyprint_html():
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # the package, or pango/harfbuzz, is missing
        raise pdf_unavailable() from exc
    return HTML


def invoice_html(invoice: Invoice) -> str:
    language = invoice.language
    with translation.override(language):
        return render_to_string(
            "billing/invoice.html",
            {
                "invoice": invoice,
                "language": language,
                "rtl": language == "ar",
                "lines": invoice.lines.all(),
                "tax_summary": tax_summary(invoice),
                "payment_method": invoice.get_payment_method_display(),
            },
        )


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as PDF bytes (SERVICE_UNAVAILABLE when WeasyPrint cannot be loaded)."""
    html_class = _weasyprint_html()
    return html_class(string=invoice_html(invoice)).write_pdf()


def statement_html(statement: dict, language: str) -> str:
    """The retailer statement of `retailers.selectors.retailer_statement` (all its entries) in
    `language`: opening balance, entries with their running balance, open invoices with their age,
    closing balance and available credit."""
    with translation.override(language):
        return render_to_string(
            "billing/statement.html",
            {
                **statement,
                "language": language,
                "rtl": language == "ar",
                "rows": [
                    {
                        "created_at": entry.created_at,
                        "kind": entry.get_kind_display(),
                        "reason": entry.reason,
                        "debit": entry.amount if entry.amount > 0 else None,
                        "credit": -entry.amount if entry.amount < 0 else None,
                        "balance": entry.balance_after,
                    }
                    for entry in statement["entries"]
                ],
                "today": timezone.localdate(),
            },
        )


def statement_pdf(statement: dict, language: str) -> bytes:
    """retailers.selectors.STATEMENT_PDF: the statement as PDF bytes (SERVICE_UNAVAILABLE when
    WeasyPrint cannot be loaded)."""
    html_class = _weasyprint_html()
    return html_class(string=statement_html(statement, language)).write_pdf()
