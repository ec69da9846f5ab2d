"""Billing: invoices of delivered orders and the credit notes that cancel them.

Both are legal documents: written once by `billing.services.invoices` and never edited
(an invoice only moves from `issued` to `cancelled`, by its credit note). Their money fields
are the order's, copied at issue; the database holds every invariant it can."""

import uuid

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
    CANCELLED = "cancelled", _("Cancelled")


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
        "retailers.Retailer", on_delete=models.PROTECT, related_name="invoices", verbose_name=_("retailer")
    )
    issued_at = models.DateTimeField(_("issued at"), db_index=True)
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.ISSUED)
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
        ]
        indexes = [models.Index(fields=["retailer", "-issued_at"], name="invoice_retailer_issued_idx")]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        # A legal document: written once; afterwards only its status moves (by its credit note).
        if not self._state.adding and set(kwargs.get("update_fields") or ()) != {"status", "updated_at"}:
            raise TypeError("An issued invoice is immutable: cancel it with a credit note.")
        super().save(*args, **kwargs)

    @property
    def amount_in_words(self) -> str:
        """In the invoice's language; English invoices carry the French words (the legal wording)."""
        return self.amount_in_words_ar if self.language == Language.AR else self.amount_in_words_fr


class InvoiceLine(models.Model):
    """One line as invoiced: a product (description in the buyer's language), the delivery fee
    (taxed at its own rate) or the stamp duty of a cash settlement (not TVA)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines", verbose_name=_("invoice"))
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
