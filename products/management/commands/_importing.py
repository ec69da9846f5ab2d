"""Shared plumbing of the catalog import commands: arguments, progress bar, report."""

from functools import partial

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from products.imports.reading import ImportFileError, read_rows


class ImportCommand(BaseCommand):
    importer = None  # set by subclasses: products.imports.writing.import_products / import_categories

    def add_arguments(self, parser):
        parser.add_argument("path", help="CSV or XLSX file (first row: column names)")
        parser.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
        parser.add_argument("--skip-invalid", action="store_true", help="import the valid rows, skip the invalid ones")
        parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    def handle(self, *args, path, dry_run, skip_invalid, no_progress, **options):
        try:
            rows = read_rows(path)
        except (OSError, ImportFileError) as exc:
            raise CommandError(str(exc)) from exc
        progress = partial(tqdm, file=self.stderr, disable=no_progress)
        try:
            report = type(self).importer(rows, dry_run=dry_run, skip_invalid=skip_invalid, progress=progress)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        for error in report.errors:
            self.stderr.write(str(error))
        mode = " (dry run: nothing written)" if dry_run else ""
        self.stdout.write(
            f"{report.rows} rows: {report.created} created, {report.updated} updated, "
            f"{report.skipped} skipped, {len(report.errors)} errors{mode}"
        )
        if report.errors and not skip_invalid:
            lines = sorted({error.line for error in report.errors})
            raise CommandError(
                f"Nothing imported: {len(lines)} invalid rows (lines {', '.join(map(str, lines))}). "
                "Fix them or use --skip-invalid."
            )
