"""Back office: templates (edited with a preview in every language; system templates cannot be
deleted) and the outbox log, read-only (status, attempts, last error)."""

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TabbedTranslationAdmin

from livrili.core.admin import ReadOnlyAdmin

from .models import LANGUAGES, Broadcast, Notification, NotificationTemplate, PushSubscription
from .rendering import render
from .services import notifications_retry


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(TabbedTranslationAdmin):
    list_display = ("event", "channel", "category", "is_system", "is_active", "updated_at")
    list_filter = ("channel", "category", "is_system", "is_active")
    search_fields = ("event", "subject_ar", "subject_fr", "subject_en")
    fields = ("event", "channel", "category", "variables", "subject", "body", "is_active", "is_system", "preview")
    readonly_fields = ("is_system", "preview")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_system:  # the domain code provides exactly these variables
            return (*self.readonly_fields, "event", "channel", "variables")
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.is_system)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # would bypass the system-template guard
        return actions

    @admin.display(description=_("preview"))
    def preview(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        sample = {name: "{" + name + "}" for name in obj.variables}
        rows = []
        for language in LANGUAGES:
            rendered = render(obj, language, sample)
            direction = "rtl" if rendered.language == "ar" else "ltr"
            rows.append((language, rendered.language, direction, rendered.subject, rendered.body))
        return format_html(
            "<table>{}</table>",
            format_html_join(
                "",
                '<tr><th>{}</th><td>{}</td><td dir="{}"><strong>{}</strong><br>{}</td></tr>',
                rows,
            ),
        )


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "recipient", "event", "channel", "language", "status", "attempts", "sent_at")
    list_filter = ("status", "channel", "category", "event")
    search_fields = ("recipient__username", "recipient__email", "recipient__phone", "event", "title")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    fields = (
        "recipient",
        "event",
        "category",
        "channel",
        "language",
        "title",
        "body",
        "data",
        "action_url",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "sent_at",
        "read_at",
        "created_at",
    )
    readonly_fields = fields
    actions = ["send_again"]

    def has_send_permission(self, request):
        return request.user.has_perm("notifications.change_notification")

    @admin.action(description=_("Send the failed ones again"), permissions=["send"])
    def send_again(self, request, queryset):
        ids = notifications_retry(notification_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext("%(count)d notification queued again.", "%(count)d notifications queued again.", len(ids))
            % {"count": len(ids)},
            messages.SUCCESS,
        )


@admin.register(PushSubscription)
class PushSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("user", "user_agent", "is_active", "last_error", "created_at", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("user__username", "user__email", "user__phone")
    list_select_related = ("user",)
    fields = ("user", "endpoint", "user_agent", "is_active", "last_error", "created_at", "updated_at")
    readonly_fields = fields


@admin.register(Broadcast)
class BroadcastAdmin(ReadOnlyAdmin):
    """Prepared, estimated, sent and cancelled through the API (`broadcasts`); listed here."""

    list_display = ("__str__", "status", "scheduled_at", "recipient_count", "sent_at", "created_by", "created_at")
    list_filter = ("status",)
    search_fields = ("title_ar", "title_fr", "title_en", "body_ar", "body_fr", "body_en")
    list_select_related = ("created_by",)
    fields = (
        "title_ar",
        "title_fr",
        "title_en",
        "body_ar",
        "body_fr",
        "body_en",
        "channels",
        "segment",
        "scheduled_at",
        "status",
        "recipient_count",
        "channel_counts",
        "estimated_at",
        "sent_at",
        "cancelled_at",
        "created_by",
        "created_at",
    )
    readonly_fields = fields
