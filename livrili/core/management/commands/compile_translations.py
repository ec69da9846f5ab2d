"""Compile every project .po catalog to .mo in pure Python (no system gettext needed),
so `make run` works on a fresh machine."""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand

SKIP = {".venv", "node_modules", ".git"}


class Command(BaseCommand):
    help = "Compile the project's locale/*/LC_MESSAGES/django.po files to .mo."

    def handle(self, *args, **options):
        compiled = 0
        for po_path in Path(settings.BASE_DIR).rglob("locale/*/LC_MESSAGES/*.po"):
            if SKIP.intersection(po_path.relative_to(settings.BASE_DIR).parts):
                continue
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            compiled += 1
        self.stdout.write(f"Compiled {compiled} catalog(s).")
