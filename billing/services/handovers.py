"""Cash handovers (workflows.md §6): at the end of the day a cashier counts a driver's cash.
Expected = the driver's payments in custody received that day and not yet handed over; the
counted amount and its difference (a discrepancy needs a reason); approval confirms the
payments. A payment is handed over once: `CashHandoverPayment.payment` is unique, and the
payments are locked and re-checked before their lines are written."""

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from deliveries.models import Driver
from livrili.core.audit import audit_record, authenticated_actor
from livrili.core.errors import DomainError, conflict, validation_error
from livrili.core.money import ZERO, to_money

from ..models import CashHandover, CashHandoverPayment, DiscrepancyReason, HandoverStatus, Payment, PaymentStatus


def handover_expected(*, driver: Driver, day: date) -> QuerySet[Payment]:
    """The driver's cash still in custody, received on `day` (business time zone), on no handover."""
    return (
        Payment.objects.filter(
            collected_by_id=driver.user_id,
            status=PaymentStatus.IN_CUSTODY,
            received_at__date=day,
            handover_line__isnull=True,
        )
        .select_related("retailer", "delivery")
        .order_by("received_at", "pk")
    )


def _counted(value) -> Decimal:
    amount = Decimal(value)
    if amount != to_money(amount) or amount < ZERO:
        raise validation_error("counted_amount", _("Enter an amount of at least 0.00 with 2 decimals at most."))
    return to_money(amount)


@transaction.atomic
def handover_create(
    *,
    driver: Driver,
    day: date,
    counted_amount: Decimal,
    actor,
    reason: str = "",
    notes: str = "",
    payment_ids: list | None = None,
) -> CashHandover:
    """Count a driver's cash of `day`: the expected payments (all of them, or those named) are
    locked and re-checked (in custody, on no handover), expected = Σ their amounts, discrepancy =
    counted − expected; a non-zero discrepancy needs a reason. Status `balanced` or
    `discrepancy`; the payments stay in custody until the handover is approved."""
    counted = _counted(counted_amount)
    if reason and reason not in DiscrepancyReason.values:
        raise validation_error("reason", _("Unknown reason."))
    candidates = list(handover_expected(driver=driver, day=day).values_list("pk", flat=True))
    if payment_ids is not None:
        wanted = set(payment_ids)
        if len(wanted) != len(payment_ids) or not wanted <= set(candidates):
            raise validation_error(
                "payment_ids", _("Name only this driver's cash of that day that is still to hand over, once each.")
            )
        candidates = [pk for pk in candidates if pk in wanted]
    payments = list(Payment.objects.select_for_update().filter(pk__in=candidates).order_by("pk"))
    if (
        any(p.status != PaymentStatus.IN_CUSTODY for p in payments)
        or CashHandoverPayment.objects.filter(payment_id__in=candidates).exists()
    ):
        raise conflict("payment_ids", _("Some of this cash was handed over or changed meanwhile: count again."))
    if not payments:
        raise validation_error("date", _("This driver has no cash to hand over for that day."))
    expected = sum((p.amount for p in payments), ZERO)
    discrepancy = counted - expected
    if discrepancy != ZERO and not reason:
        raise validation_error("reason", _("A discrepancy needs a reason."))
    handover = CashHandover.objects.create(
        driver=driver,
        received_by=actor,
        business_date=day,
        expected_amount=expected,
        counted_amount=counted,
        discrepancy=discrepancy,
        reason=reason if discrepancy != ZERO else "",
        notes=(notes or "").strip(),
        status=HandoverStatus.BALANCED if discrepancy == ZERO else HandoverStatus.DISCREPANCY,
    )
    try:
        with transaction.atomic():
            CashHandoverPayment.objects.bulk_create(
                [CashHandoverPayment(handover=handover, payment=p, amount=p.amount) for p in payments]
            )
    except IntegrityError as exc:  # the unique payment: another handover took it first
        raise conflict("payment_ids", _("Some of this cash was handed over meanwhile: count again.")) from exc
    audit_record(
        actor=actor,
        instance=handover,
        action="create",
        changes={
            "expected_amount": [None, str(expected)],
            "counted_amount": [None, str(counted)],
            "discrepancy": [None, str(discrepancy)],
            "payments": [None, [str(p.pk) for p in payments]],
        },
    )
    return handover


@transaction.atomic
def handover_approve(*, handover: CashHandover, actor) -> CashHandover:
    """Approve a counted handover: its payments become `confirmed` (the cash is the company's)."""
    handover = CashHandover.objects.select_for_update().get(pk=handover.pk)
    if handover.status == HandoverStatus.APPROVED:
        raise DomainError(
            "INVALID_TRANSITION",
            _("This handover is already approved."),
            details={"from": handover.status, "to": HandoverStatus.APPROVED, "allowed": []},
        )
    now = timezone.now()
    ids = list(handover.lines.values_list("payment_id", flat=True))
    payments = list(Payment.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    for payment in payments:
        if payment.status != PaymentStatus.IN_CUSTODY:  # cancellation is refused while counted
            raise RuntimeError(f"payment {payment.pk} on handover {handover.pk} is {payment.status}")
    Payment.objects.filter(pk__in=ids).update(status=PaymentStatus.CONFIRMED, confirmed_at=now, updated_at=now)
    from_status = handover.status
    handover.status = HandoverStatus.APPROVED
    handover.approved_at = now
    handover.approved_by = authenticated_actor(actor)
    handover.save(update_fields=["status", "approved_at", "approved_by", "updated_at"])
    audit_record(
        actor=actor,
        instance=handover,
        action="approve",
        changes={"status": [from_status, HandoverStatus.APPROVED], "payments_confirmed": [None, len(payments)]},
    )
    return handover
