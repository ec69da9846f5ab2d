import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# `{name}` placeholders: the only template syntax (no tags, no attribute or index access).
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
LANGUAGES = ("ar", "fr", "en")


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In-app")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    PUSH = "push", _("Push")


class Category(models.TextChoices):
    ORDERS = "orders", _("Orders")
    DELIVERIES = "deliveries", _("Deliveries")
    PAYMENTS = "payments", _("Payments")
    PROMOTIONS = "promotions", _("Promotions")
    SYSTEM = "system", _("System")


class NotificationStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    READ = "read", _("Read")


class NotificationTemplate(models.Model):
    """The text of one event on one channel, in ar/fr/en (modeltranslation fields), using only
    its declared variables. System templates are seeded and cannot be deleted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.SlugField(_("event"), max_length=64, db_index=False)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices, default=Category.SYSTEM)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"), max_length=2000, blank=True)
    variables = models.JSONField(_("variables"), default=list, blank=True)
    is_system = models.BooleanField(_("system template"), default=False, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        ordering = ["event", "channel"]
        constraints = [models.UniqueConstraint(fields=["event", "channel"], name="notificationtemplate_event_channel")]

    def __str__(self):
        return f"{self.event} · {self.get_channel_display()}"

    def save(self, *args, **kwargs):
        self.check_placeholders()  # no path (admin, API, shell) stores a template it cannot render
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_system:
            raise ValidationError(_("System templates cannot be deleted; deactivate them instead."))
        return super().delete(*args, **kwargs)

    def clean(self):
        super().clean()
        self.check_placeholders()

    def check_placeholders(self):
        """Every `{name}` of every language's subject and body is a declared variable."""
        variables = self.variables
        if not isinstance(variables, list) or not all(
            isinstance(v, str) and PLACEHOLDER.fullmatch("{" + v + "}") for v in variables
        ):
            raise ValidationError({"variables": [_("List variable names (letters, digits and underscores).")]})
        errors = {}
        if not any(getattr(self, f"body_{language}", "") for language in LANGUAGES):
            errors["body"] = [_("Write the body in at least one language.")]
        for field in ("subject", "body"):
            for language in LANGUAGES:
                name = f"{field}_{language}"
                unknown = sorted(set(PLACEHOLDER.findall(getattr(self, name, "") or "")) - set(variables))
                if unknown:
                    errors[name] = [
                        _("Undeclared variables: %(names)s.") % {"names": ", ".join("{" + u + "}" for u in unknown)}
                    ]
        if errors:
            raise ValidationError(errors)


class Notification(models.Model):
    """One message to one user on one channel: the outbox row the sender works from, and, on
    the in-app channel, the inbox item itself."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
        db_index=False,
    )
    event = models.SlugField(_("event"), max_length=64)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=2)
    title = models.CharField(_("title"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    # the real text of a message carrying a secret, encrypted (sealing.py); `body` has it masked
    sealed = models.TextField(_("sealed content"), blank=True, editable=False)
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    action_url = models.CharField(_("action URL"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    broadcast = models.ForeignKey(
        "Broadcast",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("broadcast"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "channel", "-created_at"], name="notification_inbox"),
            models.Index(
                fields=["next_attempt_at"],
                name="notification_due",
                condition=Q(status__in=["queued", "sending"]),
            ),
        ]

    def __str__(self):
        return f"{self.event} → {self.recipient_id} ({self.channel})"


class BroadcastStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class Broadcast(models.Model):
    """A promotional message to a segment of retailers, in ar/fr/en (modeltranslation fields),
    on the chosen channels; sent now or at `scheduled_at`, cancellable until it is sent."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(_("title"), max_length=200, blank=True)
    body = models.TextField(_("body"), max_length=1000, blank=True)
    channels = models.JSONField(_("channels"), default=list)
    # statuses, wilayas, business_types, segments (lists), balance_min, balance_max (strings)
    segment = models.JSONField(_("segment"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    scheduled_at = models.DateTimeField(_("scheduled at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=BroadcastStatus.choices, default=BroadcastStatus.DRAFT
    )
    recipient_count = models.PositiveIntegerField(_("recipient count"), null=True, blank=True)
    channel_counts = models.JSONField(_("recipients per channel"), default=dict, blank=True)
    # sent/failed/read counts of its rows the retention purge deleted (notifications_purge)
    purged_counts = models.JSONField(_("counts of purged rows"), default=dict, blank=True, editable=False)
    estimated_at = models.DateTimeField(_("estimated at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")
        ordering = ["-created_at", "-id"]
        permissions = [("send_broadcast", _("Can send or cancel a broadcast"))]
        indexes = [
            models.Index(fields=["scheduled_at"], name="broadcast_due", condition=Q(status="scheduled")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=BroadcastStatus.values), name="broadcast_status_valid"),
        ]

    def __str__(self):
        return self.title or str(self.pk)


class NotificationPreference(models.Model):
    """A user's choice for one category on one channel; no row means the default
    (everything on, except promotions by SMS, which is opt-in)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
        db_index=False,
    )
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    enabled = models.BooleanField(_("enabled"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "category", "channel"], name="notificationpreference_unique")
        ]

    def __str__(self):
        return f"{self.user_id} · {self.category} · {self.channel}: {self.enabled}"


class PushSubscription(models.Model):
    """A browser's web push subscription (the PWA's `PushSubscription.toJSON()`), for one user.
    Deactivated when the push service says it is gone (404/410)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="push_subscriptions",
        verbose_name=_("user"),
        db_index=False,
    )
    endpoint = models.URLField(_("endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(_("public key"), max_length=200)
    auth = models.CharField(_("authentication secret"), max_length=100)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "is_active"], name="pushsubscription_user")]

    def __str__(self):
        return f"{self.user_id} · {self.endpoint[:60]}"
