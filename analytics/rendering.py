"""A report as a file: CSV (UTF-8 with BOM, so spreadsheet programs read Arabic), XLSX
(openpyxl, write-only: constant memory whatever the rows) or PDF (WeasyPrint, right to left in
Arabic; 503 SERVICE_UNAVAILABLE where it cannot run, as billing's invoices)."""

import csv
import io
from datetime import date
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.translation import gettext as _

from livrili.core.admin import money_display
from livrili.core.errors import DomainError, validation_error

from .selectors.reports import Report

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _plain(value):
    """A cell for CSV and JSON-like outputs: dates ISO, decimals as written, booleans 1/0."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def to_csv(report: Report) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(column.label) for column in report.columns])
    for row in report.rows:
        writer.writerow([_plain(row.get(column.key)) for column in report.columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# The most rows each answer holds (CSV: any number). Beyond them a file takes longer than a
# request may (openpyxl writes ~8 000 rows/s, WeasyPrint ~90), and no one reads a 1 000-page
# PDF: docs/performance.md, "Reports".
ROW_LIMITS = {"json": 10_000, "xlsx": 100_000, "pdf": 1_000}


def check_row_limit(report: Report, file_format: str) -> None:
    """400 VALIDATION_ERROR on `format` when the report has more rows than the format holds."""
    limit = ROW_LIMITS.get(file_format)
    if limit is not None and len(report.rows) > limit:
        message = _(
            "This report has %(rows)s rows; a %(format)s answer holds at most %(limit)s. "
            "Choose CSV, a shorter period or a coarser breakdown."
        ) % {
            "rows": formats.number_format(len(report.rows), force_grouping=True),
            "format": file_format.upper(),
            "limit": formats.number_format(limit, force_grouping=True),
        }
        raise validation_error("format", message)


NUMBER_FORMATS = {"money": "#,##0.00", "decimal": "0.0##", "percent": "0.00", "int": "0", "date": "yyyy-mm-dd"}


def to_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)

    def add_sheet(title: str, columns, rows):
        sheet = workbook.create_sheet(title=title[:31])
        if translation.get_language_bidi():
            sheet.sheet_view.rightToLeft = True
        header = []
        for column in columns:
            cell = WriteOnlyCell(sheet, value=str(column.label))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        formats_by_key = {column.key: NUMBER_FORMATS.get(column.kind) for column in columns}
        for row in rows:
            cells = []
            for column in columns:
                value = row.get(column.key)
                if isinstance(value, bool):
                    value = _("yes") if value else _("no")
                cell = WriteOnlyCell(sheet, value=value)
                if formats_by_key[column.key] and value is not None:
                    cell.number_format = formats_by_key[column.key]
                cells.append(cell)
            sheet.append(cells)

    add_sheet(report.title, report.columns, report.rows)
    if report.summary_columns:
        add_sheet(_("Summary"), report.summary_columns, report.summary)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _display(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "money":
        return money_display(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        places = 2 if kind in ("percent",) else None
        return formats.number_format(value, places, use_l10n=True, force_grouping=kind != "int")
    if isinstance(value, date):
        return value.isoformat()  # the Arabic short format carries RLM marks that scramble in a table
    return str(value)


NUMERIC = ("int", "money", "decimal", "percent", "date")


def pdf_unavailable() -> DomainError:
    return DomainError("SERVICE_UNAVAILABLE", _("PDF files cannot be produced right now. Try again later."))


def _cells(columns, rows) -> list[list[tuple[str, bool]]]:
    return [[(_display(row.get(c.key), c.kind), c.kind in NUMERIC) for c in columns] for row in rows]


def to_pdf(report: Report) -> bytes:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # the package, or pango/harfbuzz, is missing
        raise pdf_unavailable() from exc
    language = translation.get_language() or "ar"
    html = render_to_string(
        "analytics/report.html",
        {
            "report": report,
            "language": language,
            "rtl": translation.get_language_bidi(),
            "columns": report.columns,
            "rows": _cells(report.columns, report.rows),
            "summary_columns": report.summary_columns,
            "summary": _cells(report.summary_columns, report.summary),
        },
    )
    return HTML(string=html).write_pdf()


RENDERERS = {"csv": to_csv, "xlsx": to_xlsx, "pdf": to_pdf}


def render(report: Report, file_format: str) -> bytes:
    check_row_limit(report, file_format)
    return RENDERERS[file_format](report)
