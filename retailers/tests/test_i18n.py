import pytest

from livrili.core.testing.assertions import assert_error


@pytest.mark.django_db
@pytest.mark.parametrize(("lang", "message"), [("fr", "Un motif est requis."), ("ar", "السبب مطلوب.")])
def test_refusals_speak_the_request_language(client_for, approver, make_retailer, lang, message):
    retailer = make_retailer(status="active")

    response = client_for(approver).post(f"/api/v1/retailers/{retailer.pk}/suspend?lang={lang}", {"reason": ""})

    assert assert_error(response, 400, "VALIDATION_ERROR")["details"] == {"reason": [message]}
