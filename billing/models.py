"""Billing: invoices of delivered orders and the credit notes that cancel them.

Both are legal documents: written once by `billing.services.invoices` and never edited
(an invoice only moves from `issued` to `cancelled`, by its credit note). Their money fields
are the order's, copied at issue; the database holds every invariant it can."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils.translation import gettext_lazy as _

from livrili.accounts.models import Language
from livrili.core.models import BaseModel, money_field, percent_field
from orders.models import PaymentMethod


class InvoiceStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    PARTIALLY_PAID = "partially_paid", _("Partially paid")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


# An invoice still owed something (payments may be allocated to it).
OPEN_INVOICE_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)


class LineKind(models.TextChoices):
    PRODUCT = "product", _("Product")
    DELIVERY_FEE = "delivery_fee", _("Delivery fee")
    STAMP_DUTY = "stamp_duty", _("Stamp duty")


def _sum_is_total(prefix: str):
    # ROUND keeps the check exact where decimals are binary floats (SQLite).
    return models.CheckConstraint(
        condition=Q(total=Round(F("subtotal") + F("delivery_fee") + F("tax_total") + F("stamp_duty"), 2)),
        name=f"{prefix}_total_is_sum",
    )


class Invoice(BaseModel):
    number = models.CharField(_("number"), max_length=20, unique=True)
    order = models.OneToOneField(
        "orders.Order", on_delete=models.PROTECT, related_name="invoice", verbose_name=_("order")
    )
    retailer = models.ForeignKey(
        "retailers.Retailer",
        on_delete=models.PROTECT,
        related_name="invoices",
        verbose_name=_("retailer"),
        db_index=False,
    )
    issued_at = models.DateTimeField(_("issued at"), db_index=True)
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=14, choices=InvoiceStatus.choices, default=InvoiceStatus.ISSUED)
    payment_method = models.CharField(_("payment method"), max_length=10, choices=PaymentMethod.choices)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    # Legal identities as they were at issue (the settings and the retailer may change later).
    seller = models.JSONField(_("seller"))
    buyer = models.JSONField(_("buyer"))
    subtotal = money_field(_("subtotal"))
    discount_total = money_field(_("discounts"))
    delivery_fee = money_field(_("delivery fee"))
    tax_total = money_field(_("TVA"))
    stamp_duty = money_field(_("stamp duty"))
    total = money_field(_("total"))
    # Σ of its payment allocations, kept by billing.services.payments under the retailer's lock;
    # the status follows it (issued 0, partially_paid, paid == total; cancelled: released, 0).
    amount_paid = money_field(_("amount paid"), default=0)
    # When the retailer was told it is overdue (`invoices_notify_overdue`): once per invoice.
    overdue_notified_at = models.DateTimeField(_("overdue notice sent at"), null=True, blank=True)
    amount_in_words_fr = models.TextField(_("amount in words (French)"))
    amount_in_words_ar = models.TextField(_("amount in words (Arabic)"))

    class Meta:
        ordering = ["-issued_at", "-number"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        permissions = [("cancel_invoice", _("Can cancel an invoice (credit note)"))]
        constraints = [
            models.CheckConstraint(condition=Q(subtotal__gte=0), name="invoice_subtotal_gte_0"),
            models.CheckConstraint(condition=Q(discount_total__gte=0), name="invoice_discount_gte_0"),
            models.CheckConstraint(condition=Q(delivery_fee__gte=0), name="invoice_delivery_fee_gte_0"),
            models.CheckConstraint(condition=Q(tax_total__gte=0), name="invoice_tax_gte_0"),
            models.CheckConstraint(condition=Q(stamp_duty__gte=0), name="invoice_stamp_duty_gte_0"),
            models.CheckConstraint(condition=Q(total__gt=0), name="invoice_total_gt_0"),
            _sum_is_total("invoice"),
            models.CheckConstraint(
                condition=Q(payment_method=PaymentMethod.CASH) | Q(stamp_duty=0), name="invoice_stamp_duty_only_cash"
            ),
            models.CheckConstraint(condition=Q(status__in=InvoiceStatus.values), name="invoice_status_valid"),
            models.CheckConstraint(condition=Q(language__in=Language.values), name="invoice_language_valid"),
            # Allocations never exceed the invoice: 0 ≤ amount_paid ≤ total, and the status agrees.
            models.CheckConstraint(
                condition=Q(amount_paid__gte=0, amount_paid__lte=F("total")), name="invoice_amount_paid_within_total"
            ),
            models.CheckConstraint(
                condition=Q(status__in=(InvoiceStatus.ISSUED, InvoiceStatus.CANCELLED), amount_paid=0)
                | Q(status=InvoiceStatus.PARTIALLY_PAID, amount_paid__gt=0, amount_paid__lt=F("total"))
                | Q(status=InvoiceStatus.PAID, amount_paid=F("total")),
                name="invoice_status_follows_amount_paid",
            ),
        ]
        indexes = [models.Index(fields=["retailer", "-issued_at"], name="invoice_retailer_issued_idx")]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        # A legal document: written once; afterwards only its status moves (payments, its credit note).
        fields = set(kwargs.get("update_fields") or ())
        if not self._state.adding and not (fields and fields <= MOVABLE_INVOICE_FIELDS):
            raise TypeError("An issued invoice is immutable: cancel it with a credit note.")
        super().save(*args, **kwargs)

    @property
    def amount_due(self) -> Decimal:
        return self.total - self.amount_paid

    @property
    def amount_in_words(self) -> str:
        """In the invoice's language; English invoices carry the French words (the legal wording)."""
        return self.amount_in_words_ar if self.language == Language.AR else self.amount_in_words_fr


MOVABLE_INVOICE_FIELDS = {"status", "amount_paid", "overdue_notified_at", "updated_at"}


class InvoiceLine(models.Model):
    """One line as invoiced: a product (description in the buyer's language), the delivery fee
    (taxed at its own rate) or the stamp duty of a cash settlement (not TVA)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, related_name="lines", verbose_name=_("invoice"), db_index=False
    )
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=12, choices=LineKind.choices)
    description = models.CharField(_("description"), max_length=200)
    sku = models.CharField(_("SKU"), max_length=64, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = money_field(_("unit price"))
    discount = money_field(_("discount"), default=0)
    tax_rate = percent_field(_("tax rate"))
    line_subtotal = money_field(_("amount before tax"))
    line_tax = money_field(_("TVA"))
    line_total = money_field(_("total"))

    class Meta:
        ordering = ["invoice", "position"]
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="invoice_line_quantity_gt_0"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="invoice_line_unit_price_gte_0"),
            models.CheckConstraint(condition=Q(discount__gte=0), name="invoice_line_discount_gte_0"),
            models.CheckConstraint(condition=Q(tax_rate__gte=0), name="invoice_line_tax_rate_gte_0"),
            models.CheckConstraint(condition=Q(line_subtotal__gte=0), name="invoice_line_subtotal_gte_0"),
            models.CheckConstraint(condition=Q(line_tax__gte=0), name="invoice_line_tax_gte_0"),
            models.CheckConstraint(
                condition=Q(line_total=Round(F("line_subtotal") + F("line_tax"), 2)), name="invoice_line_total_is_sum"
            ),
            models.CheckConstraint(condition=Q(kind__in=LineKind.values), name="invoice_line_kind_valid"),
            models.CheckConstraint(
                condition=~Q(kind=LineKind.STAMP_DUTY) | Q(tax_rate=0, line_tax=0), name="invoice_line_stamp_untaxed"
            ),
        ]

    def __str__(self):
        return f"{self.invoice_id} #{self.position}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Invoice lines are immutable.")
        super().save(*args, **kwargs)


class CreditNote(BaseModel):
    """Cancels an invoice: its amounts are the invoice's, negated, and its ledger entry gives
    the retailer back what the invoice charged."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="credit_notes", verbose_name=_("invoice")
    )
    reason = models.TextField(_("reason"))
    issued_at = models.DateTimeField(_("issued at"), db_index=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    ledger_entry = models.OneToOneField(
        "retailers.LedgerEntry", on_delete=models.PROTECT, related_name="credit_note", verbose_name=_("ledger entry")
    )
    subtotal = money_field(_("subtotal"))
    delivery_fee = money_field(_("delivery fee"))
    tax_total = money_field(_("TVA"))
    stamp_duty = money_field(_("stamp duty"))
    total = money_field(_("total"))

    class Meta:
        ordering = ["-issued_at", "-number"]
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        constraints = [
            # Today a credit note cancels its invoice whole: at most one per invoice.
            models.UniqueConstraint(fields=["invoice"], name="credit_note_one_per_invoice"),
            models.CheckConstraint(condition=~Q(reason=""), name="credit_note_reason_required"),
            models.CheckConstraint(condition=Q(subtotal__lte=0), name="credit_note_subtotal_lte_0"),
            models.CheckConstraint(condition=Q(delivery_fee__lte=0), name="credit_note_delivery_fee_lte_0"),
            models.CheckConstraint(condition=Q(tax_total__lte=0), name="credit_note_tax_lte_0"),
            models.CheckConstraint(condition=Q(stamp_duty__lte=0), name="credit_note_stamp_duty_lte_0"),
            models.CheckConstraint(condition=Q(total__lt=0), name="credit_note_total_lt_0"),
            _sum_is_total("credit_note"),
        ]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("A credit note is immutable.")
        super().save(*args, **kwargs)


# --- Payments -------------------------------------------------------------------------------


class PaymentMethodKind(models.TextChoices):
    CASH = "cash", _("Cash")
    CHEQUE = "cheque", _("Cheque")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CARD = "card", _("Card")


class PaymentStatus(models.TextChoices):
    IN_CUSTODY = "in_custody", _("In a driver's custody")
    CONFIRMED = "confirmed", _("Confirmed")
    BOUNCED = "bounced", _("Bounced")
    CANCELLED = "cancelled", _("Cancelled")


# A live payment counts on the ledger (its `payment` entry stands); a reversed one does not.
LIVE_PAYMENT_STATUSES = (PaymentStatus.IN_CUSTODY, PaymentStatus.CONFIRMED)
REVERSED_PAYMENT_STATUSES = (PaymentStatus.BOUNCED, PaymentStatus.CANCELLED)


class Payment(BaseModel):
    """Money received from a retailer: at a stop by its driver (`in_custody` until the cash is
    handed over) or at the office. Written by `billing.services.payments` with its `payment`
    ledger entry; `allocated_amount` is Σ of its allocations (≤ amount, a database check); a
    bounced or cancelled payment has its `payment_reversal` entry and no allocation left."""

    retailer = models.ForeignKey(
        "retailers.Retailer",
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("retailer"),
        db_index=False,
    )
    amount = money_field(_("amount"))
    method = models.CharField(_("method"), max_length=16, choices=PaymentMethodKind.choices)
    status = models.CharField(_("status"), max_length=12, choices=PaymentStatus.choices)
    received_at = models.DateTimeField(_("received at"), db_index=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("collected by"),
        db_index=False,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    delivery = models.OneToOneField(
        "deliveries.Delivery",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment",
        verbose_name=_("delivery"),
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    allocated_amount = money_field(_("allocated"), default=0)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reversed by"),
    )
    reversal_reason = models.TextField(_("reversal reason"), blank=True)

    class Meta:
        ordering = ["-received_at", "-created_at"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        permissions = [
            ("record_payment", _("Can record, bounce and cancel payments")),
            ("count_cash", _("Can count and approve cash handovers")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_gt_0"),
            models.CheckConstraint(condition=Q(method__in=PaymentMethodKind.values), name="payment_method_valid"),
            models.CheckConstraint(condition=Q(status__in=PaymentStatus.values), name="payment_status_valid"),
            # Allocations never exceed the payment; a reversed payment keeps none.
            models.CheckConstraint(
                condition=Q(allocated_amount__gte=0, allocated_amount__lte=F("amount")),
                name="payment_allocated_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(status__in=LIVE_PAYMENT_STATUSES) | Q(allocated_amount=0, reversed_at__isnull=False),
                name="payment_reversed_has_no_allocation",
            ),
            models.CheckConstraint(
                condition=~Q(status=PaymentStatus.BOUNCED) | Q(method=PaymentMethodKind.CHEQUE),
                name="payment_only_cheques_bounce",
            ),
            models.CheckConstraint(
                condition=~Q(status=PaymentStatus.IN_CUSTODY) | Q(method=PaymentMethodKind.CASH),
                name="payment_custody_is_cash",
            ),
            models.UniqueConstraint(
                fields=["retailer", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="payment_idempotency_key_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["retailer", "received_at"], name="payment_retailer_received_idx"),
            models.Index(fields=["collected_by", "status"], name="payment_collector_status_idx"),
        ]

    def __str__(self):
        return f"{self.get_method_display()} {self.amount} ({self.received_at:%Y-%m-%d})"

    @property
    def unallocated_amount(self) -> Decimal:
        return self.amount - self.allocated_amount


class PaymentAllocation(BaseModel):
    """Part of a payment settling an invoice. Released (deleted, with an audit record) when the
    payment bounces or is cancelled, or when the invoice is cancelled."""

    payment = models.ForeignKey(
        Payment,
        on_delete=models.PROTECT,
        related_name="allocations",
        verbose_name=_("payment"),
        db_index=False,
    )
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("invoice")
    )
    amount = money_field(_("amount"))

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("payment allocation")
        verbose_name_plural = _("payment allocations")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_allocation_amount_gt_0"),
            models.UniqueConstraint(fields=["payment", "invoice"], name="payment_allocation_unique"),
        ]

    def __str__(self):
        return f"{self.amount} → {self.invoice_id}"


# --- Cash handovers -------------------------------------------------------------------------


class HandoverStatus(models.TextChoices):
    BALANCED = "balanced", _("Balanced")
    DISCREPANCY = "discrepancy", _("Discrepancy")
    APPROVED = "approved", _("Approved")


class DiscrepancyReason(models.TextChoices):
    COUNTING_ERROR = "counting_error", _("Counting error")
    MISSING_RECEIPT = "missing_receipt", _("Missing receipt")
    EXTRA_PAYMENT = "extra_payment", _("Extra payment")
    CHANGE_GIVEN = "change_given", _("Change given")
    PETTY_CASH_USED = "petty_cash_used", _("Petty cash used")
    DEPOSIT_MADE = "deposit_made", _("Deposit made")
    OTHER = "other", _("Other")


class CashHandover(BaseModel):
    """A driver's cash counted at the office: the in-custody payments handed over (expected),
    the counted amount and their difference, which needs a reason. Approval confirms the
    payments. Lives in billing (not deliveries) because it moves payments."""

    driver = models.ForeignKey(
        "deliveries.Driver", on_delete=models.PROTECT, related_name="cash_handovers", verbose_name=_("driver")
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("received by")
    )
    business_date = models.DateField(_("business date"), db_index=True)
    expected_amount = money_field(_("expected"))
    counted_amount = money_field(_("counted"))
    discrepancy = money_field(_("discrepancy"))
    reason = models.CharField(_("reason"), max_length=20, choices=DiscrepancyReason.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=HandoverStatus.choices)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )

    class Meta:
        ordering = ["-business_date", "-created_at"]
        verbose_name = _("cash handover")
        verbose_name_plural = _("cash handovers")
        constraints = [
            models.CheckConstraint(condition=Q(expected_amount__gt=0), name="handover_expected_gt_0"),
            models.CheckConstraint(condition=Q(counted_amount__gte=0), name="handover_counted_gte_0"),
            models.CheckConstraint(
                condition=Q(discrepancy=Round(F("counted_amount") - F("expected_amount"), 2)),
                name="handover_discrepancy_is_difference",
            ),
            models.CheckConstraint(condition=Q(discrepancy=0) | ~Q(reason=""), name="handover_discrepancy_has_reason"),
            models.CheckConstraint(
                condition=Q(status=HandoverStatus.APPROVED)
                | Q(status=HandoverStatus.BALANCED, discrepancy=0)
                | (Q(status=HandoverStatus.DISCREPANCY) & ~Q(discrepancy=0)),
                name="handover_status_follows_discrepancy",
            ),
            models.CheckConstraint(
                condition=Q(status=HandoverStatus.APPROVED, approved_at__isnull=False)
                | (~Q(status=HandoverStatus.APPROVED) & Q(approved_at__isnull=True)),
                name="handover_approved_at",
            ),
            models.CheckConstraint(
                condition=Q(reason__in=[*DiscrepancyReason.values, ""]), name="handover_reason_valid"
            ),
        ]

    def __str__(self):
        return f"{self.driver} {self.business_date}"


class CashHandoverPayment(models.Model):
    """One payment handed over: a payment is handed over once (unique), at its amount."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    handover = models.ForeignKey(
        CashHandover, on_delete=models.PROTECT, related_name="lines", verbose_name=_("cash handover")
    )
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, related_name="handover_line", verbose_name=_("payment")
    )
    amount = money_field(_("amount"))

    class Meta:
        ordering = ["handover", "payment__received_at"]
        verbose_name = _("handed-over payment")
        verbose_name_plural = _("handed-over payments")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="handover_payment_amount_gt_0")]

    def __str__(self):
        return f"{self.handover_id}: {self.payment_id}"
