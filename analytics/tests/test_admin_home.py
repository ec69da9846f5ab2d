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


def test_admin_runs_a_report_records_it_and_serves_it_again(client, make_dataset, make_user):
    from analytics.models import ReportExport

    make_dataset(orders=15)
    client.force_login(
        make_user(role="admin", perms=["analytics.run_report", "analytics.view_reportexport"], is_staff=True)
    )
    assert "/admin/analytics/reportexport/run/" in client.get("/admin/analytics/reportexport/").content.decode()

    response = client.post(
        "/admin/analytics/reportexport/run/", {"report_type": "tax", "period": "90d", "file_format": "csv"}
    )

    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    export = ReportExport.objects.get()
    assert (export.report_type, export.format, export.source, export.size) == ("tax", "csv", "admin", len(content))
    again = client.get(f"/admin/analytics/reportexport/{export.pk}/download/")
    assert b"".join(again.streaming_content) == content


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
