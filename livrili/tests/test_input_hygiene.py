"""Bad input at the API convention layer: a localized 4xx in the envelope, nothing written."""

import json

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from livrili.accounts.models import User
from livrili.core.testing.assertions import assert_error
from retailers.models import DeliveryAddress, Retailer

pytestmark = pytest.mark.django_db

SIGNUP = "/api/v1/retailers/signup"


def signup_body(**overrides):
    body = {
        "full_name": "Yacine Boudiaf",
        "phone": "0770 11 22 33",
        "password": "Strong-Pass-2026",
        "business_name": "Supérette El Amel",
        "business_type": "convenience",
        "wilaya": "16",
        "commune": "Bab Ezzouar",
        "address": "12 rue des Frères Belloul",
    }
    return {**body, **overrides}


# --- 1. Every /api/ answer is the envelope, whatever the method -----------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "get"])
@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v1/auth/login/", "/api/v2/auth/me"])
def test_unknown_api_path_is_a_json_404_for_every_method(method, path):
    # given a client that enforces CSRF as a browser would
    api_client = APIClient(enforce_csrf_checks=True)

    # when
    response = getattr(api_client, method)(path, {"a": 1}, format="json")

    # then
    assert response["Content-Type"].startswith("application/json")
    assert_error(response, 404, "NOT_FOUND")


def envelope(response) -> dict:
    assert response["Content-Type"].startswith("application/json")
    response.json = lambda: json.loads(response.content)
    return response


def test_csrf_failure_under_api_is_the_envelope(rf):
    from livrili.api.views import csrf_failure

    response = csrf_failure(rf.post("/api/v1/anything"), reason="CSRF cookie not set.")

    assert_error(envelope(response), 403, "FORBIDDEN")
    assert csrf_failure(rf.post("/admin/login/"), reason="CSRF cookie not set.")["Content-Type"].startswith("text/html")


def test_handler404_and_handler500_answer_the_envelope_under_api(rf):
    from livrili import urls
    from livrili.api.views import page_not_found, server_error

    assert (urls.handler404, urls.handler500) == (
        "livrili.api.views.page_not_found",
        "livrili.api.views.server_error",
    )
    assert_error(envelope(page_not_found(rf.get("/api/v1/x"), Exception())), 404, "NOT_FOUND")
    assert_error(envelope(server_error(rf.get("/api/v1/x"))), 500, "INTERNAL_ERROR")
    assert server_error(rf.get("/admin/x")).status_code == 500
    assert "json" not in server_error(rf.get("/admin/x")).get("Content-Type", "")


# --- 2. Malformed JSON: localized ---------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "message", "detail"),
    [
        ("fr", "Le corps de la requête n'est pas un JSON valide.", "JSON malformé à la ligne 1, colonne 20."),
        ("ar", "جسم الطلب ليس JSON صالحًا.", "JSON غير سليم في السطر 1، العمود 20."),
        ("en", "The request body is not valid JSON.", "Malformed JSON at line 1, column 20."),
    ],
)
def test_malformed_json_is_localized(api_client, language, message, detail):
    response = api_client.post(
        f"/api/v1/auth/login?lang={language}", data='{"identifier": "a",', content_type="application/json"
    )

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert body["message"] == message
    assert body["details"] == {"non_field_errors": [detail]}


def test_body_that_is_not_utf8_is_a_400(api_client):
    response = api_client.post("/api/v1/auth/login", data=b'{"identifier": "\xff"}', content_type="application/json")

    assert_error(response, 400, "VALIDATION_ERROR")


# --- 3. NUL: refused once, in bodies, paths and query strings -----------------------------


@pytest.mark.parametrize(
    "overrides", [{"wilaya": "1\x006"}, {"full_name": "Ya\x00cine"}, {"address": "rue\x00"}, {"a\x00b": "x"}]
)
def test_nul_in_a_json_body_is_400_and_writes_nothing(api_client, overrides):
    response = api_client.post(SIGNUP, signup_body(**overrides), format="json")  # Arabic by default

    body = assert_error(response, 400, "VALIDATION_ERROR")
    [field] = overrides
    assert body["details"] == {field: ["لا يُسمح بأحرف التحكم."]}
    assert (User.objects.count(), Retailer.objects.count()) == (0, 0)


def test_nul_is_refused_in_profile_addresses_and_user_groups(make_user, client_for):
    owner = make_user(role="retailer")
    client = client_for(owner)
    staff = make_user(perms=["accounts.change_user", "accounts.view_user"], is_superuser=True)
    driver = make_user(role="driver")
    addresses_before = DeliveryAddress.objects.count()

    profile = client.patch("/api/v1/retailers/profile?lang=en", {"wilaya": "1\x006"}, format="json")
    address = client.post("/api/v1/retailers/addresses?lang=en", {"address": "x", "wilaya": "\x00"}, format="json")
    groups = client_for(staff).patch(f"/api/v1/users/{driver.pk}?lang=en", {"groups": ["Cat\x00alog"]}, format="json")

    assert assert_error(profile, 400, "VALIDATION_ERROR")["details"] == {
        "wilaya": ["Control characters are not allowed."]
    }
    assert assert_error(address, 400, "VALIDATION_ERROR")["details"] == {
        "wilaya": ["Control characters are not allowed."]
    }
    assert assert_error(groups, 400, "VALIDATION_ERROR")["details"] == {
        "groups.0": ["Control characters are not allowed."]
    }
    owner.retailer.refresh_from_db()
    assert owner.retailer.wilaya_id == "16"
    assert DeliveryAddress.objects.count() == addresses_before
    assert list(driver.groups.all()) == []


def test_nul_in_a_form_body_is_400(api_client):
    response = api_client.post(
        "/api/v1/auth/login?lang=en", {"identifier": "a\x00b", "password": "x"}, format="multipart"
    )

    assert assert_error(response, 400, "VALIDATION_ERROR")["details"] == {
        "identifier": ["Control characters are not allowed."]
    }


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/products/by-sku/a%00b",
        "/api/v1/products/by-barcode/12%003",
        "/api/v1/products?search=a%00b",
        "/api/v1/products?brand=%00",
    ],
)
def test_nul_in_the_path_or_query_is_400(make_user, client_for, path):
    client = client_for(make_user(role="retailer"))

    body = assert_error(client.get(path + ("&" if "?" in path else "?") + "lang=en"), 400, "VALIDATION_ERROR")
    assert list(body["details"].values()) == [["Control characters are not allowed."]]


# --- 4. Nesting depth ---------------------------------------------------------------------


@pytest.mark.parametrize("depth", [33, 2000])
def test_deeply_nested_json_is_400_even_anonymous(api_client, depth):
    body = "[" * depth + "]" * depth

    response = api_client.post("/api/v1/auth/login?lang=en", data=body, content_type="application/json")

    assert assert_error(response, 400, "VALIDATION_ERROR")["message"] == "The request body is nested too deeply."


def test_nesting_up_to_the_bound_is_parsed(api_client):
    nested = "[" * 31 + "]" * 31  # 32 levels with the outer object

    response = api_client.post(
        "/api/v1/auth/login", data='{"identifier": ' + nested + ', "password": "x"}', content_type="application/json"
    )

    assert set(assert_error(response, 400, "VALIDATION_ERROR")["details"]) == {"identifier"}


# --- 5. Text hygiene ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("a\x07b", "Control characters are not allowed."),
        ("a\x1bb", "Control characters are not allowed."),
        ("a\x85b", "Control characters are not allowed."),
        ("abc\u202egnp.exe", "Bidirectional override characters are not allowed."),
        ("\u2066x\u2069", "Bidirectional override characters are not allowed."),
    ],
)
def test_control_and_bidi_characters_are_refused_by_dotted_path(make_user, client_for, value, message):
    staff = make_user(is_superuser=True)

    response = client_for(staff).post(
        "/api/v1/orders/bulk-status?lang=en",
        {"order_ids": [], "status": "confirmed", "note": "ok", "nested": {"lines": [{"note": value}]}},
        format="json",
    )

    assert assert_error(response, 400, "VALIDATION_ERROR")["details"] == {"nested.lines.0.note": [message]}


def test_zero_width_space_and_bom_are_stripped_zwnj_and_zwj_kept(api_client):
    name = "\ufeffمي\u200cمون\u200d\u200b"

    response = api_client.post(SIGNUP, signup_body(full_name=name, business_name="\u200bShop"), format="json")

    assert response.status_code == 201, response.json()
    owner = User.objects.get()
    assert owner.full_name == "مي\u200cمون\u200d"
    assert owner.retailer.business_name == "Shop"


def test_tab_newline_and_carriage_return_are_kept(api_client):
    response = api_client.post(SIGNUP, signup_body(address="12 rue\r\nBât.\tB"), format="json")

    assert response.status_code == 201, response.json()
    assert DeliveryAddress.objects.get().address == "12 rue\r\nBât.\tB"


def test_a_string_over_the_hard_cap_is_refused(api_client):
    response = api_client.post(SIGNUP + "?lang=en", signup_body(address="x" * 10_001), format="json")

    assert assert_error(response, 400, "VALIDATION_ERROR")["details"]["address"] == [
        "Ensure this value has at most 10000 characters."
    ]
    assert Retailer.objects.count() == 0


def test_multipart_fields_are_checked_and_nothing_is_stored(make_user, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from retailers.models import RetailerDocument

    client = client_for(make_user(role="retailer"))
    upload = SimpleUploadedFile("rc.pdf", b"%PDF-1.4 x", content_type="application/pdf")

    response = client.post(
        "/api/v1/retailers/documents?lang=en", {"file": upload, "type": "r\u202ec"}, format="multipart"
    )

    assert assert_error(response, 400, "VALIDATION_ERROR")["details"] == {
        "type": ["Bidirectional override characters are not allowed."]
    }
    assert RetailerDocument.objects.count() == 0


def test_groups_slug_lookup_by_name_still_works(make_user, client_for):
    staff = make_user(is_superuser=True)
    driver = make_user(role="driver")
    Group.objects.get_or_create(name="Dispatch")

    response = client_for(staff).patch(f"/api/v1/users/{driver.pk}", {"groups": []}, format="json")

    assert response.status_code == 200, response.json()


def test_an_unparsable_multipart_body_is_a_localized_400(api_client):
    response = api_client.generic(
        "POST", "/api/v1/auth/login?lang=fr", b"--x\r\n", content_type="multipart/form-data; boundary="
    )

    assert assert_error(response, 400, "VALIDATION_ERROR")["message"] == "Le corps de la requête est illisible."


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/", "/api/redoc/"])
def test_documentation_pages_answer_other_methods_with_the_json_405(method, path):
    response = getattr(APIClient(enforce_csrf_checks=True), method)(path)

    assert response["Content-Type"].startswith("application/json")
    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.parametrize("fmt", ["form", "multipart"])
def test_a_form_with_more_fields_than_django_allows_is_a_400(api_client, fmt, settings):
    """Fuzz: 1 001 `delivery_ids` form-encoded made Django raise TooManyFieldsSent → 500."""
    count = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1
    if fmt == "form":
        response = api_client.generic(
            "POST",
            "/api/v1/auth/login?lang=en",
            "&".join(f"identifier={i}" for i in range(count)),
            content_type="application/x-www-form-urlencoded",
        )
    else:
        response = api_client.post("/api/v1/auth/login?lang=en", {"identifier": list(range(count))}, format="multipart")

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert body["details"] == {
        "non_field_errors": [f"The body has too many fields (at most {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS})."]
    }
