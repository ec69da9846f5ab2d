"""Every operation of /api/schema/ has a human summary and one of the declared tags; the document
is English unless `?lang=` names a language, whatever the Accept-Language and the order of calls."""

import json

import pytest
from django.conf import settings
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator

from livrili.api.operations import OPERATIONS, TAG_BY_APP, TAGS, tag_for

METHODS = ("get", "post", "put", "patch", "delete")
# A help text of LoginRequest, in each catalog (locale/*/LC_MESSAGES/django.po).
IDENTIFIER = {
    "en": "E-mail, phone or username",
    "ar": "البريد الإلكتروني أو الهاتف أو اسم المستخدم",
    "fr": "E-mail, téléphone ou nom d’utilisateur",
}


@pytest.fixture(scope="module")
def schema():
    with translation.override("en"):  # not whatever an earlier test's request left active
        return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def test_every_operation_has_a_summary_from_the_table_that_is_not_its_operation_id(schema):
    missing = [
        (method, path)
        for method, path, operation in operations(schema)
        if not operation.get("summary", "").strip() or operation["summary"] == operation["operationId"]
    ]

    assert missing == []  # add the operation's row to livrili/api/operations.py
    found = {(method, path) for method, path, _ in operations(schema)}
    assert set(OPERATIONS) - found == set()  # a row whose operation does not exist (typo, removed)


def test_summaries_are_short_sentences_without_a_final_period():
    for key, operation in OPERATIONS.items():
        assert len(operation.summary) <= 60, key
        assert operation.summary[0].isupper() and not operation.summary.endswith("."), key


def test_every_operation_has_exactly_one_declared_tag_and_every_tag_is_used(schema):
    declared = [tag["name"] for tag in TAGS]
    tags = {(method, path): operation["tags"] for method, path, operation in operations(schema)}

    assert {key: value for key, value in tags.items() if len(value) != 1 or value[0] not in declared} == {}
    assert [tag["name"] for tag in schema["tags"]] == declared
    assert all(tag["description"] for tag in schema["tags"])
    used = {value[0] for value in tags.values()}
    assert set(declared) - used <= {"Analytics"}  # its endpoints are being written


@pytest.mark.parametrize(
    ("method", "path", "summary", "tag"),
    [
        ("POST", "/api/v1/auth/login", "Log in", "Auth and users"),
        ("POST", "/api/v1/auth/refresh", "Refresh the access token", "Auth and users"),
        ("GET", "/api/v1/retailers/orders", "List the retailer's orders", "Cart and orders"),
        ("POST", "/api/v1/retailers/orders", "Place the cart as an order", "Cart and orders"),
        ("POST", "/api/v1/retailers/orders/{id}/rating", "Rate a delivered order", "Cart and orders"),
        ("POST", "/api/v1/orders/{id}/release-hold", "Release an order's credit hold", "Cart and orders"),
        ("GET", "/api/v1/products/popular", "List popular products", "Catalog"),
        ("GET", "/api/v1/drivers/me/route", "Show the driver's route of the day", "Drivers"),
        ("POST", "/api/v1/routes/plan", "Plan the day's routes", "Deliveries and routes"),
        ("GET", "/api/v1/retailers/invoices", "List the retailer's invoices", "Billing"),
        ("GET", "/health/ready", "Check readiness", "Service"),
    ],
)
def test_an_operation_reads_its_summary_and_tag(schema, method, path, summary, tag):
    operation = schema["paths"][path][method.lower()]

    assert (operation["summary"], operation["tags"]) == (summary, [tag])


def test_the_table_description_replaces_the_views_docstring(schema):
    approve = schema["paths"]["/api/v1/retailers/{id}/approve"]["post"]["description"]

    assert approve == OPERATIONS[("POST", "/api/v1/retailers/{id}/approve")].description
    assert "workflows.md" not in json.dumps(schema)


def test_a_new_app_or_module_gets_its_apps_tag_and_an_unknown_one_none():
    assert tag_for("/api/v1/payments", "billing.api.payments") == "Billing"
    assert tag_for("/api/v1/analytics/dashboard", "analytics.api.views") == "Analytics"
    assert tag_for("/api/v1/users/{id}", "livrili.accounts.api.views") == "Auth and users"
    assert tag_for("/api/v1/drivers/me/cash", "deliveries.api.views") == "Drivers"
    assert tag_for("/api/v1/driversx", "deliveries.api.views") == "Deliveries and routes"
    assert tag_for("/api/v1/things", "things.api.views") is None
    assert set(TAG_BY_APP.values()) <= {tag["name"] for tag in TAGS}


# --- The served document's language ---------------------------------------------------------


def served(client, query="", **headers):
    response = client.get(f"/api/schema/{query}", HTTP_ACCEPT="application/vnd.oai.openapi+json", **headers)
    assert response.status_code == 200
    return response


def identifier_help(response) -> str:
    body = json.loads(response.content)
    return body["components"]["schemas"]["LoginRequest"]["properties"]["identifier"]["description"]


@pytest.mark.django_db
def test_the_language_is_english_by_default_and_lang_whatever_accept_language_and_order(client):
    """One sequence covers every transition between the three (each document costs seconds)."""
    calls = [
        ("", {}, "en"),
        ("?lang=ar", {}, "ar"),
        ("", {"HTTP_ACCEPT_LANGUAGE": "ar"}, "en"),
        ("?lang=fr", {"HTTP_ACCEPT_LANGUAGE": "ar"}, "fr"),
        ("?lang=ar", {"HTTP_ACCEPT_LANGUAGE": "fr"}, "ar"),
        ("?lang=fr", {}, "fr"),
        ("", {"HTTP_ACCEPT_LANGUAGE": "fr"}, "en"),
    ]
    bodies = {}
    for query, headers, language in calls:
        response = served(client, query, **headers)

        assert (identifier_help(response), response["Content-Language"]) == (IDENTIFIER[language], language)
        assert bodies.setdefault(language, response.content) == response.content, (query, headers)


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "language"), [("?lang=EN", "en"), ("?lang=de", "en"), ("?lang=fr-FR", "fr")])
def test_lang_is_read_as_the_rest_of_the_api_reads_it(client, query, language):
    """drf-spectacular activated the raw value: `EN` and `de` have no catalog of their own and
    fell back to LANGUAGE_CODE, so the document came back Arabic."""
    response = served(client, query, HTTP_ACCEPT_LANGUAGE="ar")

    assert identifier_help(response) == IDENTIFIER[language]


def test_settings_declare_the_tags():
    assert settings.SPECTACULAR_SETTINGS["TAGS"] is TAGS
