"""Reports read from the replica when one is configured; everything else stays on default."""

import pytest

from analytics import reports
from analytics.models import ReportExport
from analytics.routers import ReplicaRouter, replica_reads
from analytics.selectors.reports import Report


def test_reads_inside_replica_reads_go_to_the_replica_only_when_configured(settings):
    router = ReplicaRouter()
    settings.DATABASES = {"default": settings.DATABASES["default"]}
    with replica_reads():
        assert router.db_for_read(ReportExport) is None  # no replica configured
        settings.DATABASES = {**settings.DATABASES, "replica": settings.DATABASES["default"]}
        assert router.db_for_read(ReportExport) == "replica"
        assert router.db_for_write(ReportExport) is None
    assert router.db_for_read(ReportExport) is None  # outside a report
    assert router.allow_migrate("replica", "analytics") is False
    assert router.allow_migrate("default", "analytics") is None


@pytest.mark.django_db
def test_report_build_reads_through_the_replica(monkeypatch, settings):
    settings.DATABASES = {**settings.DATABASES, "replica": settings.DATABASES["default"]}
    seen = []

    def builder(*, period):
        seen.append(ReplicaRouter().db_for_read(ReportExport))
        return Report("audit", "x", period, {}, [])

    monkeypatch.setitem(reports.REPORTS, "audit", (builder, True))
    reports.report_build("audit", period=None)
    assert seen == ["replica"]
