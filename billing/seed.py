"""Demo data for billing (after `deliveries.seed`): the seeded history's invoices and payments.

1. Invoices for every delivered order that has none (the order history is written in bulk, not
   through the delivery workflow, so `invoice_issue` never ran for it): one per order, issued at
   its delivery, numbered FAC-YYYY-NNNNNN without gap in delivery order per year, with the same
   snapshots, lines (goods, the delivery fee, the cash stamp duty) and words `invoice_issue`
   writes. Skipped when any invoice exists (a later run would number history after today's).
2. A Payment for every `payment` ledger entry the order history wrote without one, linked to it
   (the one update the ledger's append-only trigger allows, `retailers.services.
   ledger_entries_link_payments`): a driver's entry is the cash of a stop (method cash,
   collected_by the driver, its delivery; still in custody when received today, confirmed
   before — the history has no handover rows), Finance's a transfer or a cheque, confirmed.
3. Allocations as the services make them: each stop's cash to its own invoice first, then every
   payment's remainder to the oldest open invoices (`billing.services.allocation`'s order),
   computed in memory and written in bulk with the caches they move."""

import uuid

from django.db import connection
from django.utils import timezone

from livrili.accounts.models import Role, User
from orders.models import Order, OrderStatus, PaymentMethod
from retailers.models import LedgerEntry, LedgerEntryKind

from .history import history_invoices, history_payment, history_payments_write
from .models import Invoice, PaymentMethodKind, PaymentStatus


def _seed_invoices(out) -> dict:
    """Invoices of the delivered orders without one; returns {order_id: invoice dict}."""
    issued, lines = history_invoices(Order.objects.filter(status=OrderStatus.DELIVERED, invoice__isnull=True))
    if issued:
        out.write(f"  billing: {len(issued)} invoices of the delivered history, {lines} lines")
    return issued


def _seed_payments(issued: dict, out) -> None:
    entries = list(
        LedgerEntry.objects.filter(kind=LedgerEntryKind.PAYMENT, payment__isnull=True).order_by(
            "retailer_id", "position"
        )
    )
    if not entries:
        return
    drivers = set(User.objects.filter(role=Role.DRIVER).values_list("pk", flat=True))
    # A stop's cash entry is followed by its order's charge (orders.seed writes them together).
    charges = {
        (retailer_id, position): order_id
        for retailer_id, position, order_id in LedgerEntry.objects.filter(
            kind=LedgerEntryKind.ORDER_CHARGE, order__payment_method=PaymentMethod.CASH
        ).values_list("retailer_id", "position", "order_id")
    }
    deliveries = dict(
        Order.objects.filter(status=OrderStatus.DELIVERED, delivery__isnull=False).values_list("pk", "delivery__id")
    )
    delivery_numbers = dict(
        Order.objects.filter(status=OrderStatus.DELIVERED, delivery__isnull=False).values_list("pk", "delivery__number")
    )
    today = timezone.localdate()
    seeded = []
    for index, entry in enumerate(entries):
        order_id = charges.get((entry.retailer_id, entry.position + 1)) if entry.actor_id in drivers else None
        stop = order_id is not None and order_id in deliveries
        at = entry.created_at
        if stop:
            method = PaymentMethodKind.CASH
            status = PaymentStatus.IN_CUSTODY if timezone.localdate(at) == today else PaymentStatus.CONFIRMED
            reference = delivery_numbers[order_id]
        else:
            method = PaymentMethodKind.BANK_TRANSFER if index % 3 else PaymentMethodKind.CHEQUE
            status = PaymentStatus.CONFIRMED
            reference = f"SEED-{index + 1:06d}"
        seeded.append(
            history_payment(
                payment_id=uuid.uuid4(), entry_id=entry.pk, retailer_id=entry.retailer_id, amount=-entry.amount,
                method=method, status=status, received_at=at, reference=reference, collected_by=entry.actor_id,
                recorded_by=entry.actor_id, delivery_id=deliveries[order_id] if stop else None,
                own_invoice=issued.get(order_id) if stop else None,
            )
        )  # fmt: skip
    written, allocations = history_payments_write(seeded, issued)
    out.write(f"  billing: {written} payments of the history's payment entries, {allocations} allocations")


def run(*, size: str, out) -> list:
    if Invoice.objects.exists():
        out.write("  billing: invoices already present, history not invoiced again")
        issued = {}
    else:
        issued = _seed_invoices(out)
    _seed_payments(issued, out)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE billing_invoice, billing_payment, billing_paymentallocation")
    return []
