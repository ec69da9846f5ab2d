"""Back office: the admin home is the operator dashboard (`templates/admin/analytics/index.html`,
figures from `templatetags/analytics_dashboard.py`); reports are run from the exports' list in
the background (`report_export_start`, recorded with source "back office"), the operator
follows the run's progress on its page, and each recorded file can be downloaded again."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from livrili.core.admin import ReadOnlyAdmin

from .alerts import alert_message
from .models import Alert, ExportFormat, ExportStatus, ReportExport, ReportSchedule, ReportType
from .periods import PERIOD_DAYS, period_from
from .rendering import CONTENT_TYPES
from .reports import REPORTS
from .services import alert_read, alert_resolve, report_export_start, report_schedule_delete

# While a run is under way its page reloads itself every few seconds (no script needed).
PROGRESS_REFRESH_SECONDS = 2

admin.site.index_template = "admin/analytics/index.html"

PERIOD_CHOICES = [("7d", _("7 days")), ("30d", _("30 days")), ("90d", _("90 days")), ("12m", _("12 months"))]


class RunReportForm(forms.Form):
    report_type = forms.ChoiceField(
        label=_("Report"), choices=[(value, label) for value, label in ReportType.choices if value in REPORTS]
    )
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, initial="30d")
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    file_format = forms.ChoiceField(label=_("Format"), choices=ExportFormat.choices, initial=ExportFormat.XLSX)

    def clean(self):
        data = super().clean()
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if bool(date_from) != bool(date_to):
            raise forms.ValidationError(_("Give both dates of the range."))
        if date_from and date_from > date_to:
            raise forms.ValidationError(_("The end date is before the start date."))
        return data


@admin.register(ReportExport)
class ReportExportAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at", "report_type", "format", "status", "row_count", "size", "source", "created_by", "download"
    )  # fmt: skip
    list_filter = ("report_type", "format", "status", "source")
    list_select_related = ("created_by",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "report_type", "parameters", "format", "status", "progress", "error", "size", "row_count", "source",
        "created_by", "created_at",
    )  # fmt: skip
    exclude = ("file",)

    @admin.display(description=_("file"))
    def download(self, export):
        if export.status == ExportStatus.DONE:
            url = reverse("admin:analytics_reportexport_download", args=[export.pk])
            return format_html('<a href="{}">{}</a>', url, _("Download"))
        url = reverse("admin:analytics_reportexport_progress", args=[export.pk])
        return format_html('<a href="{}">{}</a>', url, export.get_status_display())

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("run/", view(self.run_view), name="analytics_reportexport_run"),
            path("<uuid:pk>/download/", view(self.download_view), name="analytics_reportexport_download"),
            path("<uuid:pk>/progress/", view(self.progress_view), name="analytics_reportexport_progress"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_run": request.user.has_perm("analytics.run_report")}
        return super().changelist_view(request, extra_context)

    @staticmethod
    def readable_export(request, pk, **lookup) -> ReportExport:
        """An export for who may read every export, or for its own runner (who may run reports
        without reading the others')."""
        export = get_object_or_404(ReportExport, pk=pk, **lookup)
        user = request.user
        own = export.created_by_id == user.pk and user.has_perm("analytics.run_report")
        if not (own or user.has_perm("analytics.view_reportexport")):
            raise PermissionDenied
        return export

    def download_view(self, request, pk):
        export = self.readable_export(request, pk, status=ExportStatus.DONE)
        return FileResponse(
            export.file.open("rb"),
            as_attachment=True,
            filename=export.file.name.rsplit("/", 1)[-1],
            content_type=CONTENT_TYPES[export.format],
        )

    def run_view(self, request):
        if not request.user.has_perm("analytics.run_report"):
            raise PermissionDenied
        form = RunReportForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            data = form.cleaned_data
            period = period_from(
                period=data["period"] if data["period"] in PERIOD_DAYS else None,
                date_from=data.get("date_from"),
                date_to=data.get("date_to"),
            )
            export = report_export_start(
                report_type=data["report_type"], period=period, file_format=data["file_format"], actor=request.user
            )
            return redirect("admin:analytics_reportexport_progress", export.pk)
        return TemplateResponse(
            request,
            "admin/analytics/reportexport/run.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Run a report"),
                "form": form,
                "opts": self.model._meta,
            },
        )

    def progress_view(self, request, pk):
        export = self.readable_export(request, pk)
        running = export.status == ExportStatus.RUNNING
        return TemplateResponse(
            request,
            "admin/analytics/reportexport/progress.html",
            {
                **self.admin_site.each_context(request),
                "title": export.get_report_type_display(),
                "export": export,
                "running": running,
                "refresh_seconds": PROGRESS_REFRESH_SECONDS if running else None,
                "opts": self.model._meta,
            },
        )


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "severity", "type", "object_repr", "message", "read_at", "resolved_at")
    list_filter = (
        "type",
        "severity",
        ("resolved_at", admin.EmptyFieldListFilter),
        ("read_at", admin.EmptyFieldListFilter),
    )
    search_fields = ("object_repr", "key")
    date_hierarchy = "created_at"
    actions = ["mark_read", "resolve"]
    readonly_fields = (
        "type",
        "severity",
        "message",
        "object_type",
        "object_repr",
        "data",
        "created_at",
        "read_at",
        "resolved_at",
    )
    exclude = ("key", "object_id", "read_by", "resolved_by")

    @admin.display(description=_("message"))
    def message(self, alert):
        return alert_message(alert)

    def has_change_permission(self, request, obj=None):
        # the actions need it; the form itself stays read-only (readonly_fields)
        return request.user.has_perm("analytics.change_alert")

    @admin.action(description=_("Mark the selected alerts read"), permissions=["view"])
    def mark_read(self, request, queryset):
        for alert in queryset:
            alert_read(alert=alert, actor=request.user)
        self.message_user(request, _("%(count)d alerts marked read.") % {"count": len(queryset)})

    @admin.action(description=_("Resolve the selected alerts"), permissions=["change"])
    def resolve(self, request, queryset):
        for alert in queryset:
            alert_resolve(alert=alert, actor=request.user)
        self.message_user(request, _("%(count)d alerts resolved.") % {"count": len(queryset)})


@admin.register(ReportSchedule)
class ReportScheduleAdmin(ReadOnlyAdmin):
    """Schedules are created through the API (`report-schedules`), which writes the beat task
    with them; here they are listed with their last run, and deleted with their task."""

    list_display = ("report_type", "frequency", "format", "language", "last_run_at", "last_status", "created_by")
    list_filter = ("report_type", "frequency", "last_status")
    list_select_related = ("created_by",)
    readonly_fields = (
        "report_type",
        "parameters",
        "format",
        "frequency",
        "recipients",
        "language",
        "last_run_at",
        "last_status",
        "last_error",
        "created_by",
        "created_at",
    )
    exclude = ("periodic_task", "last_export")

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("analytics.delete_reportschedule")

    def delete_model(self, request, obj):
        report_schedule_delete(schedule=obj)

    def delete_queryset(self, request, queryset):
        for schedule in queryset:
            report_schedule_delete(schedule=schedule)
