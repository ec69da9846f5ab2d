"""Every translation catalog of the project is complete in Arabic and French: no message left
untranslated and none marked fuzzy (compilation skips fuzzy ones: the user would see English)."""

from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = sorted(
    path
    for path in ROOT.glob("**/locale/*/LC_MESSAGES/django.po")
    if not {".venv", ".venv-fuzz", "node_modules"} & set(path.relative_to(ROOT).parts)
)


def test_every_app_with_messages_has_its_catalogs():
    languages = {(path.relative_to(ROOT).parts[0], path.parts[-3]) for path in CATALOGS}

    for app in ("locale", "products", "retailers", "orders", "deliveries", "billing", "notifications"):
        assert {(app, "ar"), (app, "fr")} <= languages, app


@pytest.mark.parametrize("path", CATALOGS, ids=lambda path: str(path.relative_to(ROOT)))
def test_the_catalog_is_complete(path):
    catalog = polib.pofile(path)

    assert [e.msgid for e in catalog.untranslated_entries()] == []
    assert [e.msgid for e in catalog.fuzzy_entries()] == []
