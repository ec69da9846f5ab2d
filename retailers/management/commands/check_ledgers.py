import importlib

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError


def registered_checks() -> list:
    """Every installed app's `ledger_checks.CHECKS` (retailer balances today, stock later)."""
    checks = []
    for config in apps.get_app_configs():
        module_name = f"{config.name}.ledger_checks"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        checks.extend(module.CHECKS)
    return checks


class Command(BaseCommand):
    help = "Verify that cached balances equal their ledgers; exit non-zero and list every mismatch."

    def handle(self, *args, **options):
        problems = []
        for check in registered_checks():
            found = check()
            name = f"{check.__module__}.{check.__name__}"
            self.stdout.write(f"{name}: {'OK' if not found else f'{len(found)} problem(s)'}")
            problems.extend(found)
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} ledger mismatch(es) found.")
        self.stdout.write(self.style.SUCCESS("All ledgers balance."))
