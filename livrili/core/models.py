import uuid
from decimal import Decimal

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .settings_schema import settings_errors


class BaseModel(models.Model):
    """UUID primary key and timestamps, shared by every mutable model."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class MoneyField(models.DecimalField):
    """A DZD amount (14 digits, 2 decimals). The admin shows it with its currency
    (`livrili.core.admin.display_for_field`); the database and migrations see a DecimalField."""

    is_money = True

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DecimalField", args, kwargs


def money_field(verbose_name, **kwargs):
    return MoneyField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


def percent_field(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=5, decimal_places=2, **kwargs)


def coordinate_field(verbose_name):
    """A latitude or longitude in degrees (6 decimals: about 0.1 m), optional."""
    return models.DecimalField(verbose_name, max_digits=9, decimal_places=6, null=True, blank=True)


def coordinate_constraints(prefix: str, latitude: str = "latitude", longitude: str = "longitude"):
    """Latitude within ±90 and longitude within ±180 (or unknown), named `<prefix>_latitude_range`…"""
    return [
        models.CheckConstraint(
            condition=Q(**{f"{latitude}__isnull": True}) | Q(**{f"{latitude}__gte": -90, f"{latitude}__lte": 90}),
            name=f"{prefix}_latitude_range",
        ),
        models.CheckConstraint(
            condition=Q(**{f"{longitude}__isnull": True}) | Q(**{f"{longitude}__gte": -180, f"{longitude}__lte": 180}),
            name=f"{prefix}_longitude_range",
        ),
    ]


def default_allowed_tax_rates():
    return ["0.00", "9.00", "19.00"]


def default_time_slots():
    return ["morning", "afternoon"]


def default_working_days():
    # ISO weekdays: Sunday (7) to Thursday (4); the weekend is Friday and Saturday.
    return [7, 1, 2, 3, 4]


def default_stamp_duty():
    """Code du timbre art. 100-I (2025 finance law): rate per 100 DA (or fraction) applied to
    the whole amount with tax, by the bracket the amount falls in; nothing up to 300 DA."""
    return {
        "exempt_up_to": "300.00",
        "minimum": "5.00",
        "brackets": [
            {"up_to": "30000.00", "per_100": "1.00"},
            {"up_to": "100000.00", "per_100": "1.50"},
            {"up_to": None, "per_100": "2.00"},
        ],
    }


class CreditPolicy(models.TextChoices):
    REJECT = "reject", _("Reject orders over the limit")
    HOLD = "hold", _("Hold orders over the limit")


class BusinessSettings(models.Model):
    """The distributor's settings: one row, edited in the admin, read through `load()`."""

    CACHE_KEY = "core:business-settings:v1"

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    company_name = models.CharField(_("company name"), max_length=200, default="Livrili")
    legal_form = models.CharField(_("legal form"), max_length=50, blank=True, default="SARL")
    share_capital = money_field(_("share capital"), default=Decimal("0.00"))
    company_address = models.TextField(_("company address"), blank=True)
    company_phone = models.CharField(_("company phone"), max_length=20, blank=True)
    company_email = models.EmailField(_("company e-mail"), blank=True)
    rc_number = models.CharField(_("RC number"), max_length=50, blank=True)
    nif = models.CharField(_("NIF"), max_length=50, blank=True)
    nis = models.CharField(_("NIS"), max_length=50, blank=True)
    ai_number = models.CharField(_("AI number"), max_length=50, blank=True)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    rib = models.CharField(_("RIB"), max_length=50, blank=True)
    warehouse_address = models.TextField(_("warehouse address"), blank=True)
    warehouse_latitude = models.DecimalField(
        _("warehouse latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    warehouse_longitude = models.DecimalField(
        _("warehouse longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    minimum_order_value = money_field(_("minimum order value"), default=Decimal("1000.00"))
    delivery_fee = money_field(_("delivery fee (before tax)"), default=Decimal("300.00"))
    delivery_fee_tax_rate = percent_field(_("delivery fee tax rate"), default=Decimal("19.00"))
    free_delivery_threshold = money_field(_("free delivery threshold"), default=Decimal("5000.00"))
    default_tax_rate = percent_field(_("default tax rate"), default=Decimal("19.00"))
    # The structured values' shape is `settings_schema`'s, checked by clean() and save().
    allowed_tax_rates = models.JSONField(_("allowed tax rates"), default=default_allowed_tax_rates, blank=True)
    credit_policy = models.CharField(
        _("credit policy"), max_length=10, choices=CreditPolicy.choices, default=CreditPolicy.REJECT
    )
    hold_expiry_days = models.PositiveSmallIntegerField(_("credit hold expiry (days)"), default=3)
    invoice_payment_terms_days = models.PositiveSmallIntegerField(_("invoice payment terms (days)"), default=30)
    low_stock_threshold = models.PositiveIntegerField(_("default low-stock threshold"), default=10)
    time_slots = models.JSONField(_("delivery time slots"), default=default_time_slots, blank=True)
    order_cutoff_hour = models.PositiveSmallIntegerField(
        _("order cut-off hour"), default=16, validators=[MaxValueValidator(23)]
    )
    working_days = models.JSONField(_("working days (ISO weekdays)"), default=default_working_days, blank=True)
    stamp_duty = models.JSONField(_("stamp duty brackets"), default=default_stamp_duty, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("business settings")
        verbose_name_plural = _("business settings")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="business_settings_singleton"),
            models.CheckConstraint(condition=models.Q(minimum_order_value__gte=0), name="settings_min_order_gte_0"),
            models.CheckConstraint(condition=models.Q(delivery_fee__gte=0), name="settings_delivery_fee_gte_0"),
            models.CheckConstraint(
                condition=models.Q(free_delivery_threshold__gte=0), name="settings_free_delivery_gte_0"
            ),
        ]

    def __str__(self):
        return str(_("Business settings"))

    def save(self, *args, **kwargs):
        """Save a valid row (a malformed structured value raises ValidationError, nothing is
        written); the cached copy is retired once the transaction commits — retired inside it,
        a reader could cache the old committed row again until the TTL."""
        self.id = 1
        self.clean()
        super().save(*args, **kwargs)
        transaction.on_commit(_forget_cached_settings)

    def clean(self):
        errors = settings_errors(self)
        if errors:
            raise ValidationError(errors)

    @classmethod
    def load(cls) -> "BusinessSettings":
        """The settings row, from the cache when possible (created with defaults if absent).
        A transaction that saved the settings reads its own row, and caches nothing until it
        has committed."""
        if _saved_in_this_transaction():
            return cls._row()
        instance = cache.get(cls.CACHE_KEY)
        if instance is None:
            instance = cls._row()
            cache.set(cls.CACHE_KEY, instance, 300)
        return instance

    @classmethod
    def _row(cls) -> "BusinessSettings":
        instance = cls.objects.filter(id=1).first()
        if instance is None:
            # The defaults, inserted without save(): there is no cached copy to retire yet.
            cls.objects.bulk_create([cls(id=1)], ignore_conflicts=True)
            instance = cls.objects.get(id=1)
        return instance

    @property
    def allowed_tax_rate_values(self) -> list[Decimal]:
        return [Decimal(str(rate)).quantize(Decimal("0.01")) for rate in self.allowed_tax_rates]


def _forget_cached_settings() -> None:
    cache.delete(BusinessSettings.CACHE_KEY)


def _saved_in_this_transaction() -> bool:
    """Whether the current transaction saved the settings (its cache retirement is pending)."""
    connection = transaction.get_connection()
    return connection.in_atomic_block and any(
        callback is _forget_cached_settings for _savepoints, callback, _robust in connection.run_on_commit
    )


class Sequence(models.Model):
    """Yearly counter for document numbers; see `livrili.core.numbering`."""

    prefix = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="sequence_prefix_year_unique")]

    def __str__(self):
        return f"{self.prefix}-{self.year}: {self.last_value}"


class Wilaya(models.Model):
    """Official Algerian provinces (reference data loaded by migration from fixtures/wilayas.json)."""

    code = models.CharField(_("code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("wilaya")
        verbose_name_plural = _("wilayas")

    def __str__(self):
        return f"{self.code} - {self.name}"


class AuditLog(models.Model):
    """Who changed what, from where: written by services and the admin, never edited."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("actor")
    )
    action = models.CharField(_("action"), max_length=50)
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, verbose_name=_("type"), db_index=False
    )
    object_id = models.CharField(_("object id"), max_length=64, db_index=True)
    object_repr = models.CharField(_("object"), max_length=200)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.action} {self.object_repr}"


class IdempotencyRecord(models.Model):
    """The first answer to an idempotent write, replayed as it was for the same key
    (`livrili.core.idempotency`). `status_code` is null only inside the transaction doing the
    work: the claim and the answer commit together."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    scope = models.CharField(_("scope"), max_length=50)
    owner = models.CharField(_("owner"), max_length=64)
    key = models.CharField(_("idempotency key"), max_length=100)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True)
    body = models.JSONField(_("response body"), null=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["scope", "owner", "key"], name="idempotency_scope_owner_key_unique")
        ]

    def __str__(self):
        return f"{self.scope} {self.owner} {self.key}"
