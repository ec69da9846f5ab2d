from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from livrili.accounts.models import Language
from livrili.api import fields as strict
from livrili.core.models import Wilaya

from ..models import PLACEHOLDER, Broadcast, Category, Channel, Notification, NotificationTemplate, PushSubscription

# --- Inbox --------------------------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "event", "category", "title", "body", "data", "action_url", "is_read", "read_at", "created_at"]

    def get_is_read(self, notification) -> bool:
        return notification.read_at is not None


class UnreadCountSerializer(serializers.Serializer):
    unread_count = serializers.IntegerField()


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField()
    unread_count = serializers.IntegerField()


class InboxFilterSerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, allow_null=True, default=None)


# --- Preferences --------------------------------------------------------------------------


class PreferenceSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    enabled = serializers.BooleanField()
    locked = serializers.BooleanField(read_only=True)


class PreferencesSerializer(serializers.Serializer):
    preferences = PreferenceSerializer(many=True)


class PreferencesUpdateSerializer(serializers.Serializer):
    preferences = PreferenceSerializer(many=True, max_length=len(Category.values) * len(Channel.values))


# --- Templates (staff) --------------------------------------------------------------------

TEXT_FIELDS = [f"{field}_{lang}" for field in ("subject", "body") for lang in ("ar", "fr", "en")]


class VariableField(strict.CharField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not PLACEHOLDER.fullmatch("{" + value + "}"):
            raise serializers.ValidationError(_("Use letters, digits and underscores."))
        return value


class TemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = NotificationTemplate
        fields = [
            "id",
            "event",
            "channel",
            "category",
            *TEXT_FIELDS,
            "variables",
            "is_system",
            "is_active",
            "created_at",
            "updated_at",
        ]


class TemplateWriteFields(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    subject_ar = strict.CharField(max_length=200, required=False, allow_blank=True)
    subject_fr = strict.CharField(max_length=200, required=False, allow_blank=True)
    subject_en = strict.CharField(max_length=200, required=False, allow_blank=True)
    body_ar = strict.TextField(max_length=2000, required=False, allow_blank=True)
    body_fr = strict.TextField(max_length=2000, required=False, allow_blank=True)
    body_en = strict.TextField(max_length=2000, required=False, allow_blank=True)
    variables = serializers.ListField(child=VariableField(max_length=50), required=False, max_length=30)
    is_active = serializers.BooleanField(required=False)


class TemplateCreateSerializer(TemplateWriteFields):
    event = strict.SlugField(max_length=64)
    channel = serializers.ChoiceField(choices=Channel.choices)


class TemplateUpdateSerializer(TemplateWriteFields):
    pass


class PreviewSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=Language.choices, required=False, default=Language.AR)
    context = serializers.DictField(child=strict.CharField(max_length=500, allow_blank=True), required=False)


class PreviewResultSerializer(serializers.Serializer):
    language = serializers.CharField()
    subject = serializers.CharField()
    body = serializers.CharField()
    html = serializers.CharField()


# --- Push subscriptions -------------------------------------------------------------------


class PushKeysSerializer(serializers.Serializer):
    p256dh = strict.RegexField(r"^[A-Za-z0-9_-]+=*$", max_length=200)
    auth = strict.RegexField(r"^[A-Za-z0-9_-]+=*$", max_length=100)


class PushSubscriptionCreateSerializer(serializers.Serializer):
    """The browser's `PushSubscription.toJSON()`: `{endpoint, expirationTime, keys: {p256dh, auth}}`."""

    endpoint = strict.RegexField(r"^https://\S+$", max_length=1000)
    # milliseconds since the epoch (ignored: the push service says when it is gone)
    expirationTime = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=2**53)
    keys = PushKeysSerializer()


class PushSubscriptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PushSubscription
        fields = ["id", "endpoint", "is_active", "created_at", "updated_at"]


# --- Broadcasts (staff) -------------------------------------------------------------------

BROADCAST_TEXT_FIELDS = [f"{field}_{lang}" for field in ("title", "body") for lang in ("ar", "fr", "en")]


class SegmentSerializer(serializers.Serializer):
    """Every criterion given must match; a list matches any of its values; none: every retailer."""

    statuses = serializers.ListField(child=strict.SlugField(max_length=20), required=False, max_length=10)
    wilayas = serializers.ListField(child=strict.CharField(max_length=2), required=False, max_length=58)
    business_types = serializers.ListField(child=strict.SlugField(max_length=20), required=False, max_length=20)
    segments = serializers.ListField(child=strict.CharField(max_length=50), required=False, max_length=20)
    balance_min = strict.MoneyField(required=False, allow_null=True)
    balance_max = strict.MoneyField(required=False, allow_null=True)

    def validate_wilayas(self, codes):
        unknown = sorted(set(codes) - set(Wilaya.objects.filter(code__in=codes).values_list("code", flat=True)))
        if unknown:
            raise serializers.ValidationError(_("Unknown wilaya codes: %(codes)s.") % {"codes": ", ".join(unknown)})
        return codes

    def validate(self, attrs):
        low, high = attrs.get("balance_min"), attrs.get("balance_max")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"balance_max": [_("The maximum balance is below the minimum.")]})
        return attrs


class BroadcastCreateSerializer(serializers.Serializer):
    title_ar = strict.CharField(max_length=200, required=False, allow_blank=True)
    title_fr = strict.CharField(max_length=200, required=False, allow_blank=True)
    title_en = strict.CharField(max_length=200, required=False, allow_blank=True)
    body_ar = strict.TextField(max_length=1000, required=False, allow_blank=True)
    body_fr = strict.TextField(max_length=1000, required=False, allow_blank=True)
    body_en = strict.TextField(max_length=1000, required=False, allow_blank=True)
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), min_length=1, max_length=len(Channel.values)
    )
    segment = SegmentSerializer(required=False)
    scheduled_at = serializers.DateTimeField(required=False, allow_null=True)

    def validate_channels(self, channels):
        return sorted(set(channels), key=Channel.values.index)

    def validate(self, attrs):
        if not any(attrs.get(f"body_{lang}") for lang in ("ar", "fr", "en")):
            raise serializers.ValidationError({"body_ar": [_("Write the message in at least one language.")]})
        return attrs


class BroadcastSerializer(serializers.ModelSerializer):
    sent_count = serializers.SerializerMethodField()
    failed_count = serializers.SerializerMethodField()
    read_count = serializers.SerializerMethodField()
    channel_counts = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    segment = SegmentSerializer(read_only=True)

    class Meta:
        model = Broadcast
        fields = [
            "id",
            *BROADCAST_TEXT_FIELDS,
            "channels",
            "segment",
            "scheduled_at",
            "status",
            "recipient_count",
            "channel_counts",
            "estimated_at",
            "sent_count",
            "failed_count",
            "read_count",
            "sent_at",
            "cancelled_at",
            "created_at",
            "updated_at",
        ]

    # counted from its rows (broadcast_list) plus those the retention purge deleted

    def get_sent_count(self, broadcast) -> int:
        return broadcast.sent_count + broadcast.purged_counts.get("sent", 0)

    def get_failed_count(self, broadcast) -> int:
        return broadcast.failed_count + broadcast.purged_counts.get("failed", 0)

    def get_read_count(self, broadcast) -> int:
        return broadcast.read_count + broadcast.purged_counts.get("read", 0)
