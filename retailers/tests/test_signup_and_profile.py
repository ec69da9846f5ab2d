import pytest

from livrili.accounts.models import User
from livrili.core.errors import DomainError
from livrili.core.testing.assertions import assert_error
from livrili.core.testing.passwords import DEFAULT_PASSWORD
from retailers.models import DeliveryAddress, Retailer, RetailerEvent
from retailers.services import retailer_require_active

pytestmark = pytest.mark.django_db

SIGNUP = "/api/v1/retailers/signup"


def signup_body(**overrides):
    body = {
        "full_name": "Yacine Boudiaf",
        "phone": "0770 11 22 33",
        "email": "Yacine@Shop.dz",
        "password": "Strong-Pass-2026",
        "business_name": "Supérette El Amel",
        "business_type": "convenience",
        "wilaya": "16",
        "commune": "Bab Ezzouar",
        "address": "12 rue des Frères Belloul",
        "latitude": "36.716300",
        "longitude": "3.183400",
        "rc_number": "",
        "nif": "",
    }
    return {**body, **overrides}


def test_signup_creates_owner_pending_retailer_and_default_address(api_client):
    # the client tries to choose what only staff may set: it is ignored
    body = signup_body(role="admin", status="active", credit_limit="999999.00", balance="-500.00")

    response = api_client.post(SIGNUP, body, format="json")

    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    retailer = Retailer.objects.get()
    owner = User.objects.get()
    assert data["user"]["id"] == str(owner.pk)
    assert data["user"]["retailer"] == {
        "id": str(retailer.pk),
        "business_name": "Supérette El Amel",
        "status": "pending",
    }
    assert data["retailer"]["wilaya"] == {"code": "16", "name": "الجزائر"}
    assert (data["retailer"]["credit_limit"], data["retailer"]["balance"], data["retailer"]["available_credit"]) == (
        "0.00",
        "0.00",
        "0.00",
    )
    assert "access" not in data
    assert (owner.role, owner.is_staff, owner.is_active, owner.retailer, owner.phone, owner.email) == (
        "retailer",
        False,
        True,
        retailer,
        "+213770112233",
        "yacine@shop.dz",
    )
    assert (retailer.status, retailer.owner, retailer.phone, retailer.credit_limit, retailer.balance) == (
        "pending",
        owner,
        "+213770112233",
        0,
        0,
    )
    address = DeliveryAddress.objects.get()
    assert (address.retailer, address.is_default, address.address, address.wilaya_id, str(address.latitude)) == (
        retailer,
        True,
        "12 rue des Frères Belloul",
        "16",
        "36.716300",
    )
    assert RetailerEvent.objects.get().to_value == "pending"
    # the owner then logs in with the phone
    login = api_client.post(
        "/api/v1/auth/login", {"identifier": "0770112233", "password": "Strong-Pass-2026"}, format="json"
    )
    assert login.status_code == 200


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"phone": "+213 661 00 00 01", "email": ""}, "phone"), ({"email": "taken@shop.dz"}, "email")],
)
def test_duplicate_phone_or_email_is_a_conflict_and_writes_nothing(api_client, make_user, overrides, field):
    make_user(role="driver", phone="0661000001", email="taken@shop.dz")

    response = api_client.post(SIGNUP, signup_body(**overrides), format="json")

    body = assert_error(response, 409, "CONFLICT")
    assert list(body["details"]) == [field]
    assert (Retailer.objects.count(), User.objects.count(), DeliveryAddress.objects.count()) == (0, 1, 0)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"phone": "", "email": ""}, "phone"),
        ({"wilaya": "99"}, "wilaya"),
        ({"business_type": "casino"}, "business_type"),
        ({"password": "123"}, "password"),
    ],
)
def test_invalid_signup_is_400_and_writes_nothing(api_client, overrides, field):
    response = api_client.post(SIGNUP, signup_body(**overrides), format="json")

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert field in body["details"]
    assert (Retailer.objects.count(), User.objects.count()) == (0, 0)


def test_signup_is_throttled(api_client):
    for n in range(10):
        api_client.post(SIGNUP, signup_body(phone=f"06610000{n:02d}", email=f"s{n}@shop.dz"), format="json")

    response = api_client.post(SIGNUP, signup_body(phone="0661000099", email="late@shop.dz"), format="json")

    assert_error(response, 429, "RATE_LIMITED")
    assert Retailer.objects.count() == 10


def test_pending_retailer_logs_in_edits_profile_and_addresses_but_cannot_act_as_active(api_client, pending_owner):
    # given a pending retailer's owner who logs in
    login = api_client.post(
        "/api/v1/auth/login", {"identifier": "pending.owner", "password": DEFAULT_PASSWORD}, format="json"
    )
    assert login.status_code == 200
    assert login.json()["data"]["user"]["retailer"]["status"] == "pending"
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['data']['access']}")

    # it reads and edits its profile, including the legal ids before approval
    profile = api_client.get("/api/v1/retailers/profile").json()["data"]
    assert (profile["status"], profile["business_name"]) == ("pending", "Épicerie Pending")
    patched = api_client.patch(
        "/api/v1/retailers/profile", {"business_name": "Épicerie du Port", "nif": "001616123456789"}, format="json"
    )
    assert patched.status_code == 200, patched.json()
    assert (patched.json()["data"]["business_name"], patched.json()["data"]["nif"]) == (
        "Épicerie du Port",
        "001616123456789",
    )

    # and manages its addresses: the first is the default, a new default takes over
    first = api_client.post(
        "/api/v1/retailers/addresses", {"address": "Port d'Alger", "wilaya": "16"}, format="json"
    ).json()["data"]
    second = api_client.post(
        "/api/v1/retailers/addresses",
        {"label": "Dépôt", "address": "Zone industrielle", "wilaya": "16", "is_default": True},
        format="json",
    ).json()["data"]
    assert (first["is_default"], second["is_default"]) == (True, True)
    listed = api_client.get("/api/v1/retailers/addresses").json()["data"]
    assert [(a["id"], a["is_default"]) for a in listed] == [(second["id"], True), (first["id"], False)]
    edited = api_client.patch(f"/api/v1/retailers/addresses/{first['id']}", {"label": "Magasin"}, format="json")
    assert edited.json()["data"]["label"] == "Magasin"
    assert api_client.delete(f"/api/v1/retailers/addresses/{second['id']}").status_code == 204
    assert DeliveryAddress.objects.get().is_default is True

    # but anything that needs an active retailer is refused
    with pytest.raises(DomainError) as refused:
        retailer_require_active(pending_owner.retailer)
    assert (refused.value.code, refused.value.status, refused.value.details) == (
        "RETAILER_NOT_ACTIVE",
        422,
        {"status": "pending"},
    )


def test_after_approval_name_and_legal_ids_change_only_through_staff(client_for, owner, make_user):
    retailer = owner.retailer
    Retailer.objects.filter(pk=retailer.pk).update(approved_at="2026-01-05T10:00:00Z", nif="001")
    client = client_for(owner)

    refused = client.patch("/api/v1/retailers/profile", {"nif": "002", "commune": "Hydra"}, format="json")
    allowed = client.patch("/api/v1/retailers/profile", {"commune": "Hydra"}, format="json")
    staff = make_user(role="admin", perms=["retailers.change_retailer"])
    by_staff = client_for(staff).patch(f"/api/v1/retailers/{retailer.pk}", {"nif": "002"}, format="json")

    assert list(assert_error(refused, 400, "VALIDATION_ERROR")["details"]) == ["nif"]
    assert allowed.json()["data"]["commune"] == "Hydra"
    assert by_staff.json()["data"]["nif"] == "002"


def test_profile_shows_credit_figures_as_money_strings(client_for, owner):
    Retailer.objects.filter(pk=owner.retailer_id).update(credit_limit="200000.00", balance="1234.50")

    data = client_for(owner).get("/api/v1/retailers/profile").json()["data"]

    assert (data["credit_limit"], data["balance"], data["available_credit"]) == ("200000.00", "1234.50", "198765.50")


def test_patching_an_address_text_changes_it(client_for, owner):
    # given an address of the caller's retailer
    client = client_for(owner)
    created = client.post("/api/v1/retailers/addresses", {"address": "Rue A", "wilaya": "16"}, format="json")
    address_id = created.json()["data"]["id"]

    # when its street address is patched
    response = client.patch(
        f"/api/v1/retailers/addresses/{address_id}", {"address": "Rue B", "label": "Dépôt"}, format="json"
    )

    # then it is changed (it used to clash with the service's own `address` keyword: 500)
    assert response.status_code == 200, response.content
    assert (response.json()["data"]["address"], response.json()["data"]["label"]) == ("Rue B", "Dépôt")
    address = DeliveryAddress.objects.get(pk=address_id)
    assert (address.address, address.label) == ("Rue B", "Dépôt")


def test_signup_without_legal_ids_says_what_approval_needs(api_client):
    response = api_client.post(SIGNUP, signup_body(rc_number="", nif=""), format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["data"]["retailer"]["missing_for_approval"] == ["rc_number", "nif"]


def test_profile_missing_for_approval_follows_the_approval_rule(client_for, pending_owner, make_user):
    client = client_for(pending_owner)

    before = client.get("/api/v1/retailers/profile").json()["data"]["missing_for_approval"]
    with_rc = client.patch("/api/v1/retailers/profile", {"rc_number": "16/00-1234567B22"}, format="json")
    complete = client.patch("/api/v1/retailers/profile", {"nif": "001616123456789"}, format="json")

    assert before == ["rc_number", "nif"]
    assert with_rc.json()["data"]["missing_for_approval"] == ["nif"]
    assert complete.json()["data"]["missing_for_approval"] == []
    # and the approval accepts exactly when the list is empty
    approver = make_user(role="admin", perms=["retailers.view_retailer", "retailers.approve_retailer"])
    approved = client_for(approver).post(f"/api/v1/retailers/{pending_owner.retailer_id}/approve", {}, format="json")
    assert approved.json()["data"]["status"] == "active"


@pytest.mark.parametrize(("extra", "expected"), [({"HTTP_ACCEPT_LANGUAGE": "fr"}, "fr"), ({}, "ar")])
def test_the_owner_keeps_the_language_they_signed_up_in(api_client, extra, expected):
    response = api_client.post(SIGNUP, signup_body(), format="json", **extra)
    assert response.status_code == 201
    assert User.objects.get().preferred_language == expected
    assert response.json()["data"]["user"]["preferred_language"] == expected


def test_signup_in_french_by_query(api_client):
    response = api_client.post(f"{SIGNUP}?lang=fr", signup_body(), format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 201
    assert User.objects.get().preferred_language == "fr"
