"""`manage.py import_legacy --dsn postgres://…/livrili_v1 [--dry-run] [--report FILE]`."""

import json
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from legacy.checks import compare, differences
from legacy.importer import QUIRKS, LegacyImport
from legacy.source import read_source


class DryRun(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Import a Livrili v1 database (read-only) into this project, all or nothing. Re-runnable: rows "
        "already imported are skipped. Exits non-zero on any difference a quirk does not explain."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dsn", required=True, help="the v1 PostgreSQL database, postgres://…/livrili_v1")
        parser.add_argument("--dry-run", action="store_true", help="import, report, then roll everything back")
        parser.add_argument("--report", help="also write the report as JSON to this file")
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args, dsn, dry_run, report=None, no_progress=False, **options):
        started = time.monotonic()
        source = read_source(dsn)
        read_seconds = time.monotonic() - started
        result = None
        try:
            with transaction.atomic():
                importer = LegacyImport(source, progress=not no_progress and options.get("verbosity", 1) > 0)
                result = importer.run()
                figures = compare(source)
                failures = result.problems + differences(figures)
                if dry_run or failures:
                    raise DryRun
        except DryRun:
            pass
        elapsed = time.monotonic() - started
        summary = self._summary(result, figures, failures, dry_run, read_seconds, elapsed)
        self._print(summary)
        if report:
            with open(report, "w", encoding="utf-8") as handle:
                json.dump(summary, handle, ensure_ascii=False, indent=2, default=str)
        if failures:
            raise CommandError(f"{len(failures)} unexplained difference(s): nothing was written.")

    def _summary(self, result, figures, failures, dry_run, read_seconds, elapsed) -> dict:
        return {
            "mode": "failed (rolled back)"
            if failures
            else ("dry-run (rolled back)" if dry_run else f"written ({result.written} source rows new)"),
            "seconds": {"read": round(read_seconds, 2), "total": round(elapsed, 2)},
            "tables": {
                name: {
                    "source": s.source,
                    "imported": s.imported,
                    "already": s.present,
                    "kept_only": s.kept_only,
                    "notes": s.notes,
                }
                for name, s in result.steps.items()
            },
            "quirks": {name: {"handling": QUIRKS[name], "found": result.quirks.get(name, [])} for name in QUIRKS},
            "balances": result.balances,
            "formula_differences": result.formula_differences,
            "figures": figures,
            "unexplained": failures,
            "rows_written": result.written,
        }

    def _print(self, summary):
        out = self.stdout.write
        out(f"import_legacy: {summary['mode']} in {summary['seconds']['total']} s")
        out(f"{'table':<18}{'source':>8}{'imported':>10}{'already':>9}{'kept only':>11}")
        for name, row in summary["tables"].items():
            out(f"{name:<18}{row['source']:>8}{row['imported']:>10}{row['already']:>9}{row['kept_only']:>11}")
            for note in row["notes"][:20]:
                out(f"    {note}")
            if len(row["notes"]) > 20:
                out(f"    … {len(row['notes']) - 20} more")
        out("quirks:")
        for name, quirk in summary["quirks"].items():
            found = quirk["found"]
            out(f"  {name}: {len(found)} found; {quirk['handling']}")
            for item in found[:5]:
                out(f"    {item}")
        out("balances (new convention, + = owes): v1 stored vs replayed ledger")
        for rid, balance in summary["balances"].items():
            flag = "" if balance["difference"] == "0.00" else f"  opening_balance {balance['difference']}"
            out(f"  {rid}: {balance['new_balance']} replayed {balance['replayed']}{flag}")
        out(f"formula differences (kept as stored): {summary['formula_differences']}")
        out(f"{'figure':<48}{'source':>16}{'imported':>16}")
        for name, figure in summary["figures"].items():
            if name.startswith("retailers.balance."):
                continue
            mark = "" if figure["source"] == figure["imported"] else "  ≠"
            out(f"{name:<48}{figure['source']:>16}{figure['imported']:>16}{mark}")
        for failure in summary["unexplained"]:
            self.stderr.write(f"UNEXPLAINED: {failure}")
