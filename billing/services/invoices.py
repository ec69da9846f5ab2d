"""Invoices (workflows.md §7): issued once per order when it is delivered, numbered without a
gap per year (FAC-YYYY-NNNNNN), immutable; cancelled only by a credit note (AV-YYYY-NNNNNN, its
own gap-free series) that gives the retailer back on the ledger what the invoice charged."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from deliveries.models import Delivery
from livrili.accounts.models import Language
from livrili.core.audit import audit_record, authenticated_actor
from livrili.core.errors import DomainError, validation_error
from livrili.core.models import BusinessSettings
from livrili.core.money import ZERO, percent_of
from livrili.core.numbering import next_number
from notifications.services import notify
from orders.models import Order, OrderStatus, PaymentMethod
from orders.services import locks
from retailers.models import LedgerEntryKind, Retailer
from retailers.selectors import retailer_recipients
from retailers.services import ledger_post

from ..models import CreditNote, Invoice, InvoiceLine, InvoiceStatus, LineKind
from ..selectors import overdue_invoices
from ..words import amount_in_words_ar, amount_in_words_fr
from .allocation import allocations_release, allocations_settle
from .payments import payment_collect

INVOICE_PREFIX = "FAC"
CREDIT_NOTE_PREFIX = "AV"


def order_status_changed(*, order: Order, from_status: str, to_status: str, actor, note: str = "") -> None:
    """The orders STATUS_LISTENERS hook: a delivered order gets its invoice in the same
    transaction, under the order's row lock (a failure here rolls the delivery back); the cash
    its driver collected becomes a payment in custody, allocated to that invoice first; then any
    prepaid money of the retailer settles what is still open."""
    if to_status != OrderStatus.DELIVERED:
        return
    invoice = invoice_issue(order=order, actor=actor)
    locks.lock_retailer(order.retailer_id)
    delivery = Delivery.objects.select_related("driver__user").filter(order_id=order.pk).first()
    if delivery is not None:
        delivery.order = order
        payment_collect(delivery=delivery, invoice=invoice, actor=actor)
    allocations_settle(retailer_id=order.retailer_id)


def seller_snapshot(settings: BusinessSettings) -> dict:
    return {
        "name": settings.company_name,
        "legal_form": settings.legal_form,
        "share_capital": str(settings.share_capital),
        "address": settings.company_address,
        "phone": settings.company_phone,
        "email": settings.company_email,
        "rc_number": settings.rc_number,
        "nif": settings.nif,
        "nis": settings.nis,
        "ai_number": settings.ai_number,
        "bank_name": settings.bank_name,
        "rib": settings.rib,
    }


def buyer_snapshot(retailer: Retailer, language: str) -> dict:
    wilaya = retailer.wilaya
    return {
        "name": retailer.business_name,
        "address": retailer.address,
        "commune": retailer.commune,
        "wilaya_code": wilaya.code,
        "wilaya_name": getattr(wilaya, f"name_{language}", "") or wilaya.name,
        "phone": retailer.phone or "",
        "email": retailer.email,
        "rc_number": retailer.rc_number,
        "nif": retailer.nif,
        "nis": retailer.nis,
        "ai_number": retailer.ai_number,
    }


def invoice_language(order: Order) -> str:
    """The retailer owner's preferred language (api.md: invoices use the recipient's), else the
    order's."""
    owner = order.retailer.owner
    language = owner.preferred_language if owner is not None else order.language
    return language if language in Language.values else Language.AR


def _fee_tax_rate(order: Order, fee_tax: Decimal, settings: BusinessSettings) -> Decimal:
    """The rate the order's fee was taxed at: today's fee rate when it gives the order's fee tax,
    else the allowed rate that does (the settings changed since placement), else the rate the
    amounts imply — never a refusal, which would roll the delivery back."""
    for rate in [settings.delivery_fee_tax_rate, *settings.allowed_tax_rate_values]:
        if percent_of(order.delivery_fee, rate) == fee_tax:
            return Decimal(rate)
    return (fee_tax * 100 / order.delivery_fee).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _lines(order: Order, language: str, settings: BusinessSettings) -> list[InvoiceLine]:
    """The order's items as placed, then the delivery fee as its own taxed line, then the stamp
    duty of a cash settlement: every amount copied from the order, none recomputed."""
    items = list(order.items.order_by("sku", "pk"))
    lines = [
        InvoiceLine(
            kind=LineKind.PRODUCT,
            description=getattr(item, f"name_{language}") or item.name_ar,
            sku=item.sku,
            quantity=item.quantity,
            unit_price=item.unit_price,
            discount=item.discount,
            tax_rate=item.tax_rate,
            line_subtotal=item.line_subtotal,
            line_tax=item.line_tax,
            line_total=item.line_total,
        )
        for item in items
    ]
    goods_tax = sum((item.line_tax for item in items), ZERO)
    with translation.override(language):
        if order.delivery_fee > 0:
            fee_tax = order.tax_total - goods_tax
            lines.append(
                InvoiceLine(
                    kind=LineKind.DELIVERY_FEE,
                    description=_("Delivery fee"),
                    quantity=1,
                    unit_price=order.delivery_fee,
                    tax_rate=_fee_tax_rate(order, fee_tax, settings),
                    line_subtotal=order.delivery_fee,
                    line_tax=fee_tax,
                    line_total=order.delivery_fee + fee_tax,
                )
            )
        if order.stamp_duty > 0:
            lines.append(
                InvoiceLine(
                    kind=LineKind.STAMP_DUTY,
                    description=_("Stamp duty (cash settlement)"),
                    quantity=1,
                    unit_price=order.stamp_duty,
                    tax_rate=ZERO,
                    line_subtotal=order.stamp_duty,
                    line_tax=ZERO,
                    line_total=order.stamp_duty,
                )
            )
    for position, line in enumerate(lines, start=1):
        line.position = position
    return lines


def invoice_issue(*, order: Order, actor=None) -> Invoice:
    """Issue the invoice of a delivered order, inside the caller's transaction (the delivery's),
    under the order's row lock. Idempotent: an order that already has its invoice gets it back.
    Invariant: the invoice's amounts are the order's; Σ line totals == total."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("An invoice is issued inside the delivery's transaction")
    existing = Invoice.objects.filter(order=order).first()
    if existing is not None:
        return existing
    order = Order.objects.select_related("retailer__owner", "retailer__wilaya").get(pk=order.pk)
    settings = BusinessSettings.load()
    language = invoice_language(order)
    issued_at = timezone.now()
    terms = order.retailer.payment_terms_days if order.payment_method == PaymentMethod.CREDIT else 0
    invoice = Invoice.objects.create(
        number=next_number(INVOICE_PREFIX, gap_free=True),
        order=order,
        retailer=order.retailer,
        issued_at=issued_at,
        due_date=timezone.localdate(issued_at) + timedelta(days=terms),
        payment_method=order.payment_method,
        language=language,
        seller=seller_snapshot(settings),
        buyer=buyer_snapshot(order.retailer, language),
        subtotal=order.subtotal,
        discount_total=order.discount_total,
        delivery_fee=order.delivery_fee,
        tax_total=order.tax_total,
        stamp_duty=order.stamp_duty,
        total=order.total,
        amount_in_words_fr=amount_in_words_fr(order.total),
        amount_in_words_ar=amount_in_words_ar(order.total),
    )
    lines = _lines(order, language, settings)
    for line in lines:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(lines)
    if sum((line.line_total for line in lines), ZERO) != invoice.total:
        raise ValueError(f"order {order.number}: its lines do not add up to its total")
    audit_record(actor=actor, instance=invoice, action="issue", changes={"number": [None, invoice.number]})
    notify(
        "invoice_issued",
        retailer_recipients(order.retailer),
        {"invoice_number": invoice.number, "total": str(invoice.total), "due_date": str(invoice.due_date)},
        data={"invoice_id": str(invoice.pk), "order_id": str(order.pk)},
    )
    return invoice


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise validation_error("reason", _("A reason is required."))
    return reason


@transaction.atomic
def invoice_cancel(*, invoice: Invoice, reason: str, actor) -> CreditNote:
    """Cancel an issued invoice (Finance): a credit note of the next AV number, whose amounts are
    the invoice's negated, and a `credit_note` ledger entry of the invoice's total on its order —
    the mirror of the order's charge. The payments allocated to it are released and settle the
    retailer's other open invoices (or stay prepaid). Locks the order, then the retailer, then the
    invoice: the lock order of every billing service. A cancelled invoice → INVALID_TRANSITION."""
    reason = _require_reason(reason)
    locks.lock_order(invoice.order)
    locks.lock_retailer(invoice.retailer_id)
    invoice = Invoice.objects.select_for_update().select_related("order", "retailer").get(pk=invoice.pk)
    if invoice.status == InvoiceStatus.CANCELLED:
        raise DomainError(
            "INVALID_TRANSITION",
            _("This invoice is already cancelled."),
            details={"from": invoice.status, "to": InvoiceStatus.CANCELLED, "allowed": []},
        )
    number = next_number(CREDIT_NOTE_PREFIX, gap_free=True)
    entry = ledger_post(
        retailer=invoice.retailer,
        kind=LedgerEntryKind.CREDIT_NOTE,
        amount=invoice.total,
        actor=actor,
        reason=f"{number} ({invoice.number}): {reason}",
        order=invoice.order,
    )
    credit_note = CreditNote.objects.create(
        number=number,
        invoice=invoice,
        reason=reason,
        issued_at=timezone.now(),
        issued_by=authenticated_actor(actor),
        ledger_entry=entry,
        subtotal=-invoice.subtotal,
        delivery_fee=-invoice.delivery_fee,
        tax_total=-invoice.tax_total,
        stamp_duty=-invoice.stamp_duty,
        total=-invoice.total,
    )
    from_status = invoice.status
    released = allocations_release(list(invoice.allocations.all()))
    invoice.status = InvoiceStatus.CANCELLED
    invoice.amount_paid = ZERO
    invoice.save(update_fields=["status", "amount_paid", "updated_at"])
    allocations_settle(retailer_id=invoice.retailer_id)
    audit_record(
        actor=actor,
        instance=invoice,
        action="cancel",
        changes={
            "status": [from_status, InvoiceStatus.CANCELLED],
            "reason": [None, reason],
            "credit_note": [None, number],
            "released": [released, None],
        },
    )
    return credit_note


def invoices_notify_overdue(*, today=None, limit: int = 500) -> int:
    """Tell each retailer once that an invoice is overdue (the periodic task's work): each
    invoice is claimed under its row lock (`overdue_notified_at` set in the same transaction as
    the notice), so two runs never tell twice. Returns how many were told."""
    today = today or timezone.localdate()
    told = 0
    for pk in list(overdue_invoices(today).values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            invoice = (
                overdue_invoices(today).select_for_update(of=("self",)).select_related("retailer").filter(pk=pk).first()
            )
            if invoice is None:
                continue  # paid, cancelled or told meanwhile
            invoice.overdue_notified_at = timezone.now()
            invoice.save(update_fields=["overdue_notified_at", "updated_at"])
            notify(
                "invoice_overdue",
                retailer_recipients(invoice.retailer),
                {
                    "invoice_number": invoice.number,
                    "amount_due": str(invoice.amount_due),
                    "due_date": str(invoice.due_date),
                },
                data={"invoice_id": str(invoice.pk)},
            )
            told += 1
    return told
