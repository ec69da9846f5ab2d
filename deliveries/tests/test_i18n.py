from pathlib import Path

import polib
import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[1] / "locale"


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_catalogs_are_complete(language):
    catalog = polib.pofile(LOCALE / language / "LC_MESSAGES" / "django.po")

    assert [e.msgid for e in catalog.untranslated_entries()] == []
    assert [e.msgid for e in catalog.fuzzy_entries()] == []


@pytest.mark.parametrize(("language", "text"), [("ar", "هذا السائق موقوف."), ("fr", "Ce chauffeur est suspendu.")])
def test_refusals_are_translated(language, text):
    from deliveries.models import Driver, DriverStatus
    from deliveries.services.lifecycle import driver_unavailable_reason
    from livrili.accounts.models import User

    driver = Driver(user=User(username="d"), status=DriverStatus.SUSPENDED)
    with translation.override(language):
        assert driver_unavailable_reason(driver, None) == text
