"""Payments (workflows.md §6): collected at the stop by the driver or received at the office,
each posting its `payment` ledger entry and allocated to open invoices; bounced cheques and
cancelled payments post `payment_reversal` and reopen what they had settled.

The service API the API views, the admin, the demo seed and importers share:
`payment_record` (office or historical payments, optional explicit allocations),
`payment_collect` (the cash of a delivered stop, called by billing's order listener),
`payment_allocate` (allocate what is left of a payment, as the operator chooses),
`payment_bounce`, `payment_cancel`. Every one runs in one transaction under the retailer's row
lock (then payments and invoices in pk order), so a retailer's allocations never race."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from livrili.core.audit import audit_record, authenticated_actor
from livrili.core.errors import DomainError, validation_error
from livrili.core.money import MONEY_LIMIT, ZERO, to_money
from notifications.services import notify
from orders.services.locks import lock_retailer
from retailers.models import LedgerEntryKind, Retailer
from retailers.selectors import retailer_recipients
from retailers.services import ledger_post

from ..models import (
    HandoverStatus,
    Invoice,
    Payment,
    PaymentMethodKind,
    PaymentStatus,
)
from .allocation import allocate, allocate_oldest_first, allocations_release, allocations_settle, open_invoices_locked

S = PaymentStatus
# The payment's state machine: a driver's cash is confirmed by its handover; a cheque may
# bounce; any live payment may be cancelled (recorded in error), except cash being counted.
TRANSITIONS: dict[str, set[str]] = {
    S.IN_CUSTODY: {S.CONFIRMED, S.CANCELLED},
    S.CONFIRMED: {S.BOUNCED, S.CANCELLED},
    S.BOUNCED: set(),
    S.CANCELLED: set(),
}
# Money columns hold 14 digits with 2 decimals.


@dataclass(frozen=True)
class AllocationRequest:
    invoice_id: UUID
    amount: Decimal


def _exact_amount(field: str, value) -> Decimal:
    amount = Decimal(value)
    if amount != to_money(amount):
        raise validation_error(field, _("Use at most 2 decimal places."))
    if amount <= ZERO:
        raise validation_error(field, _("The amount must be positive."))
    if amount >= MONEY_LIMIT:
        raise validation_error(field, _("Amounts must stay below %(limit)s.") % {"limit": MONEY_LIMIT})
    return to_money(amount)


def _check_requests(amount: Decimal, allocations: list[AllocationRequest]) -> list[AllocationRequest]:
    """The operator's allocations: positive, each invoice once, together within the amount."""
    checked = [AllocationRequest(r.invoice_id, _exact_amount("allocations", r.amount)) for r in allocations]
    if len({r.invoice_id for r in checked}) != len(checked):
        raise validation_error("allocations", _("Name each invoice once."))
    if sum((r.amount for r in checked), ZERO) > amount:
        raise validation_error("allocations", _("The allocations exceed the payment's amount."))
    return checked


def _allocate_requested(payment: Payment, requests: list[AllocationRequest]) -> None:
    if not requests:
        return
    invoices = {i.pk: i for i in open_invoices_locked(payment.retailer_id, ids=[r.invoice_id for r in requests])}
    for request in requests:
        invoice = invoices.get(request.invoice_id)
        if invoice is None:
            raise validation_error("allocations", _("Allocate only to this retailer's open invoices."))
        if request.amount > invoice.amount_due:
            raise validation_error(
                "allocations",
                _("%(number)s has only %(due)s left to pay.") % {"number": invoice.number, "due": invoice.amount_due},
            )
        if request.amount > payment.amount - payment.allocated_amount:
            raise validation_error("allocations", _("The allocations exceed the payment's amount."))
        allocate(payment=payment, invoice=invoice, amount=request.amount)


def _reference(payment: Payment) -> str:
    return payment.reference or str(payment.pk)[:8].upper()


def _post_and_tell(payment: Payment, actor) -> None:
    ledger_post(
        retailer=payment.retailer,
        kind=LedgerEntryKind.PAYMENT,
        amount=payment.amount,
        actor=actor,
        reason=_reference(payment),
        payment=payment,
    )
    notify(
        "payment_received",
        retailer_recipients(payment.retailer),
        {"amount": str(payment.amount), "reference": _reference(payment)},
        data={"payment_id": str(payment.pk)},
    )


def _audit_created(payment: Payment, actor) -> None:
    audit_record(
        actor=actor,
        instance=payment,
        action="create",
        changes={
            "amount": [None, str(payment.amount)],
            "method": [None, payment.method],
            "status": [None, payment.status],
            "allocations": [
                None,
                [{"invoice": str(a.invoice_id), "amount": str(a.amount)} for a in payment.allocations.all()],
            ],
        },
    )


@transaction.atomic
def payment_record(
    *,
    retailer: Retailer,
    amount: Decimal,
    method: str,
    actor,
    received_at: datetime | None = None,
    reference: str = "",
    note: str = "",
    allocations: list[AllocationRequest] | None = None,
    idempotency_key: str = "",
    collected_by=None,
) -> tuple[Payment, bool]:
    """Record money received at the office (or a historical payment, for importers): a
    `confirmed` payment and its `payment` ledger entry, allocated first as the operator chose
    (`allocations`, each to an open invoice of the retailer, within what it still owes), then
    what is left to the oldest open invoices; the rest is the retailer's prepaid balance.

    Returns (payment, replayed): an `idempotency_key` already used for this retailer returns
    that payment and writes nothing. Every refusal writes nothing."""
    amount = _exact_amount("amount", amount)
    if method not in PaymentMethodKind.values:
        raise validation_error("method", _("Unknown payment method."))
    requests = _check_requests(amount, allocations or [])
    now = timezone.now()
    if received_at is not None and received_at > now:
        raise validation_error("received_at", _("A payment cannot be received in the future."))
    locked = lock_retailer(retailer.pk)
    if idempotency_key:
        existing = Payment.objects.filter(retailer=locked, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, True
    payment = Payment.objects.create(
        retailer=locked,
        amount=amount,
        method=method,
        status=S.CONFIRMED,
        received_at=received_at or now,
        confirmed_at=now,
        reference=reference.strip(),
        note=note.strip(),
        collected_by=authenticated_actor(collected_by if collected_by is not None else actor),
        recorded_by=authenticated_actor(actor),
        idempotency_key=idempotency_key,
    )
    _post_and_tell(payment, actor)
    _allocate_requested(payment, requests)
    allocate_oldest_first(payment=payment, invoices=open_invoices_locked(locked.pk))
    _audit_created(payment, actor)
    return payment, False


def payment_collect(*, delivery, invoice: Invoice | None, actor) -> Payment | None:
    """The cash a driver collected at a delivered stop (`delivery.cash_collected`): a payment
    `in_custody`, collected_by the driver, in the delivery's transaction (the caller holds the
    order's lock); allocated to the stop's invoice, then to older open invoices, the rest
    prepaid. Nothing when no cash was collected; idempotent per delivery."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Stop cash is recorded inside the delivery's transaction")
    if not delivery.cash_collected or delivery.cash_collected <= ZERO:
        return None
    existing = Payment.objects.filter(delivery=delivery).first()
    if existing is not None:
        return existing
    locked = lock_retailer(delivery.order.retailer_id)
    driver_user = delivery.driver.user if delivery.driver_id else None
    payment = Payment.objects.create(
        retailer=locked,
        amount=delivery.cash_collected,
        method=PaymentMethodKind.CASH,
        status=S.IN_CUSTODY,
        received_at=delivery.delivered_at or timezone.now(),
        reference=delivery.number,
        collected_by=driver_user,
        recorded_by=authenticated_actor(actor),
        delivery=delivery,
    )
    _post_and_tell(payment, actor)
    first = [invoice] if invoice is not None else []
    first = open_invoices_locked(locked.pk, ids=[i.pk for i in first]) if first else []
    allocate_oldest_first(payment=payment, invoices=first)
    allocate_oldest_first(payment=payment, invoices=open_invoices_locked(locked.pk))
    _audit_created(payment, actor)
    return payment


def _lock_payment(payment: Payment) -> tuple[Retailer, Payment]:
    retailer = lock_retailer(payment.retailer_id)
    return retailer, Payment.objects.select_for_update().select_related("retailer").get(pk=payment.pk)


@transaction.atomic
def payment_allocate(*, payment: Payment, allocations: list[AllocationRequest], actor) -> Payment:
    """Allocate what is still unallocated of a live payment to the invoices the operator names
    (each open, of the payment's retailer, within what it still owes)."""
    _retailer, payment = _lock_payment(payment)
    if payment.status not in (S.IN_CUSTODY, S.CONFIRMED):
        raise DomainError(
            "INVALID_TRANSITION",
            _("A bounced or cancelled payment cannot be allocated."),
            details={"from": payment.status, "to": payment.status, "allowed": []},
        )
    requests = _check_requests(payment.amount - payment.allocated_amount, allocations)
    _allocate_requested(payment, requests)
    audit_record(
        actor=actor,
        instance=payment,
        action="allocate",
        changes={"allocations": [None, [{"invoice": str(r.invoice_id), "amount": str(r.amount)} for r in requests]]},
    )
    return payment


def _reverse(*, payment: Payment, to_status: str, reason: str, actor) -> Payment:
    reason = (reason or "").strip()
    if not reason:
        raise validation_error("reason", _("A reason is required."))
    retailer, payment = _lock_payment(payment)
    allowed = sorted(TRANSITIONS[payment.status])
    if to_status not in TRANSITIONS[payment.status] or (
        to_status == S.BOUNCED and payment.method != PaymentMethodKind.CHEQUE
    ):
        message = _("Only a cheque can bounce.") if payment.method != PaymentMethodKind.CHEQUE else None
        raise DomainError("INVALID_TRANSITION", message, details={"from": payment.status, "to": to_status,
                                                                  "allowed": allowed})  # fmt: skip
    line = getattr(payment, "handover_line", None)
    if line is not None and line.handover.status != HandoverStatus.APPROVED:
        raise DomainError(
            "INVALID_TRANSITION",
            _("This cash is being counted in a handover: approve the handover first."),
            details={"from": payment.status, "to": to_status, "allowed": []},
        )
    released = allocations_release(list(payment.allocations.all()))
    from_status = payment.status
    payment.status = to_status
    payment.allocated_amount = ZERO
    payment.reversed_at = timezone.now()
    payment.reversed_by = authenticated_actor(actor)
    payment.reversal_reason = reason
    payment.save(
        update_fields=["status", "allocated_amount", "reversed_at", "reversed_by", "reversal_reason", "updated_at"]
    )
    ledger_post(
        retailer=retailer,
        kind=LedgerEntryKind.PAYMENT_REVERSAL,
        amount=payment.amount,
        actor=actor,
        reason=f"{_reference(payment)}: {reason}",
        payment=payment,
    )
    allocations_settle(retailer_id=retailer.pk)  # other prepaid money may settle what reopened
    audit_record(
        actor=actor,
        instance=payment,
        action=f"payment_{to_status}",
        changes={"status": [from_status, to_status], "reason": [None, reason], "released": [released, None]},
    )
    return payment


@transaction.atomic
def payment_bounce(*, payment: Payment, reason: str, actor) -> Payment:
    """A confirmed cheque came back unpaid: `bounced`, its `payment_reversal` entry puts the
    debt back and the invoices it settled reopen."""
    return _reverse(payment=payment, to_status=S.BOUNCED, reason=reason, actor=actor)


@transaction.atomic
def payment_cancel(*, payment: Payment, reason: str, actor) -> Payment:
    """A payment recorded in error: `cancelled`, reversed on the ledger, its invoices reopen."""
    return _reverse(payment=payment, to_status=S.CANCELLED, reason=reason, actor=actor)
