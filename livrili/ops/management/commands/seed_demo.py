"""Demo data for `make run` and the benchmark. Each capability adds a `seed.py` with
`run(size=..., out=...)` returning the demo accounts it created; steps run in dependency order."""

import importlib
import time

from django.core.management.base import BaseCommand
from django.db import transaction

SEED_STEPS = [
    "livrili.accounts.seed",
    "products.seed",
    "retailers.seed",
    "orders.seed",
    "deliveries.seed",
    "billing.seed",
    "notifications.seed",
    "analytics.seed",
]


class Command(BaseCommand):
    help = "Load deterministic demo data (idempotent: existing demo rows are kept)."

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=["small", "standard", "large"], default="small")

    def handle(self, *args, size, **options):
        accounts = []
        for module_name in SEED_STEPS:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name == module_name:
                    continue  # that capability has no demo data yet
                raise
            started = time.monotonic()
            with transaction.atomic():
                accounts += module.run(size=size, out=self.stdout) or []
            self.stdout.write(f"  {module_name}: {time.monotonic() - started:.1f}s")
        self.stdout.write(self.style.SUCCESS("Demo accounts:"))
        for label, username, password in accounts:
            self.stdout.write(f"  {label:<20} {username:<45} password: {password}")
