"""Analytics writes: the record of every report file produced, and the alerts."""

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation

from livrili.accounts.models import User
from notifications.services import notify

from .alerts import AUDIENCE, CHECKS, alert_message
from .models import Alert, AlertType, ReportExport
from .rendering import render
from .selectors.reports import Report


def _jsonable(value):
    if isinstance(value, bool | int | str) or value is None:
        return value
    return str(value)


@transaction.atomic
def report_export(*, report: Report, file_format: str, actor, source: str) -> tuple[ReportExport, bytes]:
    """Render `report` as `file_format` and keep the file with what it was run with (who, when,
    parameters, language, rows); returns the record and the file's bytes."""
    content = render(report, file_format)
    parameters = {key: _jsonable(value) for key, value in report.parameters.items()}
    if report.period is not None:
        parameters |= {"date_from": report.period.start.isoformat(), "date_to": report.period.end.isoformat()}
    parameters["language"] = translation.get_language() or ""
    export = ReportExport(
        report_type=report.type,
        parameters=parameters,
        format=file_format,
        size=len(content),
        row_count=len(report.rows),
        source=source,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    export.created_at = timezone.now()
    export.file.save(export_filename(report, file_format, export.created_at), ContentFile(content), save=False)
    export.save()
    return export, content


def export_filename(report: Report, file_format: str, moment) -> str:
    span = f"_{report.period.start:%Y%m%d}-{report.period.end:%Y%m%d}" if report.period else ""
    return f"{report.type}{span}_{timezone.localtime(moment):%Y%m%d%H%M%S}.{file_format}"


# --- Alerts -----------------------------------------------------------------------------------


@transaction.atomic
def alerts_raise(*, types=None) -> dict:
    """Run the checks (`analytics.alerts.CHECKS`, all or `types`): open an alert for each
    condition that has no open one (the open key is unique in the database, so two runs at once
    cannot duplicate), resolve the open alerts whose condition no longer holds, and tell the
    staff who handle each type (`notify`, after commit). Returns {type: [opened, resolved]}."""
    now = timezone.now()
    summary = {}
    for alert_type in types or CHECKS:
        conditions = {condition.key: condition for condition in CHECKS[alert_type]()}
        open_alerts = Alert.objects.filter(type=alert_type, resolved_at__isnull=True)
        resolved = open_alerts.exclude(key__in=list(conditions)).update(resolved_at=now, updated_at=now)
        known = set(open_alerts.filter(key__in=list(conditions)).values_list("key", flat=True))
        fresh = [
            Alert(
                type=c.type,
                severity=c.severity,
                key=c.key,
                object_type=c.object_type,
                object_id=c.object_id,
                object_repr=c.object_repr,
                data=c.data,
            )
            for key, c in conditions.items()
            if key not in known
        ]
        Alert.objects.bulk_create(fresh, ignore_conflicts=True)
        opened = list(Alert.objects.filter(type=alert_type, resolved_at__isnull=True, created_at__gte=now))
        summary[alert_type] = [len(opened), resolved]
        if opened:
            staff = list(User.objects.with_perm(AUDIENCE[alert_type]).filter(is_active=True))
            for alert in opened:
                _alert_notify(alert, staff)
    return summary


def _alert_notify(alert: Alert, staff: list) -> None:
    # Low stock has its system template; the other types go through one generic staff template,
    # "analytics_alert" (title, message), owned by notifications (docs/decisions.md, Analytics).
    data = {"alert_id": str(alert.pk), "object_type": alert.object_type, "object_id": alert.object_id}
    if alert.type == AlertType.LOW_STOCK:
        context = {"sku": alert.data["sku"], "product_name": alert.object_repr, "stock_quantity": alert.data["stock"]}
        notify("low_stock", staff, context, data=data)
    else:
        notify(
            "analytics_alert", staff, {"title": alert.get_type_display(), "message": alert_message(alert)}, data=data
        )


def alert_read(*, alert: Alert, actor) -> Alert:
    """Mark an alert read (once: a second read keeps the first reader and time)."""
    Alert.objects.filter(pk=alert.pk, read_at__isnull=True).update(
        read_at=timezone.now(), read_by=actor, updated_at=timezone.now()
    )
    alert.refresh_from_db()
    return alert


@transaction.atomic
def alert_resolve(*, alert: Alert, actor) -> Alert:
    """Resolve an alert (and read it). Resolving a resolved alert changes nothing; if its
    condition still holds, the next check opens a new one."""
    now = timezone.now()
    Alert.objects.filter(pk=alert.pk, read_at__isnull=True).update(read_at=now, read_by=actor)
    Alert.objects.filter(pk=alert.pk, resolved_at__isnull=True).update(
        resolved_at=now, resolved_by=actor, updated_at=now
    )
    alert.refresh_from_db()
    return alert
