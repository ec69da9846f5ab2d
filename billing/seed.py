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
from collections import defaultdict
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from livrili.accounts.models import Role, User
from livrili.core.models import BusinessSettings, Sequence
from livrili.core.money import ZERO
from livrili.core.numbering import document_number
from livrili.core.seeding import RowWriter
from orders.models import Order, OrderItem, OrderStatus, PaymentMethod
from retailers.models import LedgerEntry, LedgerEntryKind, Retailer
from retailers.services import ledger_entries_link_payments

from .models import Invoice, InvoiceLine, InvoiceStatus, Payment, PaymentAllocation, PaymentMethodKind, PaymentStatus
from .services.invoices import INVOICE_PREFIX, _fee_tax_rate, buyer_snapshot, seller_snapshot
from .words import amount_in_words_ar, amount_in_words_fr

INVOICE_COLUMNS = (
    "id", "number", "order", "retailer", "issued_at", "due_date", "status", "payment_method", "language",
    "seller", "buyer", "subtotal", "discount_total", "delivery_fee", "tax_total", "stamp_duty", "total",
    "amount_paid", "amount_in_words_fr", "amount_in_words_ar", "created_at", "updated_at",
)  # fmt: skip
PAYMENT_COLUMNS = (
    "id", "retailer", "amount", "method", "status", "received_at", "reference", "collected_by", "recorded_by",
    "delivery", "allocated_amount", "confirmed_at", "created_at", "updated_at",
)  # fmt: skip
ALLOCATION_COLUMNS = ("id", "payment", "invoice", "amount", "created_at", "updated_at")


def _language(retailer: Retailer, order_language: str) -> str:
    owner = retailer.owner
    language = owner.preferred_language if owner is not None else order_language
    return language if language in ("ar", "fr", "en") else "ar"


def _fee_description(language: str, kind: str) -> str:
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override(language):
        return gettext("Delivery fee") if kind == "fee" else gettext("Stamp duty (cash settlement)")


def _seed_invoices(out) -> dict:
    """Invoices of the delivered orders without one; returns {order_id: invoice row dict}."""
    settings = BusinessSettings.load()
    seller = seller_snapshot(settings)
    orders = list(
        Order.objects.filter(status=OrderStatus.DELIVERED, invoice__isnull=True)
        .order_by("delivered_at", "pk")
        .only(
            "pk", "retailer_id", "payment_method", "language", "delivered_at", "subtotal", "discount_total",
            "delivery_fee", "tax_total", "stamp_duty", "total",
        )
    )  # fmt: skip
    if not orders:
        return {}
    retailers = {r.pk: r for r in Retailer.objects.select_related("owner", "wilaya")}
    items = defaultdict(list)
    for item in (
        OrderItem.objects.filter(order__status=OrderStatus.DELIVERED, order__invoice__isnull=True)
        .order_by("order_id", "sku", "pk")
        .iterator(chunk_size=5000)
    ):
        items[item.order_id].append(item)
    last = defaultdict(int)
    for year, value in Sequence.objects.filter(prefix=INVOICE_PREFIX).values_list("year", "last_value"):
        last[year] = value
    invoices = RowWriter(Invoice, INVOICE_COLUMNS)
    lines: list[InvoiceLine] = []
    buyers: dict = {}
    issued = {}
    for order in orders:
        retailer = retailers[order.retailer_id]
        language = _language(retailer, order.language)
        if (retailer.pk, language) not in buyers:
            buyers[(retailer.pk, language)] = buyer_snapshot(retailer, language)
        at = order.delivered_at
        year = timezone.localtime(at).year
        last[year] += 1
        terms = retailer.payment_terms_days if order.payment_method == PaymentMethod.CREDIT else 0
        invoice_id = uuid.uuid4()
        invoices.add(
            (
                invoice_id, document_number(INVOICE_PREFIX, year, last[year]), order.pk, retailer.pk, at,
                timezone.localdate(at) + timedelta(days=terms), InvoiceStatus.ISSUED, order.payment_method, language,
                seller, buyers[(retailer.pk, language)], order.subtotal, order.discount_total, order.delivery_fee,
                order.tax_total, order.stamp_duty, order.total, ZERO, amount_in_words_fr(order.total),
                amount_in_words_ar(order.total), at, at,
            )
        )  # fmt: skip
        issued[order.pk] = {"id": invoice_id, "retailer": retailer.pk, "at": at, "total": order.total, "paid": ZERO}
        position = 0
        goods_tax = ZERO
        for item in items[order.pk]:
            position += 1
            goods_tax += item.line_tax
            lines.append(
                InvoiceLine(
                    invoice_id=invoice_id, position=position, kind="product",
                    description=getattr(item, f"name_{language}") or item.name_ar, sku=item.sku,
                    quantity=item.quantity, unit_price=item.unit_price, discount=item.discount,
                    tax_rate=item.tax_rate, line_subtotal=item.line_subtotal, line_tax=item.line_tax,
                    line_total=item.line_total,
                )
            )  # fmt: skip
        if order.delivery_fee > 0:
            position += 1
            fee_tax = order.tax_total - goods_tax
            lines.append(
                InvoiceLine(
                    invoice_id=invoice_id, position=position, kind="delivery_fee",
                    description=_fee_description(language, "fee"), quantity=1, unit_price=order.delivery_fee,
                    tax_rate=_fee_tax_rate(order, fee_tax, settings), line_subtotal=order.delivery_fee,
                    line_tax=fee_tax, line_total=order.delivery_fee + fee_tax,
                )
            )  # fmt: skip
        if order.stamp_duty > 0:
            position += 1
            lines.append(
                InvoiceLine(
                    invoice_id=invoice_id, position=position, kind="stamp_duty",
                    description=_fee_description(language, "stamp"), quantity=1, unit_price=order.stamp_duty,
                    tax_rate=ZERO, line_subtotal=order.stamp_duty, line_tax=ZERO, line_total=order.stamp_duty,
                )
            )  # fmt: skip
    invoices.flush()
    InvoiceLine.objects.bulk_create(lines, batch_size=2000)
    for year, value in last.items():  # the gap-free counter continues after the seeded numbers
        Sequence.objects.bulk_create([Sequence(prefix=INVOICE_PREFIX, year=year)], ignore_conflicts=True)
        Sequence.objects.filter(prefix=INVOICE_PREFIX, year=year, last_value__lt=value).update(last_value=value)
    out.write(f"  billing: {invoices.written} invoices of the delivered history, {len(lines)} lines")
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
    payments = RowWriter(Payment, PAYMENT_COLUMNS)
    links = {}
    seeded = []  # (payment dict) for the allocation pass
    for index, entry in enumerate(entries):
        amount = -entry.amount
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
        payment_id = uuid.uuid4()
        payment = {"id": payment_id, "retailer": entry.retailer_id, "amount": amount, "at": at, "allocated": ZERO}
        payment["row"] = [
            payment_id, entry.retailer_id, amount, method, status, at, reference, entry.actor_id, entry.actor_id,
            deliveries[order_id] if stop else None, ZERO, at if status == PaymentStatus.CONFIRMED else None, at, at,
        ]  # fmt: skip
        payment["own"] = issued.get(order_id) if stop else None
        seeded.append(payment)
        links[entry.pk] = payment_id
    allocations = _allocate(seeded, issued)
    for payment in seeded:
        payment["row"][10] = payment["allocated"]
        payments.add(tuple(payment["row"]))
    payments.flush()
    writer = RowWriter(PaymentAllocation, ALLOCATION_COLUMNS)
    for row in allocations:
        writer.add(row)
    writer.flush()
    paid = [i for i in issued.values() if i["paid"] > ZERO]
    updates = [
        Invoice(
            pk=i["id"],
            amount_paid=i["paid"],
            status=InvoiceStatus.PAID if i["paid"] == i["total"] else InvoiceStatus.PARTIALLY_PAID,
        )
        for i in paid
    ]
    Invoice.objects.bulk_update(updates, ["amount_paid", "status"], batch_size=2000)
    ledger_entries_link_payments(links)
    out.write(f"  billing: {payments.written} payments of the history's payment entries, {writer.written} allocations")


def _allocate(payments: list[dict], issued: dict) -> list[tuple]:
    """The services' order: a stop's cash to its own invoice first, then, per retailer, every
    payment's remainder (oldest received first) to the oldest open invoices."""
    rows = []

    def give(payment, invoice, amount):
        payment["allocated"] += amount
        invoice["paid"] += amount
        at = max(payment["at"], invoice["at"])
        rows.append((uuid.uuid4(), payment["id"], invoice["id"], amount, at, at))

    for payment in payments:
        own = payment["own"]
        if own is not None:
            share = min(payment["amount"], own["total"] - own["paid"])
            if share > ZERO:
                give(payment, own, share)
    invoices_of = defaultdict(list)
    for invoice in sorted(issued.values(), key=lambda i: i["at"]):
        invoices_of[invoice["retailer"]].append(invoice)
    payments_of = defaultdict(list)
    for payment in sorted(payments, key=lambda p: p["at"]):
        payments_of[payment["retailer"]].append(payment)
    for retailer_id, queue in payments_of.items():
        invoices = [i for i in invoices_of.get(retailer_id, []) if i["paid"] < i["total"]]
        for payment in queue:
            while invoices and payment["allocated"] < payment["amount"]:
                invoice = invoices[0]
                share = min(payment["amount"] - payment["allocated"], invoice["total"] - invoice["paid"])
                give(payment, invoice, share)
                if invoice["paid"] == invoice["total"]:
                    invoices.pop(0)
    return rows


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
