import pytest
from django.test import override_settings

from livrili.accounts.models import User
from livrili.core.testing.assertions import assert_error

pytestmark = pytest.mark.django_db


def test_malformed_json_is_a_validation_error(api_client):
    response = api_client.post("/api/v1/auth/login", data='{"identifier": "a",', content_type="application/json")

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert body["details"]["non_field_errors"]


def test_missing_fields_are_named_in_details(api_client):
    response = api_client.post("/api/v1/auth/login", {}, format="json")

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert set(body["details"]) == {"identifier", "password"}


@override_settings(API_MAX_JSON_BODY_BYTES=1000)
def test_oversize_body_is_413_and_writes_nothing(client_for, make_user):
    staff = make_user(perms=["accounts.add_user"])
    payload = {"username": "big", "role": "driver", "password": "Str0ng-Passw0rd", "full_name": "x" * 2000}

    response = client_for(staff).post("/api/v1/users", payload, format="json")

    assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert not User.objects.filter(username="big").exists()


def test_trailing_slash_is_404_in_the_envelope(client_for, make_user):
    response = client_for(make_user()).get("/api/v1/auth/me/")

    assert_error(response, 404, "NOT_FOUND")


def test_unknown_api_route_is_404_in_the_envelope(api_client):
    assert_error(api_client.get("/api/v1/nothing-here"), 404, "NOT_FOUND")
    assert_error(api_client.get("/api/v2/auth/me"), 404, "NOT_FOUND")


def test_wrong_method_is_405(client_for, make_user):
    response = client_for(make_user()).delete("/api/v1/auth/me")

    assert_error(response, 405, "METHOD_NOT_ALLOWED")


def test_unsupported_media_type_is_415(api_client):
    response = api_client.post("/api/v1/auth/login", data="identifier=a", content_type="text/plain")

    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_anonymous_is_401_and_a_bad_token_too(api_client):
    assert_error(api_client.get("/api/v1/auth/me"), 401, "UNAUTHORIZED")
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert_error(api_client.get("/api/v1/auth/me"), 401, "UNAUTHORIZED")


@pytest.mark.parametrize(
    ("query", "header", "expected"),
    [
        ("?lang=fr", "en", "Identifiant ou mot de passe invalide."),
        ("", "en", "Invalid identifier or password."),
        ("", None, "المعرّف أو كلمة المرور غير صحيحة."),
    ],
)
def test_error_messages_follow_the_request_language(api_client, query, header, expected):
    extra = {"HTTP_ACCEPT_LANGUAGE": header} if header else {}

    response = api_client.post(
        f"/api/v1/auth/login{query}", {"identifier": "nobody", "password": "x"}, format="json", **extra
    )

    assert assert_error(response, 401, "UNAUTHORIZED")["message"] == expected


def test_users_preferred_language_applies_without_a_header(client_for, make_user):
    user = make_user(preferred_language="fr")

    response = client_for(user).get("/api/v1/auth/me/")  # a 404 message from an authenticated call

    assert response.status_code == 404
    assert client_for(user).get("/api/v1/users").json()["message"] == (
        "Vous n'avez pas la permission d'effectuer cette action."
    )


def test_pagination_limits(client_for, make_user):
    staff = make_user(perms=["accounts.view_user"])
    client = client_for(staff)
    for i in range(3):
        make_user(role="driver", username=f"d{i}")

    page = client.get("/api/v1/users?limit=2&offset=1&ordering=username").json()

    assert page["pagination"] == {"total": 4, "limit": 2, "offset": 1, "has_more": True}
    assert [u["username"] for u in page["data"]] == ["d0", "d1"]
    assert_error(client.get("/api/v1/users?limit=101"), 400, "VALIDATION_ERROR")
    assert_error(client.get("/api/v1/users?ordering=password"), 400, "VALIDATION_ERROR")


def test_health_endpoints(api_client):
    assert api_client.get("/health").json() == {
        "success": True,
        "data": {"status": "ok", "checks": {}},
        "message": None,
    }
    ready = api_client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["data"]["checks"]["database"] == "ok"


def test_readiness_is_503_when_the_database_is_down(api_client, monkeypatch):
    from livrili.api import health as views

    def broken():
        raise OSError("connection refused")

    monkeypatch.setattr(views, "_check_database", broken)

    response = api_client.get("/health/ready")

    body = assert_error(response, 503, "SERVICE_UNAVAILABLE")
    assert body["details"]["checks"]["database"] == "unavailable"
    assert response["Retry-After"] == "5"


def test_request_id_is_echoed_or_made(api_client):
    given = api_client.get("/health", HTTP_X_REQUEST_ID="abc-123")
    made = api_client.get("/health", HTTP_X_REQUEST_ID="bad id with spaces")

    assert given["X-Request-ID"] == "abc-123"
    assert len(made["X-Request-ID"]) == 32


def test_docs_and_schema_are_served(api_client):
    assert api_client.get("/api/schema/").status_code == 200
    assert api_client.get("/api/docs/").status_code == 200
    assert api_client.get("/api/redoc/").status_code == 200


@pytest.mark.parametrize("header", ["de", "de-DE, es;q=0.8", "*"])
def test_a_header_naming_no_language_we_speak_leaves_the_users_preference(client_for, make_user, header):
    # given a French-speaking user whose browser asks for languages we do not have
    user = make_user(preferred_language="fr")
    # then the answer is in French, the next source in the order (?lang > header > preference > ar)
    response = client_for(user).get("/api/v1/users", HTTP_ACCEPT_LANGUAGE=header)
    assert response.json()["message"] == "Vous n'avez pas la permission d'effectuer cette action."


@pytest.mark.parametrize(
    ("language", "message"),
    [("fr", "Champ de tri inconnu. Possibles : "), ("ar", "حقل ترتيب غير معروف. المسموح: ")],
)
def test_an_unknown_ordering_field_is_refused_in_the_request_language(client_for, make_user, language, message):
    staff = make_user(perms=["accounts.view_user"])
    response = client_for(staff).get(f"/api/v1/users?ordering=bogus&lang={language}")
    assert_error(response, 400, "VALIDATION_ERROR")
    assert response.json()["details"]["ordering"][0].startswith(message)
