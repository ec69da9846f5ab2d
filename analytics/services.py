"""Analytics writes: the record of every report file produced, and the alerts."""

import json
import logging
from datetime import date, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from livrili.accounts.models import User
from livrili.core.errors import DomainError
from notifications.services import notify

from .alerts import AUDIENCE, CHECKS, alert_message
from .models import (
    Alert,
    AlertType,
    ExportSource,
    ExportStatus,
    Frequency,
    ReportExport,
    ReportSchedule,
    RunStatus,
)
from .periods import Period, today
from .rendering import CONTENT_TYPES, render
from .reports import report_build
from .selectors.reports import Report

logger = logging.getLogger("livrili.analytics")
# A background export's progress (%) once its rows are read and once its file is written.
PROGRESS_STARTED, PROGRESS_BUILT, PROGRESS_RENDERED = 5, 40, 90
# A background run older than this lost its worker (the largest report takes well under a minute).
EXPORT_RUN_TIMEOUT = timedelta(hours=1)


def _jsonable(value):
    if isinstance(value, bool | int | str) or value is None:
        return value
    return str(value)


def _creator(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _store(export: ReportExport, report: Report, content: bytes) -> None:
    export.size, export.row_count = len(content), len(report.rows)
    export.status, export.progress, export.error = ExportStatus.DONE, 100, ""
    export.file.save(export_filename(report, export.format, export.created_at), ContentFile(content), save=False)
    export.save()


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
        report_type=report.type, parameters=parameters, format=file_format, source=source, created_by=_creator(actor)
    )
    export.created_at = timezone.now()
    _store(export, report, content)
    return export, content


@transaction.atomic
def report_export_start(*, report_type: str, period: Period, file_format: str, actor) -> ReportExport:
    """A back-office export, recorded as running and computed in the background (a Celery task;
    at once where Celery runs eagerly): the operator follows its progress on its page."""
    from .reports import REPORTS
    from .tasks import run_report_export

    parameters = {"language": translation.get_language() or ""}
    if REPORTS[report_type][1]:  # the report reads a period
        parameters |= {"date_from": period.start.isoformat(), "date_to": period.end.isoformat()}
    export = ReportExport.objects.create(
        report_type=report_type,
        parameters=parameters,
        format=file_format,
        source=ExportSource.ADMIN,
        created_by=_creator(actor),
        status=ExportStatus.RUNNING,
        progress=0,
    )
    transaction.on_commit(lambda: run_report_export.delay(str(export.pk)))
    return export


def report_export_run(*, export_id) -> str:
    """The background half of `report_export_start`: read, render and store, the progress saved
    after each step (each update commits on its own, so the export's page sees it at once)."""
    export = ReportExport.objects.filter(pk=export_id, status=ExportStatus.RUNNING).first()
    if export is None:  # finished already (a task delivered twice) or gone
        return "skipped"
    running = ReportExport.objects.filter(pk=export.pk, status=ExportStatus.RUNNING)
    parameters = export.parameters
    with translation.override(parameters.get("language") or settings.LANGUAGE_CODE):
        try:
            running.update(progress=PROGRESS_STARTED)
            period = None
            if "date_from" in parameters:
                period = Period(date.fromisoformat(parameters["date_from"]), date.fromisoformat(parameters["date_to"]))
            report = report_build(export.report_type, period=period)
            running.update(progress=PROGRESS_BUILT)
            content = render(report, export.format)
            running.update(progress=PROGRESS_RENDERED)
            with transaction.atomic():
                export = ReportExport.objects.select_for_update().get(pk=export.pk)
                if export.status != ExportStatus.RUNNING:  # re-checked under the lock
                    return "skipped"
                _store(export, report, content)
            return "done"
        except DomainError as exc:  # too many rows for the format, PDF unavailable on this server
            reasons = [str(message) for messages in exc.details.values() for message in messages]
            error = " ".join(reasons) if exc.code == "VALIDATION_ERROR" and reasons else str(exc.message)
        except Exception:  # recorded for the operator; the trace goes to the log
            logger.exception("report export %s failed", export.pk)
            error = _("The report could not be computed. Try again or choose another format.")
    running.update(status=ExportStatus.FAILED, error=error[:300])
    return "failed"


def report_exports_sweep(*, now=None) -> int:
    """Record as failed the background runs still `running` past EXPORT_RUN_TIMEOUT (their worker
    died or their task was lost): their page stops waiting. Returns how many."""
    cutoff = (now or timezone.now()) - EXPORT_RUN_TIMEOUT
    swept = 0
    for export in ReportExport.objects.filter(status=ExportStatus.RUNNING, created_at__lt=cutoff):
        with translation.override(export.parameters.get("language") or settings.LANGUAGE_CODE):
            error = str(_("The run was interrupted. Run the report again."))
        # conditional: a run that ends meanwhile keeps its file
        swept += ReportExport.objects.filter(pk=export.pk, status=ExportStatus.RUNNING).update(
            status=ExportStatus.FAILED, error=error
        )
    return swept


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
    # Low stock has its system template; the other types go through the generic staff template
    # "analytics_alert" (title, message), owned by notifications, whose title and message are
    # composed here in each recipient's language (one notify per language).
    data = {"alert_id": str(alert.pk), "object_type": alert.object_type, "object_id": alert.object_id}
    if alert.type == AlertType.LOW_STOCK:
        context = {"sku": alert.data["sku"], "product_name": alert.object_repr, "stock_quantity": alert.data["stock"]}
        notify("low_stock", staff, context, data=data)
        return
    by_language: dict[str, list] = {}
    for user in staff:
        by_language.setdefault(user.preferred_language or settings.LANGUAGE_CODE, []).append(user)
    for language, users in sorted(by_language.items()):
        with translation.override(language):
            context = {"title": str(alert.get_type_display()), "message": alert_message(alert)}
        notify("analytics_alert", users, context, data=data)


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


# --- Scheduled reports ------------------------------------------------------------------------

SCHEDULE_TASK = "analytics.tasks.run_report_schedule"
# 06:00 local: daily; weekly on Sunday (the first working day); monthly on the 1st.
CRONTABS = {
    Frequency.DAILY: {"day_of_week": "*", "day_of_month": "*"},
    Frequency.WEEKLY: {"day_of_week": "0", "day_of_month": "*"},
    Frequency.MONTHLY: {"day_of_week": "*", "day_of_month": "1"},
}


@transaction.atomic
def report_schedule_create(
    *, actor, report_type: str, frequency: str, file_format: str, recipients: list[str], language: str, parameters=None
) -> ReportSchedule:
    """A schedule and its beat task (crontab at 06:00 Africa/Algiers), written together."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    schedule = ReportSchedule.objects.create(
        report_type=report_type,
        frequency=frequency,
        format=file_format,
        recipients=recipients,
        language=language,
        parameters=parameters or {},
        created_by=actor,
    )
    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute="0", hour="6", month_of_year="*", timezone="Africa/Algiers", **CRONTABS[frequency]
    )
    schedule.periodic_task = PeriodicTask.objects.create(
        name=f"report-schedule-{schedule.pk}", task=SCHEDULE_TASK, crontab=crontab, args=json.dumps([str(schedule.pk)])
    )
    schedule.save(update_fields=["periodic_task", "updated_at"])
    return schedule


@transaction.atomic
def report_schedule_delete(*, schedule: ReportSchedule) -> None:
    """The schedule and its beat task go together; the files it produced stay recorded."""
    task = schedule.periodic_task
    schedule.delete()
    if task is not None:
        task.delete()


def schedule_period(frequency: str, day) -> Period:
    """The period a run on `day` reports on: the day before, the 7 days before, or the
    calendar month before."""
    yesterday = day - timedelta(days=1)
    if frequency == Frequency.DAILY:
        return Period(yesterday, yesterday)
    if frequency == Frequency.WEEKLY:
        return Period(day - timedelta(days=7), yesterday)
    return Period(yesterday.replace(day=1), yesterday)


def report_schedule_run(*, schedule_id) -> str:
    """Produce the schedule's file for the period just ended, record it, e-mail it to the
    recipients in the schedule's language, and record the run's time and outcome."""
    schedule = ReportSchedule.objects.filter(pk=schedule_id).first()
    if schedule is None:
        return "missing"
    period = schedule_period(schedule.frequency, today())
    try:
        with translation.override(schedule.language):
            report = report_build(schedule.report_type, period=period, **schedule.parameters)
            export, content = report_export(
                report=report, file_format=schedule.format, actor=schedule.created_by, source=ExportSource.SCHEDULE
            )
            subject = _("%(report)s, %(start)s – %(end)s") % {
                "report": report.title,
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
            }
            message = EmailMessage(
                subject=str(subject),
                body=str(_("The report is attached (%(rows)s rows).") % {"rows": len(report.rows)}),
                to=schedule.recipients,
            )
            message.attach(
                export_filename(report, schedule.format, export.created_at), content, CONTENT_TYPES[schedule.format]
            )
            message.send()
    except Exception as exc:  # noqa: BLE001 - any failure is the run's recorded outcome
        ReportSchedule.objects.filter(pk=schedule.pk).update(
            last_run_at=timezone.now(),
            last_status=RunStatus.FAILED,
            last_error=str(exc)[:1000],
            updated_at=timezone.now(),
        )
        return RunStatus.FAILED
    ReportSchedule.objects.filter(pk=schedule.pk).update(
        last_run_at=timezone.now(),
        last_status=RunStatus.OK,
        last_error="",
        last_export=export,
        updated_at=timezone.now(),
    )
    return RunStatus.OK
