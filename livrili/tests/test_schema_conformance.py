"""The OpenAPI document says what the API really answers."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from retailers.models import Retailer

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def responses(schema, path, method):
    return set(schema["paths"][path][method]["responses"])


def test_login_and_refresh_document_401_and_their_throttle(schema):
    assert {"401", "429", "503"} <= responses(schema, "/api/v1/auth/login", "post")
    assert {"401", "503"} <= responses(schema, "/api/v1/auth/refresh", "post")


def test_authenticated_operations_document_401_and_503_and_only_throttled_ones_429(schema):
    me = responses(schema, "/api/v1/auth/me", "get")
    products = responses(schema, "/api/v1/products", "get")

    assert {"401", "503"} <= me
    assert {"401", "503"} <= products
    assert "429" not in products
    assert "401" not in responses(schema, "/api/v1/retailers/signup", "post")
    assert "429" in responses(schema, "/api/v1/retailers/signup", "post")


def test_limit_and_offset_are_documented_with_their_bounds(schema):
    parameters = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/products"]["get"]["parameters"]}

    assert (parameters["limit"]["minimum"], parameters["limit"]["maximum"]) == (1, 100)
    assert parameters["offset"]["minimum"] == 0


@pytest.mark.parametrize(
    ("action", "required"), [("suspend", True), ("close", True), ("reject", True), ("approve", False)]
)
def test_transition_reason_is_required_in_the_schema_where_the_service_requires_it(schema, action, required):
    body = schema["paths"][f"/api/v1/retailers/{{id}}/{action}"]["post"]["requestBody"]["content"]["application/json"]
    component = schema["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[1]]

    assert ("reason" in component.get("required", [])) is required


def test_a_blank_email_is_answered_null_and_documented_nullable(schema, make_user, client_for):
    owner = make_user(role="retailer")
    Retailer.objects.filter(pk=owner.retailer_id).update(email="")

    data = client_for(owner).get("/api/v1/retailers/profile").json()["data"]

    assert data["email"] is None
    email = schema["components"]["schemas"]["RetailerProfileResponse"]["properties"]["email"]
    assert (email.get("format"), email.get("nullable")) == ("email", True)


def test_a_supplier_email_may_be_cleared_with_null_and_is_answered_null(make_user, client_for):
    from products.models import Supplier

    client = client_for(make_user(is_superuser=True))
    created = client.post("/api/v1/suppliers", {"name": "S", "code": "S1", "email": "a@b.dz"}, format="json")
    supplier_id = created.json()["data"]["id"]

    cleared = client.patch(f"/api/v1/suppliers/{supplier_id}", {"email": None}, format="json")

    assert cleared.status_code == 200, cleared.json()
    assert cleared.json()["data"]["email"] is None
    assert Supplier.objects.get(pk=supplier_id).email == ""


def test_route_stop_fields_a_delivery_may_leave_empty_are_documented_nullable(schema):
    """A stop's window is usually open on one side (fuzz: GET drivers/me/route violated the schema)."""
    stop = schema["components"]["schemas"]["RouteStop"]["properties"]

    nullable = {name for name, field in stop.items() if field.get("nullable")}

    assert nullable == {"window_start", "window_end", "latitude", "longitude", "eta"}


def test_a_response_that_may_be_null_is_documented_nullable(schema):
    """drivers/me/route answers `data: null` on a day without a route (fuzz: schema violation)."""
    body = schema["paths"]["/api/v1/drivers/me/route"]["get"]["responses"]["200"]["content"]["application/json"]

    data = body["schema"]["properties"]["data"]

    assert data == {"allOf": [{"$ref": "#/components/schemas/RouteDetail"}], "nullable": True}


def test_the_served_schema_does_not_change_with_accept_language(client):
    """Code generators fetch /api/schema/: the browser's language must not move it."""
    served = {
        language: client.get("/api/schema/?format=json", HTTP_ACCEPT_LANGUAGE=language).json()
        for language in ("ar", "fr", "en")
    }

    assert served["ar"] == served["fr"] == served["en"]
    assert "title" not in served["ar"]["components"]["schemas"]["RouteDetail"]["properties"]["date"]  # "date"
