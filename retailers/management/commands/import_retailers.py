from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from retailers.imports import COLUMNS, import_retailers, read_rows


class Command(BaseCommand):
    help = (
        "Import retailers with their owner, credit limit and opening balance from a CSV or XLSX file "
        f"(columns: {', '.join(COLUMNS)}). All-or-nothing unless --skip-invalid."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Validate every row and write nothing.")
        parser.add_argument("--skip-invalid", action="store_true", help="Import the valid rows, report the others.")

    def handle(self, *args, path: Path, dry_run: bool, skip_invalid: bool, **options):
        if not path.exists() or path.suffix.lower() not in (".csv", ".xlsx"):
            raise CommandError(f"{path}: expected an existing .csv or .xlsx file.")
        rows = list(read_rows(path))
        progress = tqdm(rows, desc="retailers", unit="row", file=self.stderr, disable=not rows)
        report = import_retailers(progress, dry_run=dry_run, skip_invalid=skip_invalid)
        progress.close()
        for line, errors in sorted(report.errors.items()):
            for field, messages in errors.items():
                self.stderr.write(f"line {line}: {field}: {' '.join(messages)}")
        valid = report.imported
        imported = valid if report.written else 0
        self.stdout.write(
            f"{report.rows} rows read; {valid} valid; {report.skipped} invalid; imported {imported}"
            f"{' (dry run: nothing written)' if dry_run else ''}; valid rows total credit limits "
            f"{report.credit_limits} and opening balances {report.opening_balances}"
        )
        if report.errors and not skip_invalid:
            raise CommandError(f"{report.skipped} invalid row(s): nothing was imported.")
