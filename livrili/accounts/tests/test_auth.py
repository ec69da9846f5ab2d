import pytest
from django.core import mail
from django.utils import timezone

from livrili.accounts.models import PasswordResetCode, User
from livrili.core.testing.assertions import assert_error
from livrili.core.testing.passwords import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"


@pytest.fixture
def retailer_user(make_user):
    return make_user(role="retailer", username="shop.owner", email="Owner@Example.dz", phone="0661 23 45 67")


@pytest.mark.parametrize(
    "identifier", ["owner@example.dz", "OWNER@example.dz", "0661 23 45 67", "+213661234567", "shop.owner"]
)
def test_login_by_email_phone_or_username(api_client, retailer_user, identifier):
    response = api_client.post(LOGIN, {"identifier": identifier, "password": DEFAULT_PASSWORD}, format="json")

    body = response.json()
    assert response.status_code == 200, body
    assert body["success"] is True and body["message"] is None
    assert set(body["data"]) == {"access", "refresh", "user"}
    assert body["data"]["user"] == {
        "id": str(retailer_user.id),
        "username": "shop.owner",
        "full_name": "",
        "email": "owner@example.dz",
        "phone": "+213661234567",
        "role": "retailer",
        "preferred_language": "ar",
        "retailer": {"id": str(retailer_user.retailer_id), "business_name": "Shop 1", "status": "active"},
    }


def test_wrong_password_is_401_in_the_envelope(api_client, retailer_user):
    response = api_client.post(LOGIN, {"identifier": "shop.owner", "password": "nope"}, format="json")

    assert_error(response, 401, "UNAUTHORIZED")
    retailer_user.refresh_from_db()
    assert retailer_user.last_login is None


def test_unknown_account_answers_like_a_wrong_password(api_client, db):
    response = api_client.post(LOGIN, {"identifier": "ghost", "password": "nope"}, format="json")

    assert_error(response, 401, "UNAUTHORIZED")


def test_repeated_failures_are_throttled_with_retry_after(api_client, retailer_user):
    for _ in range(5):
        assert api_client.post(LOGIN, {"identifier": "shop.owner", "password": "x"}, format="json").status_code == 401

    response = api_client.post(LOGIN, {"identifier": "shop.owner", "password": DEFAULT_PASSWORD}, format="json")

    assert_error(response, 429, "RATE_LIMITED")
    assert int(response["Retry-After"]) > 0


def test_inactive_user_cannot_log_in(api_client, make_user):
    make_user(role="driver", username="gone", is_active=False)

    response = api_client.post(LOGIN, {"identifier": "gone", "password": DEFAULT_PASSWORD}, format="json")

    assert_error(response, 401, "UNAUTHORIZED")


def _login(api_client, identifier="shop.owner", password=DEFAULT_PASSWORD):
    response = api_client.post(LOGIN, {"identifier": identifier, "password": password}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()["data"]


def test_refresh_rotates_and_the_old_token_is_refused(api_client, retailer_user):
    tokens = _login(api_client)

    first = api_client.post("/api/v1/auth/refresh", {"refresh": tokens["refresh"]}, format="json")
    assert first.status_code == 200
    assert first.json()["data"]["refresh"] != tokens["refresh"]

    replay = api_client.post("/api/v1/auth/refresh", {"refresh": tokens["refresh"]}, format="json")
    assert_error(replay, 401, "UNAUTHORIZED")


def test_logout_revokes_the_refresh_token(api_client, retailer_user):
    tokens = _login(api_client)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

    response = api_client.post("/api/v1/auth/logout", {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 200

    refused = api_client.post("/api/v1/auth/refresh", {"refresh": tokens["refresh"]}, format="json")
    assert_error(refused, 401, "UNAUTHORIZED")


def test_access_tokens_live_at_most_15_minutes(api_client, retailer_user):
    from rest_framework_simplejwt.tokens import AccessToken

    token = AccessToken(_login(api_client)["access"])

    assert token["exp"] - token["iat"] <= 15 * 60


def test_me_and_language_update(client_for, retailer_user):
    client = client_for(retailer_user)

    response = client.patch("/api/v1/auth/me", {"preferred_language": "fr", "full_name": "Samir"}, format="json")

    assert response.status_code == 200
    assert response.json()["data"]["preferred_language"] == "fr"
    assert client.get("/api/v1/auth/me").json()["data"]["full_name"] == "Samir"


def test_changing_phone_needs_the_current_password(client_for, retailer_user):
    client = client_for(retailer_user)

    refused = client.patch("/api/v1/auth/me", {"phone": "0770 00 00 01"}, format="json")
    assert_error(refused, 400, "VALIDATION_ERROR")
    retailer_user.refresh_from_db()
    assert retailer_user.phone == "+213661234567"

    accepted = client.patch(
        "/api/v1/auth/me", {"phone": "0770 00 00 01", "current_password": DEFAULT_PASSWORD}, format="json"
    )
    assert accepted.json()["data"]["phone"] == "+213770000001"


def test_password_change_with_wrong_current_password_changes_nothing(client_for, retailer_user):
    client = client_for(retailer_user)

    response = client.post(
        "/api/v1/auth/password/change",
        {"current_password": "wrong", "new_password": "Another-Strong-Pass-9"},
        format="json",
    )

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert "current_password" in body["details"]
    retailer_user.refresh_from_db()
    assert retailer_user.check_password(DEFAULT_PASSWORD)


def test_password_change_revokes_other_sessions(api_client, client_for, retailer_user):
    old = _login(api_client)
    client = client_for(retailer_user)

    response = client.post(
        "/api/v1/auth/password/change",
        {"current_password": DEFAULT_PASSWORD, "new_password": "Another-Strong-Pass-9"},
        format="json",
    )

    assert response.status_code == 200
    assert set(response.json()["data"]) == {"access", "refresh"}
    assert_error(
        api_client.post("/api/v1/auth/refresh", {"refresh": old["refresh"]}, format="json"), 401, "UNAUTHORIZED"
    )
    retailer_user.refresh_from_db()
    assert retailer_user.check_password("Another-Strong-Pass-9")


def _request_code(api_client, identifier):
    mail.outbox.clear()
    response = api_client.post("/api/v1/auth/password/reset", {"identifier": identifier}, format="json")
    assert response.status_code == 200
    return response


def _code_from_mail():
    import re

    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def test_reset_answers_the_same_for_unknown_accounts(api_client, retailer_user):
    known = _request_code(api_client, "owner@example.dz")
    assert len(mail.outbox) == 1
    unknown = _request_code(api_client, "nobody@example.dz")

    assert len(mail.outbox) == 0
    assert known.json() == unknown.json()
    assert PasswordResetCode.objects.count() == 1


def test_reset_code_works_once(api_client, retailer_user):
    _request_code(api_client, "0661234567")
    code = _code_from_mail()
    payload = {"identifier": "shop.owner", "code": code, "new_password": "Brand-New-Pass-77"}

    first = api_client.post("/api/v1/auth/password/reset/confirm", payload, format="json")
    assert first.status_code == 200
    second = api_client.post(
        "/api/v1/auth/password/reset/confirm", {**payload, "new_password": "Other-New-Pass-88"}, format="json"
    )

    assert_error(second, 400, "VALIDATION_ERROR")
    retailer_user.refresh_from_db()
    assert retailer_user.check_password("Brand-New-Pass-77")


def test_reset_code_expires(api_client, retailer_user):
    _request_code(api_client, "shop.owner")
    code = _code_from_mail()
    PasswordResetCode.objects.update(expires_at=timezone.now() - timezone.timedelta(seconds=1))

    response = api_client.post(
        "/api/v1/auth/password/reset/confirm",
        {"identifier": "shop.owner", "code": code, "new_password": "Brand-New-Pass-77"},
        format="json",
    )

    assert_error(response, 400, "VALIDATION_ERROR")
    retailer_user.refresh_from_db()
    assert retailer_user.check_password(DEFAULT_PASSWORD)


def test_reset_code_is_void_after_five_wrong_tries(api_client, retailer_user):
    _request_code(api_client, "shop.owner")
    code = _code_from_mail()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        api_client.post(
            "/api/v1/auth/password/reset/confirm",
            {"identifier": "shop.owner", "code": wrong, "new_password": "Brand-New-Pass-77"},
            format="json",
        )
    from django.core.cache import cache

    cache.clear()  # lift the throttle: the code itself must now be dead

    response = api_client.post(
        "/api/v1/auth/password/reset/confirm",
        {"identifier": "shop.owner", "code": code, "new_password": "Brand-New-Pass-77"},
        format="json",
    )

    assert_error(response, 400, "VALIDATION_ERROR")
    assert PasswordResetCode.objects.get().attempts == 5
    assert User.objects.get(pk=retailer_user.pk).check_password(DEFAULT_PASSWORD)
