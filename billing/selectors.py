"""Reads of invoices, with their joins prepared (the API and the PDF read through these)."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from livrili.core.money import ZERO

from .models import CashHandover, CashHandoverPayment, CreditNote, Invoice, LineKind, Payment, PaymentAllocation


def invoice_list() -> QuerySet[Invoice]:
    return Invoice.objects.select_related("retailer", "order")


def invoice_detail() -> QuerySet[Invoice]:
    return invoice_list().prefetch_related(
        "lines", Prefetch("credit_notes", queryset=CreditNote.objects.order_by("issued_at"))
    )


def retailer_invoices(retailer) -> QuerySet[Invoice]:
    return invoice_list().filter(retailer=retailer)


def tax_summary(invoice: Invoice) -> list[dict]:
    """TVA per rate over the taxed lines (goods and delivery fee; the stamp duty is not TVA):
    [{rate, base, tax}] by rate, from the invoice's (prefetched) lines."""
    base: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    tax: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for line in invoice.lines.all():
        if line.kind == LineKind.STAMP_DUTY:
            continue
        base[line.tax_rate] += line.line_subtotal
        tax[line.tax_rate] += line.line_tax
    return [{"rate": rate, "base": base[rate], "tax": tax[rate]} for rate in sorted(base)]


def payment_list() -> QuerySet[Payment]:
    return Payment.objects.select_related("retailer", "collected_by", "recorded_by", "delivery").prefetch_related(
        Prefetch("allocations", queryset=PaymentAllocation.objects.select_related("invoice").order_by("created_at"))
    )


def handover_list() -> QuerySet[CashHandover]:
    return CashHandover.objects.select_related("driver__user", "received_by", "approved_by").prefetch_related(
        Prefetch(
            "lines",
            queryset=CashHandoverPayment.objects.select_related("payment__retailer", "payment__delivery").order_by(
                "payment__received_at", "payment_id"
            ),
        )
    )
