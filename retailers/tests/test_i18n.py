from pathlib import Path

import polib
import pytest

from livrili.core.testing.assertions import assert_error

LOCALE = Path(__file__).resolve().parents[1] / "locale"


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_catalogs_are_complete(language):
    catalog = polib.pofile(LOCALE / language / "LC_MESSAGES" / "django.po")

    assert [e.msgid for e in catalog.untranslated_entries()] == []
    assert [e.msgid for e in catalog.fuzzy_entries()] == []


@pytest.mark.django_db
@pytest.mark.parametrize(("lang", "message"), [("fr", "Un motif est requis."), ("ar", "السبب مطلوب.")])
def test_refusals_speak_the_request_language(client_for, approver, make_retailer, lang, message):
    retailer = make_retailer(status="active")

    response = client_for(approver).post(f"/api/v1/retailers/{retailer.pk}/suspend?lang={lang}", {"reason": ""})

    assert assert_error(response, 400, "VALIDATION_ERROR")["details"] == {"reason": [message]}
