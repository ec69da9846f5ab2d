"""Analytics: the exports every report download leaves behind, and the alerts the periodic checks
raise from live data. The dashboard and the reports themselves are reads (`selectors.py`,
`reports/`) and store nothing."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from livrili.core.models import BaseModel
from livrili.core.storage import private_storage


class ReportType(models.TextChoices):
    SALES = "sales", _("Sales")
    CREDIT_AGING = "credit-aging", _("Credit aging")
    CASH_COLLECTION = "cash-collection", _("Cash collection")
    TAX = "tax", _("TVA")
    PRODUCT_PERFORMANCE = "product-performance", _("Product performance")
    STOCK_PREDICTIONS = "stock-predictions", _("Stock-out predictions")
    DEMAND_FORECAST = "demand-forecast", _("Demand forecast")
    RETAILER_ACTIVITY = "retailer-activity", _("Retailer activity")
    DRIVER_PERFORMANCE = "driver-performance", _("Driver performance")
    AUDIT = "audit", _("Audit trail")


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"
    PDF = "pdf", "PDF"


class ExportSource(models.TextChoices):
    API = "api", _("API")
    ADMIN = "admin", _("Back office")
    SCHEDULE = "schedule", _("Schedule")


class ExportStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


def _export_path(instance, filename: str) -> str:
    return f"report-exports/{instance.created_at:%Y/%m}/{filename}"


class ReportExport(BaseModel):
    """One report file produced (API or back office), kept with the parameters it was run with.
    The back office runs reports in the background: its rows are `running` (with a progress)
    until the file is stored, or `failed` with the reason."""

    report_type = models.CharField(_("report"), max_length=30, choices=ReportType.choices)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    format = models.CharField(_("format"), max_length=4, choices=ExportFormat.choices)
    file = models.FileField(_("file"), storage=private_storage, upload_to=_export_path, max_length=255, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    status = models.CharField(_("status"), max_length=8, choices=ExportStatus.choices, default=ExportStatus.DONE)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=100)
    error = models.CharField(_("error"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=ExportSource.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("report export")
        verbose_name_plural = _("report exports")
        permissions = [
            ("view_dashboard", _("Can view the analytics dashboard")),
            ("run_report", _("Can run and export reports")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(report_type__in=ReportType.values), name="report_export_type_valid"),
            models.CheckConstraint(condition=Q(format__in=ExportFormat.values), name="report_export_format_valid"),
            models.CheckConstraint(condition=Q(source__in=ExportSource.values), name="report_export_source_valid"),
            models.CheckConstraint(condition=Q(status__in=ExportStatus.values), name="report_export_status_valid"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_export_progress_percent"),
            models.CheckConstraint(  # a ready export always has its file
                condition=~Q(status=ExportStatus.DONE) | ~Q(file=""), name="report_export_done_has_file"
            ),
        ]

    def __str__(self):
        return f"{self.get_report_type_display()} ({self.format})"


class Frequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


class RunStatus(models.TextChoices):
    NEVER = "never", _("Never run")
    OK = "ok", _("Sent")
    FAILED = "failed", _("Failed")


class ReportSchedule(BaseModel):
    """A report e-mailed to `recipients` every day, week (Sunday) or month (the 1st) at 06:00
    local time, over the period just ended, in `language`. Its django-celery-beat task is
    created and deleted with it (`analytics.services`)."""

    report_type = models.CharField(_("report"), max_length=30, choices=ReportType.choices)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    format = models.CharField(_("format"), max_length=4, choices=ExportFormat.choices)
    frequency = models.CharField(_("frequency"), max_length=7, choices=Frequency.choices)
    recipients = models.JSONField(_("recipients"), default=list)
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES)
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("periodic task"),
    )
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    last_status = models.CharField(_("last status"), max_length=6, choices=RunStatus.choices, default=RunStatus.NEVER)
    last_error = models.TextField(_("last error"), blank=True)
    last_export = models.ForeignKey(
        ReportExport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("last file")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("report schedule")
        verbose_name_plural = _("report schedules")
        constraints = [
            models.CheckConstraint(condition=Q(report_type__in=ReportType.values), name="report_schedule_type_valid"),
            models.CheckConstraint(condition=Q(format__in=ExportFormat.values), name="report_schedule_format_valid"),
            models.CheckConstraint(condition=Q(frequency__in=Frequency.values), name="report_schedule_frequency_valid"),
            models.CheckConstraint(condition=Q(last_status__in=RunStatus.values), name="report_schedule_status_valid"),
        ]

    def __str__(self):
        return f"{self.get_report_type_display()} ({self.get_frequency_display()})"


class AlertType(models.TextChoices):
    LOW_STOCK = "low_stock", _("Low stock")
    STOCKOUT_RISK = "stockout_risk", _("Stock-out risk")
    CREDIT_OVER_LIMIT = "credit_over_limit", _("Credit over limit")
    DELIVERY_FAILED = "delivery_failed", _("Delivery failed")
    LICENSE_EXPIRING = "license_expiring", _("Driver licence expiring")
    INVOICE_OVERDUE = "invoice_overdue", _("Invoice overdue")
    HANDOVER_DISCREPANCY = "handover_discrepancy", _("Cash handover discrepancy")


class Severity(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    WARNING = "warning", _("Warning")
    INFO = "info", _("Info")


class Alert(BaseModel):
    """A condition found in live data. `key` names the condition (type + object); while an alert
    is unresolved no second one with its key can exist (the deduplication is a constraint)."""

    type = models.CharField(_("type"), max_length=20, choices=AlertType.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    key = models.CharField(_("key"), max_length=120)
    object_type = models.CharField(_("object type"), max_length=50)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    data = models.JSONField(_("figures"), default=dict, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True, db_index=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=Q(resolved_at__isnull=True), name="alert_open_key_unique"
            ),
            models.CheckConstraint(condition=Q(type__in=AlertType.values), name="alert_type_valid"),
            models.CheckConstraint(condition=Q(severity__in=Severity.values), name="alert_severity_valid"),
        ]

    def __str__(self):
        return f"{self.get_type_display()}: {self.object_repr}"
