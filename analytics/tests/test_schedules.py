"""Scheduled reports: the schedule and its beat task written together, each run e-mails the
file of the period just ended in the schedule's language and records its outcome."""

from datetime import date

import pytest
from django.core import mail
from django_celery_beat.models import PeriodicTask

from analytics.models import ReportExport, ReportSchedule
from analytics.periods import Period
from analytics.services import schedule_period
from analytics.tasks import run_report_schedule
from livrili.core.testing.assertions import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance(make_user, client_for):
    perms = ["analytics.view_reportschedule", "analytics.add_reportschedule", "analytics.delete_reportschedule"]
    return client_for(make_user(role="admin", perms=perms))


BODY = {
    "report_type": "sales",
    "frequency": "weekly",
    "format": "csv",
    "recipients": ["direction@example.dz", "compta@example.dz"],
    "language": "fr",
    "parameters": {"by": "wilaya", "interval": "day"},
}


def test_a_schedule_is_created_with_its_weekly_beat_task(finance):
    response = finance.post("/api/v1/report-schedules", BODY, format="json")

    assert response.status_code == 201
    data = response.json()["data"]
    assert (data["frequency"], data["last_status"], data["parameters"]) == (
        "weekly",
        "never",
        {"by": "wilaya", "interval": "day"},
    )
    schedule = ReportSchedule.objects.get()
    task = schedule.periodic_task
    assert task.task == "analytics.tasks.run_report_schedule" and task.args == f'["{schedule.pk}"]'
    crontab = task.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_week, crontab.day_of_month, str(crontab.timezone)) == (
        "0",
        "6",
        "0",
        "*",
        "Africa/Algiers",
    )

    assert finance.delete(f"/api/v1/report-schedules/{schedule.pk}").status_code == 204
    assert not ReportSchedule.objects.exists() and not PeriodicTask.objects.filter(pk=task.pk).exists()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"recipients": ["not-an-email"]}, "recipients"),
        ({"recipients": []}, "recipients"),
        ({"report_type": "receivables"}, "report_type"),
        ({"parameters": {"days": 30}}, "parameters"),
        ({"parameters": {"by": "city"}}, "parameters"),
        ({"format": "json"}, "format"),
    ],
)
def test_a_bad_schedule_is_refused_and_nothing_is_written(finance, change, field):
    response = finance.post("/api/v1/report-schedules", {**BODY, **change}, format="json")
    assert_error(response, 400, "VALIDATION_ERROR")
    assert any(key.split(".")[0] == field for key in response.json()["details"])
    assert not ReportSchedule.objects.exists() and not PeriodicTask.objects.filter(name__startswith="report").exists()


def test_periods_of_each_frequency():
    run = date(2026, 3, 1)  # a Sunday, the 1st
    assert schedule_period("daily", run) == Period(date(2026, 2, 28), date(2026, 2, 28))
    assert schedule_period("weekly", run) == Period(date(2026, 2, 22), date(2026, 2, 28))
    assert schedule_period("monthly", run) == Period(date(2026, 2, 1), date(2026, 2, 28))


def test_a_run_mails_the_file_in_the_schedules_language_and_records_it(finance, make_dataset):
    make_dataset(orders=20)
    finance.post("/api/v1/report-schedules", {**BODY, "format": "xlsx"}, format="json")
    schedule = ReportSchedule.objects.get()

    assert run_report_schedule(str(schedule.pk)) == "ok"

    [message] = mail.outbox
    assert message.to == BODY["recipients"]
    assert message.subject.startswith("Ventes, ")
    [(filename, content, mimetype)] = message.attachments
    assert filename.endswith(".xlsx") and mimetype.startswith("application/vnd.openxmlformats")
    export = ReportExport.objects.get()
    assert (export.source, export.format, export.size, export.parameters["language"]) == (
        "schedule",
        "xlsx",
        len(content),
        "fr",
    )
    schedule.refresh_from_db()
    assert (schedule.last_status, schedule.last_export_id) == ("ok", export.pk) and schedule.last_run_at


def test_a_failed_run_is_recorded(finance, settings):
    finance.post("/api/v1/report-schedules", BODY, format="json")
    schedule = ReportSchedule.objects.get()
    settings.EMAIL_BACKEND = "analytics.tests.test_schedules.BrokenBackend"

    assert run_report_schedule(str(schedule.pk)) == "failed"

    schedule.refresh_from_db()
    assert (schedule.last_status, schedule.last_error) == ("failed", "mail server down")


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionError("mail server down")
