from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from livrili.accounts.models import Language
from livrili.api import fields as strict

from ..models import PLACEHOLDER, Category, Channel, Notification, NotificationTemplate, PushSubscription

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
