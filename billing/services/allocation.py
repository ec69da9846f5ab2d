"""Allocation of payments to invoices: the primitives every payment, invoice and handover service
shares. Callers hold the retailer's row lock (`orders.services.locks.lock_retailer`), which
serialises every allocation change of a retailer; the payment and invoice rows are locked here
too (`select_for_update`, pk order) and their cached sums re-read under the locks.

Invariants (database checks behind them): a payment's `allocated_amount` == Σ its allocations
≤ its amount; an invoice's `amount_paid` == Σ its allocations ≤ its total, and its status
follows (issued 0 < partially_paid < paid == total); only live payments (in custody,
confirmed) and open invoices (issued, partially paid) take new allocations."""

from decimal import Decimal

from livrili.core.money import ZERO

from ..models import (
    LIVE_PAYMENT_STATUSES,
    OPEN_INVOICE_STATUSES,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
)


def invoice_status_for(invoice: Invoice) -> str:
    if invoice.status == InvoiceStatus.CANCELLED:
        return InvoiceStatus.CANCELLED
    if invoice.amount_paid == ZERO:
        return InvoiceStatus.ISSUED
    if invoice.amount_paid == invoice.total:
        return InvoiceStatus.PAID
    return InvoiceStatus.PARTIALLY_PAID


def _save_invoice(invoice: Invoice) -> None:
    invoice.status = invoice_status_for(invoice)
    invoice.save(update_fields=["status", "amount_paid", "updated_at"])


def open_invoices_locked(retailer_id, *, ids=None) -> list[Invoice]:
    """The retailer's open invoices, locked, oldest first (issue time, then number)."""
    queryset = Invoice.objects.filter(retailer_id=retailer_id, status__in=OPEN_INVOICE_STATUSES)
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    locked = {i.pk: i for i in queryset.select_for_update().order_by("pk")}
    return sorted(locked.values(), key=lambda i: (i.issued_at, i.number))


def unallocated_payments_locked(retailer_id) -> list[Payment]:
    """The retailer's live payments with money not yet allocated, locked, oldest first."""
    queryset = Payment.objects.filter(retailer_id=retailer_id, status__in=LIVE_PAYMENT_STATUSES)
    locked = list(queryset.select_for_update().order_by("pk"))
    return sorted(
        (p for p in locked if p.allocated_amount < p.amount), key=lambda p: (p.received_at, p.created_at, str(p.pk))
    )


def allocate(*, payment: Payment, invoice: Invoice, amount: Decimal) -> PaymentAllocation:
    """Allocate `amount` of the (locked) payment to the (locked) invoice; both caches move."""
    if amount <= ZERO or amount > payment.amount - payment.allocated_amount or amount > invoice.amount_due:
        raise ValueError(f"cannot allocate {amount} of payment {payment.pk} to invoice {invoice.number}")
    allocation = PaymentAllocation.objects.filter(payment=payment, invoice=invoice).first()
    if allocation is None:
        allocation = PaymentAllocation.objects.create(payment=payment, invoice=invoice, amount=amount)
    else:
        allocation.amount += amount
        allocation.save(update_fields=["amount", "updated_at"])
    payment.allocated_amount += amount
    payment.save(update_fields=["allocated_amount", "updated_at"])
    invoice.amount_paid += amount
    _save_invoice(invoice)
    return allocation


def allocate_oldest_first(*, payment: Payment, invoices: list[Invoice]) -> list[tuple[Invoice, Decimal]]:
    """What is left of the payment, to `invoices` in their order; the rest stays unallocated
    (the retailer's prepaid balance). Returns what was allocated."""
    done = []
    for invoice in invoices:
        left = payment.amount - payment.allocated_amount
        if left <= ZERO:
            break
        share = min(left, invoice.amount_due)
        if share > ZERO:
            allocate(payment=payment, invoice=invoice, amount=share)
            done.append((invoice, share))
    return done


def allocations_settle(*, retailer_id) -> int:
    """Pair the retailer's unallocated live payments with its open invoices, both oldest first
    (prepaid money settles invoices issued later; money freed by a reversal or a credit note
    settles what is still open). Returns the number of allocations written."""
    payments = unallocated_payments_locked(retailer_id)
    if not payments:
        return 0
    invoices = [i for i in open_invoices_locked(retailer_id) if i.amount_due > ZERO]
    written = 0
    for payment in payments:
        written += len(allocate_oldest_first(payment=payment, invoices=invoices))
        invoices = [i for i in invoices if i.amount_due > ZERO]
        if not invoices:
            break
    return written


def allocations_release(allocations: list[PaymentAllocation]) -> list[dict]:
    """Undo allocations (a reversed payment, a cancelled invoice): their payments and invoices
    are locked in pk order and their caches lowered, then the rows deleted. Returns what was
    released, for the audit trail."""
    if not allocations:
        return []
    payments = {p.pk: p for p in Payment.objects.select_for_update().filter(
        pk__in={a.payment_id for a in allocations}).order_by("pk")}  # fmt: skip
    invoices = {i.pk: i for i in Invoice.objects.select_for_update().filter(
        pk__in={a.invoice_id for a in allocations}).order_by("pk")}  # fmt: skip
    released = []
    for allocation in allocations:
        payment, invoice = payments[allocation.payment_id], invoices[allocation.invoice_id]
        payment.allocated_amount -= allocation.amount
        invoice.amount_paid -= allocation.amount
        released.append({"invoice": invoice.number, "payment": str(payment.pk), "amount": str(allocation.amount)})
    PaymentAllocation.objects.filter(pk__in=[a.pk for a in allocations]).delete()
    for payment in payments.values():
        payment.save(update_fields=["allocated_amount", "updated_at"])
    for invoice in invoices.values():
        _save_invoice(invoice)
    return released
