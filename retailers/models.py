"""Retailers: the businesses that order, their members, addresses, documents, status
history and the append-only credit ledger whose sum is the cached `Retailer.balance`."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from livrili.core.models import BaseModel, coordinate_constraints, coordinate_field, money_field
from livrili.core.storage import private_storage


class BusinessType(models.TextChoices):
    GROCERY = "grocery", _("Grocery")
    SUPERMARKET = "supermarket", _("Supermarket")
    CONVENIENCE = "convenience", _("Convenience store")
    WHOLESALE = "wholesale", _("Wholesale")
    RESTAURANT = "restaurant", _("Restaurant")
    CAFE = "cafe", _("Café")
    PHARMACY = "pharmacy", _("Pharmacy")
    OTHER = "other", _("Other")


class RetailerStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REJECTED = "rejected", _("Rejected")
    INACTIVE = "inactive", _("Inactive")


class Retailer(BaseModel):
    business_name = models.CharField(_("business name"), max_length=200)
    business_type = models.CharField(
        _("business type"), max_length=20, choices=BusinessType.choices, default=BusinessType.GROCERY
    )
    rc_number = models.CharField(_("RC number"), max_length=50, blank=True)
    nif = models.CharField(_("NIF"), max_length=50, blank=True)
    nis = models.CharField(_("NIS"), max_length=50, blank=True)
    ai_number = models.CharField(_("AI number"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=16, unique=True, null=True, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.TextField(_("address"), blank=True)
    commune = models.CharField(_("commune"), max_length=100, blank=True)
    wilaya = models.ForeignKey(
        "core.Wilaya", on_delete=models.PROTECT, related_name="retailers", verbose_name=_("wilaya")
    )
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    latitude = coordinate_field(_("latitude"))
    longitude = coordinate_field(_("longitude"))
    status = models.CharField(
        _("status"), max_length=10, choices=RetailerStatus.choices, default=RetailerStatus.PENDING, db_index=True
    )
    status_reason = models.TextField(_("status reason"), blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )
    credit_limit = money_field(_("credit limit"), default=Decimal("0.00"))
    # A cache of Σ LedgerEntry.amount, written only by services.ledger_post; positive = debt.
    balance = money_field(_("balance"), default=Decimal("0.00"), editable=False)
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=30)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_retailers",
        verbose_name=_("owner"),
    )
    segment = models.CharField(_("segment"), max_length=50, blank=True, db_index=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["business_name"]
        verbose_name = _("retailer")
        verbose_name_plural = _("retailers")
        permissions = [
            ("approve_retailer", _("Can approve, reject, suspend, reactivate and close retailers")),
            ("change_credit_limit", _("Can change a retailer's credit limit")),
            ("add_ledger_adjustment", _("Can post manual ledger adjustments")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(credit_limit__gte=0), name="retailer_credit_limit_gte_0"),
            models.CheckConstraint(condition=Q(status__in=RetailerStatus.values), name="retailer_status_valid"),
            models.CheckConstraint(
                condition=Q(approved_at__isnull=True) | ~Q(status=RetailerStatus.PENDING),
                name="retailer_pending_not_approved",
            ),
            *coordinate_constraints("retailer"),
        ]

    def __str__(self):
        return self.business_name

    @property
    def available_credit(self) -> Decimal:
        """Credit limit minus debt; a prepaid (negative) balance adds to it."""
        return self.credit_limit - self.balance


class DeliveryAddress(BaseModel):
    retailer = models.ForeignKey(
        Retailer, on_delete=models.CASCADE, related_name="addresses", verbose_name=_("retailer")
    )
    label = models.CharField(_("label"), max_length=100, blank=True)
    address = models.TextField(_("address"))
    commune = models.CharField(_("commune"), max_length=100, blank=True)
    wilaya = models.ForeignKey("core.Wilaya", on_delete=models.PROTECT, related_name="+", verbose_name=_("wilaya"))
    latitude = coordinate_field(_("latitude"))
    longitude = coordinate_field(_("longitude"))
    contact_name = models.CharField(_("contact name"), max_length=150, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=16, blank=True)
    instructions = models.TextField(_("instructions"), blank=True)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        ordering = ["-is_default", "created_at"]
        verbose_name = _("delivery address")
        verbose_name_plural = _("delivery addresses")
        constraints = [
            models.UniqueConstraint(
                fields=["retailer"], condition=Q(is_default=True), name="delivery_address_one_default"
            ),
            *coordinate_constraints("delivery_address"),
        ]

    def __str__(self):
        return self.label or self.address[:50]


class DocumentType(models.TextChoices):
    BUSINESS_LICENSE = "business_license", _("Business licence")
    TAX_CERTIFICATE = "tax_certificate", _("Tax certificate")
    ID_DOCUMENT = "id_document", _("Identity document")
    BANK_STATEMENT = "bank_statement", _("Bank statement")
    OTHER = "other", _("Other")


def _document_path(instance, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"retailer-documents/{instance.retailer_id}/{uuid.uuid4().hex}.{extension}"


class RetailerDocument(BaseModel):
    retailer = models.ForeignKey(
        Retailer, on_delete=models.CASCADE, related_name="documents", verbose_name=_("retailer")
    )
    type = models.CharField(_("type"), max_length=20, choices=DocumentType.choices)
    file = models.FileField(_("file"), storage=private_storage, upload_to=_document_path, max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("retailer document")
        verbose_name_plural = _("retailer documents")
        constraints = [
            models.CheckConstraint(
                condition=Q(verified_at__isnull=True, verified_by__isnull=True)
                | Q(verified_at__isnull=False, verified_by__isnull=False),
                name="retailer_document_verified_by_and_at",
            )
        ]

    def __str__(self):
        return f"{self.get_type_display()} – {self.original_name}"


class RetailerEventType(models.TextChoices):
    STATUS_CHANGED = "status_changed", _("Status changed")
    CREDIT_LIMIT_CHANGED = "credit_limit_changed", _("Credit limit changed")


class RetailerEvent(models.Model):
    """One status or credit-limit change: from, to, reason, actor, at (never edited)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    retailer = models.ForeignKey(Retailer, on_delete=models.CASCADE, related_name="events", verbose_name=_("retailer"))
    type = models.CharField(_("type"), max_length=30, choices=RetailerEventType.choices)
    from_value = models.CharField(_("from"), max_length=50, blank=True)
    to_value = models.CharField(_("to"), max_length=50)
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("retailer event")
        verbose_name_plural = _("retailer events")

    def __str__(self):
        return f"{self.get_type_display()}: {self.from_value} → {self.to_value}"


class LedgerEntryKind(models.TextChoices):
    ORDER_CHARGE = "order_charge", _("Order charge")
    ORDER_REVERSAL = "order_reversal", _("Order reversal")
    PAYMENT = "payment", _("Payment")
    PAYMENT_REVERSAL = "payment_reversal", _("Payment reversal")
    ADJUSTMENT_DEBIT = "adjustment_debit", _("Adjustment (debit)")
    ADJUSTMENT_CREDIT = "adjustment_credit", _("Adjustment (credit)")
    OPENING_BALANCE = "opening_balance", _("Opening balance")
    WRITE_OFF = "write_off", _("Write-off")
    CREDIT_NOTE = "credit_note", _("Credit note")


# The sign each kind gives its amount (+ increases debt); opening balances carry their own.
DEBIT_KINDS = (LedgerEntryKind.ORDER_CHARGE, LedgerEntryKind.PAYMENT_REVERSAL, LedgerEntryKind.ADJUSTMENT_DEBIT)
CREDIT_KINDS = (
    LedgerEntryKind.ORDER_REVERSAL,
    LedgerEntryKind.PAYMENT,
    LedgerEntryKind.ADJUSTMENT_CREDIT,
    LedgerEntryKind.WRITE_OFF,
    LedgerEntryKind.CREDIT_NOTE,  # an invoice cancelled by its credit note (billing)
)


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Ledger entries are append-only.")

    def delete(self):
        raise TypeError("Ledger entries are append-only.")


class LedgerEntry(models.Model):
    """One movement on a retailer's account. Append-only: written by `services.ledger_post`,
    never updated or deleted. `position` orders a retailer's entries (1, 2, …) so the
    `balance_after` chain is unambiguous even when timestamps tie."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    retailer = models.ForeignKey(
        Retailer,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        verbose_name=_("retailer"),
        db_index=False,
    )
    position = models.PositiveIntegerField(_("position"), editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=LedgerEntryKind.choices)
    amount = money_field(_("amount"))
    balance_after = money_field(_("balance after"))
    reason = models.TextField(_("reason"), blank=True)
    order = models.ForeignKey(
        "orders.Order",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        verbose_name=_("order"),
    )
    payment = models.ForeignKey(
        "billing.Payment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        verbose_name=_("payment"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["retailer", "position"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.UniqueConstraint(fields=["retailer", "position"], name="ledger_entry_position_unique"),
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_amount_not_zero"),
            models.CheckConstraint(
                condition=Q(kind=LedgerEntryKind.OPENING_BALANCE)
                | Q(kind__in=DEBIT_KINDS, amount__gt=0)
                | Q(kind__in=CREDIT_KINDS, amount__lt=0),
                name="ledger_entry_sign_follows_kind",
            ),
            models.CheckConstraint(
                condition=Q(payment__isnull=True)
                | Q(kind__in=(LedgerEntryKind.PAYMENT, LedgerEntryKind.PAYMENT_REVERSAL)),
                name="ledger_entry_payment_kinds",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.position}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Ledger entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Ledger entries are append-only.")
