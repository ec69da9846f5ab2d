from pathlib import Path

import polib
import pytest
from django.utils import translation

from notifications.services import preferences_update

LOCALE = Path(__file__).resolve().parents[1] / "locale"


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_catalogs_are_complete(language):
    catalog = polib.pofile(LOCALE / language / "LC_MESSAGES" / "django.po")

    assert [e.msgid for e in catalog.untranslated_entries()] == []
    assert [e.msgid for e in catalog.fuzzy_entries()] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("ar", "لا يمكن إيقاف إشعارات المعاملات داخل التطبيق."),
        ("fr", "Les notifications transactionnelles dans l'application ne peuvent pas être désactivées."),
    ],
)
def test_refusals_are_translated(make_user, language, text):
    from livrili.core.errors import DomainError

    with translation.override(language), pytest.raises(DomainError) as refused:
        preferences_update(
            user=make_user(), preferences=[{"category": "orders", "channel": "in_app", "enabled": False}]
        )

    assert refused.value.details == {"preferences": [text]}
