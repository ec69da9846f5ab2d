from pathlib import Path

import polib
import pytest
from django.utils import translation

from billing.pdf import pdf_unavailable

LOCALE = Path(__file__).resolve().parents[1] / "locale"


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_catalogs_are_complete(language):
    catalog = polib.pofile(LOCALE / language / "LC_MESSAGES" / "django.po")

    assert [e.msgid for e in catalog.untranslated_entries()] == []
    assert [e.msgid for e in catalog.fuzzy_entries()] == []


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("ar", "لا يمكن إنشاء الفواتير بصيغة PDF حاليا. أعد المحاولة لاحقا."),
        ("fr", "Les factures PDF ne peuvent pas être produites pour le moment. Réessayez plus tard."),
    ],
)
def test_the_pdf_refusal_is_translated(language, text):
    with translation.override(language):
        assert str(pdf_unavailable().message) == text
