"""Reading catalog files: CSV and XLSX rows as (line number, {column: text})."""

import csv
from pathlib import Path

from django.utils.translation import gettext as _
from openpyxl import load_workbook


class ImportFileError(Exception):
    """The file cannot be read at all (unknown format, missing columns)."""


def no_progress(iterable, **kwargs):
    """The default progress wrapper of imports and exports (the commands pass tqdm)."""
    return iterable


def read_rows(path: str | Path) -> list[tuple[int, dict]]:
    """(line number, {column: text}) for every data row; the header is line 1."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            rows = []
            for row in reader:
                rows.append((reader.line_num, {k.strip(): (v or "").strip() for k, v in row.items() if k}))
            return rows
    if suffix == ".xlsx":
        sheet = load_workbook(path, read_only=True, data_only=True).active
        lines = sheet.iter_rows(values_only=True)
        header = [str(cell or "").strip() for cell in next(lines, [])]
        rows = []
        for number, values in enumerate(lines, start=2):
            if values is None or all(v in (None, "") for v in values):
                continue
            rows.append(
                (number, {h: "" if v is None else str(v).strip() for h, v in zip(header, values, strict=False)})
            )
        return rows
    raise ImportFileError(_("Unsupported file type %(suffix)s: use .csv or .xlsx.") % {"suffix": suffix or "?"})
