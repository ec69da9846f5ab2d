"""Reads of invoices, payments and handovers, with their joins prepared (the API, the admin and
the PDF read through these), aging and the sections billing adds to other apps' reads."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import DecimalField, F, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from livrili.core.money import ZERO, to_money

from .models import (
    OPEN_INVOICE_STATUSES,
    CashHandover,
    CashHandoverPayment,
    CreditNote,
    Invoice,
    LineKind,
    Payment,
    PaymentAllocation,
    PaymentStatus,
)


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


# Days past the due date that close each aging bucket (workflows §6: 0–30, 31–60, 61–90, 90+).
# A constant here: BusinessSettings lives in livrili.core, whose migrations billing does not own.
AGING_BUCKETS = (30, 60, 90)


def aging_bucket_names(bounds=AGING_BUCKETS) -> list[str]:
    names, low = ["not_due"], 0
    for high in bounds:
        names.append(f"{low}_{high}" if low == 0 else f"{low + 1}_{high}")
        low = high
    return [*names, f"{low}_plus"]


def _bucket_sums(today: date, bounds) -> dict:
    """One conditional SUM per bucket of the amount still due, by days past the due date."""
    money = DecimalField(max_digits=14, decimal_places=2)
    due = F("total") - F("amount_paid")
    names = aging_bucket_names(bounds)
    conditions = [Q(due_date__gte=today)]  # not yet due
    low = 0
    for high in bounds:
        # days past due in [low, high]: today - high <= due_date <= today - low (0 is "due today")
        upper = Q(due_date__lt=today) if low == 0 else Q(due_date__lte=today - timedelta(days=low + 1))
        conditions.append(upper & Q(due_date__gte=today - timedelta(days=high)))
        low = high
    conditions.append(Q(due_date__lt=today - timedelta(days=low)))
    return {
        name: Coalesce(Sum(due, filter=condition, output_field=money), Value(0, output_field=money))
        for name, condition in zip(names, conditions, strict=True)
    }


def ar_aging(*, today: date, bounds=AGING_BUCKETS) -> dict:
    """Receivables by days past due (open invoices' total − amount paid), per retailer and in
    total, computed in SQL (one grouped query and one aggregate): {"buckets": [names],
    "retailers": [{retailer_id, business_name, <bucket>: amount, total}], "total": {...}}."""
    sums = _bucket_sums(today, bounds)
    names = list(sums)
    open_invoices = Invoice.objects.filter(status__in=OPEN_INVOICE_STATUSES)
    rows = (
        open_invoices.values("retailer_id", "retailer__business_name")
        .annotate(**sums)
        .order_by("retailer__business_name", "retailer_id")
    )
    retailers = []
    for row in rows:
        amounts = {name: to_money(row[name]) for name in names}
        retailers.append(
            {
                "retailer_id": row["retailer_id"],
                "business_name": row["retailer__business_name"],
                **amounts,
                "total": sum(amounts.values(), ZERO),
            }
        )
    totals = {name: to_money(value) for name, value in open_invoices.aggregate(**sums).items()}
    return {"buckets": names, "retailers": retailers, "total": {**totals, "total": sum(totals.values(), ZERO)}}


def overdue_invoices(today: date) -> QuerySet[Invoice]:
    """Open invoices past their due date whose retailer was not told yet."""
    return Invoice.objects.filter(
        status__in=OPEN_INVOICE_STATUSES, due_date__lt=today, overdue_notified_at__isnull=True
    ).order_by("due_date", "number")


def allocation_preview(*, retailer, amount) -> dict:
    """What recording `amount` for `retailer` would settle, oldest open invoice first (the
    service's order; nothing locked, nothing written): {"lines": [(invoice, share)], "prepaid"}."""
    left, lines = amount, []
    for invoice in Invoice.objects.filter(retailer=retailer, status__in=OPEN_INVOICE_STATUSES).order_by(
        "issued_at", "number"
    ):
        if left <= ZERO:
            break
        share = min(left, invoice.amount_due)
        if share > ZERO:
            lines.append((invoice, share))
            left -= share
    return {"lines": lines, "prepaid": left}


def statement_open_invoices(*, retailer, date_to: date | None = None) -> dict:
    """The retailer statement's section (retailers.selectors.STATEMENT_SECTIONS): its invoices
    still owed, oldest first, with their age on `date_to` (default today)."""
    day = date_to or timezone.localdate()
    invoices = Invoice.objects.filter(retailer=retailer, status__in=OPEN_INVOICE_STATUSES)
    if date_to:
        invoices = invoices.filter(issued_at__date__lte=date_to)
    rows = []
    for invoice in invoices.order_by("issued_at", "number"):
        rows.append(
            {
                "id": invoice.pk,
                "number": invoice.number,
                "issued_at": invoice.issued_at,
                "due_date": invoice.due_date,
                "total": invoice.total,
                "amount_paid": invoice.amount_paid,
                "amount_due": invoice.amount_due,
                "age_days": (day - timezone.localdate(invoice.issued_at)).days,
                "days_past_due": max((day - invoice.due_date).days, 0),
            }
        )
    return {"open_invoices": rows}


def deliveries_out_of_custody(driver) -> QuerySet:
    """deliveries.selectors.CASH_OUT_OF_CUSTODY: the driver's stops whose cash payment is no
    longer in its custody (confirmed by a handover, or cancelled)."""
    return (
        Payment.objects.filter(delivery__driver=driver).exclude(status=PaymentStatus.IN_CUSTODY).values("delivery_id")
    )
