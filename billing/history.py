"""Billing documents of an order history written in bulk (the demo seed `billing.seed`, the v1
import `legacy`): its delivered orders invoiced at their delivery and its `payment` ledger
entries turned into Payments allocated as the services allocate, all written in bulk.

- `history_invoices(orders)`: one invoice per delivered order, issued at its delivery, numbered
  FAC-YYYY-NNNNNN without gap in delivery order per year (continuing the gap-free counter, which
  is moved past them), with the snapshots, lines (goods, the delivery fee, the cash stamp duty)
  and words `invoice_issue` writes. No notification: the history was told nothing in its time.
- `history_payment(...)`: one Payment to write, linked to its existing `payment` entry.
- `history_payments_write(payments, issued)`: allocations as the services make them (a payment
  naming its order's invoice pays it first, then every remainder goes to the retailer's oldest
  open invoices; the rest is prepaid), computed in memory, then the payments, allocations and
  the invoices' caches written in bulk and the entries linked (the one update the ledger's
  append-only trigger allows, `retailers.services.ledger_entries_link_payments`).

The callers run them in their transaction: `issued` holds the invoices just written and, for a
history written on top of earlier documents (a second import of a grown source), the
retailers' open ones (`history_open`), whose unallocated payments then join `payments`."""

import uuid
from collections import defaultdict
from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from livrili.core.models import BusinessSettings, Sequence
from livrili.core.money import ZERO
from livrili.core.numbering import document_number
from livrili.core.seeding import RowWriter
from orders.models import OrderItem, PaymentMethod
from retailers.models import Retailer
from retailers.services import ledger_entries_link_payments

from .models import (
    LIVE_PAYMENT_STATUSES,
    OPEN_INVOICE_STATUSES,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    PaymentStatus,
)
from .services.invoices import INVOICE_PREFIX, _fee_tax_rate, buyer_snapshot, seller_snapshot
from .words import amount_in_words_ar, amount_in_words_fr

INVOICE_COLUMNS = (
    "id", "number", "order", "retailer", "issued_at", "due_date", "status", "payment_method", "language",
    "seller", "buyer", "subtotal", "discount_total", "delivery_fee", "tax_total", "stamp_duty", "total",
    "amount_paid", "amount_in_words_fr", "amount_in_words_ar", "created_at", "updated_at",
)  # fmt: skip
PAYMENT_COLUMNS = (
    "id", "retailer", "amount", "method", "status", "received_at", "reference", "collected_by", "recorded_by",
    "delivery", "allocated_amount", "confirmed_at", "note", "created_at", "updated_at",
)  # fmt: skip
ALLOCATION_COLUMNS = ("id", "payment", "invoice", "amount", "created_at", "updated_at")
INVOICE_ORDER_FIELDS = (
    "pk", "retailer_id", "payment_method", "language", "delivered_at", "subtotal", "discount_total",
    "delivery_fee", "tax_total", "stamp_duty", "total",
)  # fmt: skip


def _language(retailer: Retailer, order_language: str) -> str:
    owner = retailer.owner
    language = owner.preferred_language if owner is not None else order_language
    return language if language in ("ar", "fr", "en") else "ar"


def _fee_description(language: str, kind: str) -> str:
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override(language):
        return gettext("Delivery fee") if kind == "fee" else gettext("Stamp duty (cash settlement)")


def history_invoices(orders) -> tuple[dict, int]:
    """Invoices of `orders` (a queryset of delivered orders without invoice, each with its
    `delivered_at`), in delivery order. Returns ({order_id: invoice dict}, lines written); the
    dicts (id, retailer, at, total, paid) are what `history_payments_write` allocates to."""
    settings = BusinessSettings.load()
    seller = seller_snapshot(settings)
    chosen = orders
    orders = list(chosen.order_by("delivered_at", "pk").only(*INVOICE_ORDER_FIELDS))
    if not orders:
        return {}, 0
    retailers = {r.pk: r for r in Retailer.objects.select_related("owner", "wilaya")}
    items = defaultdict(list)
    of_chosen = OrderItem.objects.filter(order__in=chosen.values("pk")).order_by("order_id", "sku", "pk")
    for item in of_chosen.iterator(chunk_size=5000):
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
    for year, value in last.items():  # the gap-free counter continues after the history's numbers
        Sequence.objects.bulk_create([Sequence(prefix=INVOICE_PREFIX, year=year)], ignore_conflicts=True)
        Sequence.objects.filter(prefix=INVOICE_PREFIX, year=year, last_value__lt=value).update(last_value=value)
    return issued, len(lines)


def history_payment(
    *,
    payment_id,
    entry_id,
    retailer_id,
    amount,
    method: str,
    status: str,
    received_at,
    reference: str = "",
    collected_by=None,
    recorded_by=None,
    delivery_id=None,
    own_invoice: dict | None = None,
    note: str = "",
) -> dict:
    """A Payment to write for the existing `payment` entry `entry_id` (of −amount). `own_invoice`
    (an invoice dict of `history_invoices`): the invoice it pays first (its stop's, its order's)."""
    confirmed_at = received_at if status == PaymentStatus.CONFIRMED else None
    return {
        "id": payment_id,
        "entry": entry_id,
        "retailer": retailer_id,
        "amount": amount,
        "at": received_at,
        "allocated": ZERO,
        "own": own_invoice,
        "row": [
            payment_id, retailer_id, amount, method, status, received_at, reference, collected_by, recorded_by,
            delivery_id, ZERO, confirmed_at, note, received_at, received_at,
        ],
    }  # fmt: skip


def history_open(retailer_ids) -> tuple[dict, list[dict]]:
    """What the retailers already hold open, to allocate with a history written after it: their
    open invoices ({order_id: invoice dict}) and their live payments with money unallocated
    (payment dicts, not written again: only their `allocated_amount` moves)."""
    invoices = {
        order_id: {"id": pk, "retailer": retailer_id, "at": at, "total": total, "paid": paid, "was": paid}
        for pk, order_id, retailer_id, at, total, paid in Invoice.objects.filter(
            retailer_id__in=retailer_ids, status__in=OPEN_INVOICE_STATUSES
        ).values_list("pk", "order_id", "retailer_id", "issued_at", "total", "amount_paid")
    }
    payments = [
        {"id": pk, "entry": None, "retailer": retailer_id, "amount": amount, "at": at, "allocated": allocated,
         "was": allocated, "own": None, "row": None}
        for pk, retailer_id, amount, at, allocated in Payment.objects.filter(
            retailer_id__in=retailer_ids, status__in=LIVE_PAYMENT_STATUSES, allocated_amount__lt=F("amount")
        ).values_list("pk", "retailer_id", "amount", "received_at", "allocated_amount")
    ]  # fmt: skip
    return invoices, payments


def history_allocate(payments: list[dict], issued: dict) -> list[tuple]:
    """The services' order: a payment's own invoice first (a stop's cash, an order's payment),
    then, per retailer, every payment's remainder (oldest received first) to the oldest open
    invoices. Moves the dicts' `allocated` and `paid`; returns the allocation rows."""
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


def history_payments_write(payments: list[dict], issued: dict) -> tuple[int, int]:
    """Allocate `payments` (`history_payment` dicts) to the `issued` invoices, write the
    payments, their allocations and the invoices' `amount_paid`/status, and link each payment's
    entry; payments of `history_open` only have their `allocated_amount` moved. Returns
    (payments written, allocations written)."""
    if not payments:
        return 0, 0
    allocations = history_allocate(payments, issued)
    writer = RowWriter(Payment, PAYMENT_COLUMNS)
    for payment in payments:
        if payment["row"] is not None:
            payment["row"][10] = payment["allocated"]
            writer.add(tuple(payment["row"]))
    writer.flush()
    Payment.objects.bulk_update(
        [Payment(pk=p["id"], allocated_amount=p["allocated"]) for p in payments
         if p["row"] is None and p["allocated"] != p["was"]],
        ["allocated_amount"],
    )  # fmt: skip
    allocated = RowWriter(PaymentAllocation, ALLOCATION_COLUMNS)
    for row in allocations:
        allocated.add(row)
    allocated.flush()
    updates = [
        Invoice(
            pk=i["id"],
            amount_paid=i["paid"],
            status=InvoiceStatus.PAID if i["paid"] == i["total"] else InvoiceStatus.PARTIALLY_PAID,
        )
        for i in issued.values()
        if i["paid"] != i.get("was", ZERO)
    ]
    Invoice.objects.bulk_update(updates, ["amount_paid", "status"], batch_size=2000)
    ledger_entries_link_payments({p["entry"]: p["id"] for p in payments if p["entry"] is not None})
    return writer.written, allocated.written
