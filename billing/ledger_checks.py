"""Checks run by `manage.py check_ledgers` (see retailers/ledger_checks.py): payments,
allocations and invoices against each other and against the retailers' ledger.

The receivables identity, per retailer (ledger sign: + is debt, − is credit):

    balance == Σ ledger
            == Σ open invoices' amount due (total − amount_paid)
             + Σ order entries (charge, reversal, credit note) of orders without a live invoice
             + Σ entries that belong to no document (opening balance, adjustments, write-offs,
               and payment entries written before billing existed, which have no Payment)
             − Σ live payments' unallocated amount (the prepaid balance)

A delivered order's charge is its invoice's total, so once every order is invoiced and no
adjustment was made it reads as in the issue: balance == Σ open invoice amounts − unallocated
payments. The credit orders charged at placement and not yet delivered (no invoice yet), the
seeded history's orders (delivered before billing existed) and manual adjustments are the
terms that keep it exact before that."""

from collections import defaultdict

from django.db.models import F, Q, Sum

from livrili.core.money import ZERO, to_money
from retailers.models import LedgerEntry, LedgerEntryKind, Retailer

from .models import LIVE_PAYMENT_STATUSES, OPEN_INVOICE_STATUSES, Invoice, InvoiceStatus, Payment, PaymentAllocation

SHOWN = 20  # problems listed per check; the count says how many more
ORDER_KINDS = (LedgerEntryKind.ORDER_CHARGE, LedgerEntryKind.ORDER_REVERSAL, LedgerEntryKind.CREDIT_NOTE)
PAYMENT_KINDS = (LedgerEntryKind.PAYMENT, LedgerEntryKind.PAYMENT_REVERSAL)


def _sums(queryset, key: str, value) -> dict:
    rows = queryset.values_list(key).annotate(total=Sum(value)).order_by()
    return {pk: to_money(total or ZERO) for pk, total in rows}  # SQLite sums decimals without scale


def _capped(problems: list[str]) -> list[str]:
    if len(problems) > SHOWN:
        return [*problems[:SHOWN], f"… and {len(problems) - SHOWN} more"]
    return problems


def allocation_mismatches() -> list[str]:
    """Every payment's allocations sum to its `allocated_amount` (≤ its amount; none when
    reversed) and every invoice's to its `amount_paid` (≤ its total; none when cancelled)."""
    problems = []
    by_payment = _sums(PaymentAllocation.objects, "payment_id", "amount")
    for pk, amount, allocated, status in Payment.objects.values_list(
        "pk", "amount", "allocated_amount", "status"
    ).order_by("pk"):
        total = by_payment.get(pk, ZERO)
        if total != allocated or total > amount or (status not in LIVE_PAYMENT_STATUSES and total != ZERO):
            problems.append(f"payment {pk} ({status}): allocations {total}, allocated {allocated}, amount {amount}")
    by_invoice = _sums(PaymentAllocation.objects, "invoice_id", "amount")
    for pk, number, total, paid, status in Invoice.objects.values_list(
        "pk", "number", "total", "amount_paid", "status"
    ).order_by("pk"):
        allocated = by_invoice.get(pk, ZERO)
        if allocated != paid or allocated > total or (status == InvoiceStatus.CANCELLED and allocated != ZERO):
            problems.append(f"invoice {number} ({status}): allocations {allocated}, amount_paid {paid}, total {total}")
    return _capped(problems)


def payment_entry_mismatches() -> list[str]:
    """Every payment has its `payment` entry of −amount, and a `payment_reversal` of +amount
    exactly when it was bounced or cancelled."""
    problems = []
    entries = defaultdict(list)
    for payment_id, kind, amount in LedgerEntry.objects.filter(kind__in=PAYMENT_KINDS).values_list(
        "payment_id", "kind", "amount"
    ):
        entries[payment_id].append((kind, amount))
    entries.pop(None, None)  # entries from before billing: counted as plain credits (module doc)
    for pk, amount, status in Payment.objects.values_list("pk", "amount", "status").order_by("pk"):
        expected = [(LedgerEntryKind.PAYMENT, -amount)]
        if status not in LIVE_PAYMENT_STATUSES:
            expected.append((LedgerEntryKind.PAYMENT_REVERSAL, amount))
        if sorted(entries.get(pk, [])) != sorted(expected):
            problems.append(f"payment {pk} ({status}, {amount}): ledger entries {entries.get(pk, [])}")
    return _capped(problems)


def receivable_mismatches() -> list[str]:
    """The receivables identity above, for every retailer, on the sum of its ledger (that the
    cached balance equals that sum is retailers' own check)."""
    open_due = _sums(
        Invoice.objects.filter(status__in=OPEN_INVOICE_STATUSES), "retailer_id", F("total") - F("amount_paid")
    )
    live_invoice = Q(order__invoice__isnull=False) & ~Q(order__invoice__status=InvoiceStatus.CANCELLED)
    uninvoiced = _sums(LedgerEntry.objects.filter(kind__in=ORDER_KINDS).exclude(live_invoice), "retailer_id", "amount")
    other = _sums(
        LedgerEntry.objects.exclude(kind__in=ORDER_KINDS).filter(payment__isnull=True), "retailer_id", "amount"
    )
    prepaid = _sums(
        Payment.objects.filter(status__in=LIVE_PAYMENT_STATUSES), "retailer_id", F("amount") - F("allocated_amount")
    )
    ledger = _sums(LedgerEntry.objects, "retailer_id", "amount")
    problems = []
    for pk, name in Retailer.objects.values_list("pk", "business_name").order_by("pk"):
        balance = ledger.get(pk, ZERO)
        expected = open_due.get(pk, ZERO) + uninvoiced.get(pk, ZERO) + other.get(pk, ZERO) - prepaid.get(pk, ZERO)
        if expected != balance:
            problems.append(
                f"retailer {pk} ({name}): ledger {balance} != open invoices {open_due.get(pk, ZERO)}"
                f" + uninvoiced orders {uninvoiced.get(pk, ZERO)} + adjustments {other.get(pk, ZERO)}"
                f" − prepaid {prepaid.get(pk, ZERO)} = {expected}"
            )
    return _capped(problems)


CHECKS = [allocation_mismatches, payment_entry_mismatches, receivable_mismatches]
