"""The admin home is the operator dashboard for staff who may see it."""

from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone

from analytics.periods import Period
from analytics.selectors.dashboard import dashboard

pytestmark = pytest.mark.django_db


def test_admin_home_shows_the_cards_charts_and_filtered_links(client, make_dataset, make_user):
    make_dataset(orders=20)
    client.force_login(make_user(role="admin", perms=["analytics.view_dashboard"], is_staff=True))
    today = timezone.localdate()

    response = client.get("/admin/?period=7d", HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 200
    page = response.content.decode()
    figures = dashboard(Period(today - timedelta(days=6), today))["figures"]
    assert f">{figures['orders']['value']}</span>" in page
    start, after = (today - timedelta(days=6)).isoformat(), (today + timedelta(days=1)).isoformat()
    delivered = f"created_at__gte={start}&amp;created_at__lt={after}&amp;status__exact=delivered"
    assert f"/admin/orders/order/?{delivered}" in page
    assert "/admin/retailers/retailer/?status__exact=pending" in page
    assert 'id="od-data"' in page and "analytics/vendor/chart.umd.min.js" in page
    assert " DA</span>" in page  # amounts with the currency, in French


def test_admin_home_without_the_permission_has_no_dashboard(client, make_user):
    client.force_login(make_user(role="admin", is_staff=True))
    response = client.get("/admin/")
    assert response.status_code == 200
    assert 'id="od-data"' not in response.content.decode()


def test_chart_js_is_served_from_static_files_with_its_licence():
    assert finders.find("analytics/vendor/chart.umd.min.js")
    with open(finders.find("analytics/vendor/chart.js-LICENSE.md")) as licence:
        assert "MIT" in licence.read()


@pytest.fixture
def reporter(client, make_user):
    client.force_login(
        make_user(role="admin", perms=["analytics.run_report", "analytics.view_reportexport"], is_staff=True)
    )
    return client


def test_admin_runs_a_report_in_the_background_and_serves_the_file_from_its_page(
    reporter, make_dataset, django_capture_on_commit_callbacks
):
    from analytics.models import ReportExport
    from analytics.rendering import to_csv
    from analytics.reports import report_build

    make_dataset(orders=15)
    assert "/admin/analytics/reportexport/run/" in reporter.get("/admin/analytics/reportexport/").content.decode()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = reporter.post(
            "/admin/analytics/reportexport/run/", {"report_type": "tax", "period": "90d", "file_format": "csv"}
        )

    export = ReportExport.objects.get()
    assert len(callbacks) == 1
    assert response.status_code == 302 and response.url == f"/admin/analytics/reportexport/{export.pk}/progress/"
    today = timezone.localdate()
    expected = to_csv(report_build("tax", period=Period(today - timedelta(days=89), today)))
    assert (export.report_type, export.format, export.source, export.status, export.progress) == (
        "tax",
        "csv",
        "admin",
        "done",
        100,
    )
    assert (export.size, export.parameters["date_from"]) == (len(expected), (today - timedelta(days=89)).isoformat())
    page = reporter.get(response.url).content.decode()
    assert f"/admin/analytics/reportexport/{export.pk}/download/" in page and 'http-equiv="refresh"' not in page
    served = reporter.get(f"/admin/analytics/reportexport/{export.pk}/download/")
    assert b"".join(served.streaming_content) == expected


def test_a_running_export_shows_its_progress_refreshes_and_cannot_be_downloaded(reporter, make_user):
    from analytics.models import ReportExport

    export = ReportExport.objects.create(
        report_type="sales", format="xlsx", source="admin", status="running", progress=40
    )

    page = reporter.get(f"/admin/analytics/reportexport/{export.pk}/progress/", HTTP_ACCEPT_LANGUAGE="fr")

    text = page.content.decode()
    assert '<meta http-equiv="refresh" content="2">' in text
    assert '<progress max="100" value="40"' in text and "40 % —" in text
    assert reporter.get(f"/admin/analytics/reportexport/{export.pk}/download/").status_code == 404
    reporter.force_login(make_user(role="admin", perms=["analytics.run_report"], is_staff=True, username="runner"))
    assert reporter.get(f"/admin/analytics/reportexport/{export.pk}/progress/").status_code == 403


def test_who_may_only_run_reports_follows_and_downloads_their_own_runs_only(
    client, make_user, django_capture_on_commit_callbacks
):
    from analytics.models import ReportExport

    runner = make_user(role="admin", perms=["analytics.run_report"], is_staff=True)
    client.force_login(runner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/analytics/reportexport/run/", {"report_type": "credit-aging", "period": "30d", "file_format": "csv"}
        )
    export = ReportExport.objects.get()

    assert export.created_by == runner and client.get(response.url).status_code == 200
    assert client.get(f"/admin/analytics/reportexport/{export.pk}/download/").status_code == 200
    client.force_login(make_user(role="admin", perms=["analytics.run_report"], is_staff=True, username="other"))
    assert client.get(response.url).status_code == 403
    assert client.get(f"/admin/analytics/reportexport/{export.pk}/download/").status_code == 403


def test_a_failed_run_records_why_and_keeps_no_file(monkeypatch, make_user):
    from analytics import services
    from analytics.models import ReportExport

    export = ReportExport.objects.create(
        report_type="tax",
        format="pdf",
        source="admin",
        status="running",
        progress=0,
        parameters={"language": "fr", "date_from": "2026-01-01", "date_to": "2026-01-31"},
    )

    def broken(report, file_format):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "render", broken)

    assert services.report_export_run(export_id=export.pk) == "failed"
    export.refresh_from_db()
    assert (export.status, export.progress, export.file.name, export.size) == ("failed", 40, "", 0)
    assert export.error == "Le rapport n’a pas pu être calculé. Réessayez ou choisissez un autre format."


def test_a_run_delivered_twice_stores_one_file(make_user):
    from analytics import services
    from analytics.models import ReportExport

    export = ReportExport.objects.create(
        report_type="credit-aging", format="csv", source="admin", status="running", progress=0, parameters={}
    )

    assert services.report_export_run(export_id=export.pk) == "done"
    stored = ReportExport.objects.get(pk=export.pk)
    assert services.report_export_run(export_id=export.pk) == "skipped"
    assert ReportExport.objects.get(pk=export.pk).file.name == stored.file.name
    assert (stored.status, stored.progress, stored.parameters) == ("done", 100, {})


def test_a_ready_export_must_have_its_file():
    from django.db import IntegrityError, transaction

    from analytics.models import ReportExport

    with pytest.raises(IntegrityError), transaction.atomic():
        ReportExport.objects.create(report_type="tax", format="csv", source="admin", status="done")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportExport.objects.create(report_type="tax", format="csv", source="admin", status="running", progress=101)


def test_admin_report_form_refuses_half_a_range_and_writes_nothing(client, make_user):
    from analytics.models import ReportExport

    client.force_login(make_user(role="admin", perms=["analytics.run_report"], is_staff=True))
    response = client.post(
        "/admin/analytics/reportexport/run/",
        {"report_type": "sales", "period": "30d", "date_from": "2026-01-01", "file_format": "csv"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert ReportExport.objects.count() == 0
    client.force_login(make_user(role="admin", is_staff=True, username="nobody"))
    assert client.get("/admin/analytics/reportexport/run/").status_code == 403


def test_runs_that_lost_their_worker_are_recorded_as_interrupted_after_an_hour():
    from analytics import services
    from analytics.models import ReportExport

    now = timezone.now()
    stale, fresh = (
        ReportExport.objects.create(
            report_type="tax", format="csv", source="admin", status="running", parameters={"language": "fr"}
        )
        for _ in range(2)
    )
    ReportExport.objects.filter(pk=stale.pk).update(created_at=now - timedelta(hours=1, seconds=1))

    assert services.report_exports_sweep(now=now) == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, stale.error, fresh.status) == (
        "failed",
        "L’exécution a été interrompue. Relancez le rapport.",
        "running",
    )
    assert services.report_export_run(export_id=stale.pk) == "skipped"


def test_a_run_with_more_rows_than_its_format_holds_fails_with_the_reason(make_dataset, monkeypatch):
    from analytics import rendering, services
    from analytics.models import ReportExport

    make_dataset(orders=10)
    monkeypatch.setitem(rendering.ROW_LIMITS, "pdf", 0)
    export = ReportExport.objects.create(
        report_type="credit-aging", format="pdf", source="admin", status="running", parameters={"language": "fr"}
    )

    assert services.report_export_run(export_id=export.pk) == "failed"
    export.refresh_from_db()
    assert export.status == "failed" and export.file.name == ""
    assert export.error.startswith("Ce rapport compte ") and export.error.endswith("moins détaillé.")
