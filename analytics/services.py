"""Analytics writes: the record of every report file produced, and the alerts."""

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation

from .models import ReportExport
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
