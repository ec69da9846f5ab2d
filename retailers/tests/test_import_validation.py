"""Row validation of the retailer import (retailers/imports.py, ImportRowForm): the staff
registration rules and the API's words for each refusal, without going through the API layer."""

import ast
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation

from retailers import imports
from retailers.imports import import_retailers
from retailers.models import Retailer

pytestmark = pytest.mark.django_db

ROW = {
    "business_name": "Épicerie Ennour",
    "business_type": "grocery",
    "full_name": "Ali Saidi",
    "phone": "0661 11 11 11",
    "wilaya": "16",
    "commune": "Kouba",
    "address": "3 rue A",
}


def errors_of(cells: dict, language: str = "en") -> dict:
    with translation.override(language):
        report = import_retailers([(2, cells)], dry_run=True)
    return report.errors.get(2, {})


@pytest.mark.parametrize(
    ("cells", "errors"),
    [
        (
            {"email": "x"},
            {
                "full_name": ["This field is required."],
                "email": ["Enter a valid email address."],
                "business_name": ["This field is required."],
                "business_type": ["This field is required."],
                "wilaya": ["This field is required."],
                "commune": ["This field is required."],
                "address": ["This field is required."],
            },
        ),
        ({**ROW, "full_name": "x" * 151}, {"full_name": ["Ensure this field has no more than 150 characters."]}),
        ({**ROW, "phone": "12"}, {"phone": ["Enter a valid phone number."]}),
        (
            {k: v for k, v in ROW.items() if k != "phone"},
            {"phone": ["A phone number or an e-mail address is required."]},
        ),
        ({**ROW, "business_type": "bank"}, {"business_type": ['"bank" is not a valid choice.']}),
        ({**ROW, "wilaya": "99"}, {"wilaya": ["Object with code=99 does not exist."]}),
        ({**ROW, "latitude": "91"}, {"latitude": ["Ensure this value is less than or equal to 90."]}),
        ({**ROW, "latitude": "1.1234567"}, {"latitude": ["Ensure that there are no more than 6 decimal places."]}),
        (
            {**ROW, "longitude": "1234"},
            {"longitude": ["Ensure that there are no more than 3 digits before the decimal point."]},
        ),
        ({**ROW, "longitude": "nan"}, {"longitude": ["A valid number is required."]}),
        ({**ROW, "payment_terms_days": "30.5"}, {"payment_terms_days": ["A valid integer is required."]}),
        (
            {**ROW, "payment_terms_days": "400"},
            {"payment_terms_days": ["Ensure this value is less than or equal to 365."]},
        ),
        ({**ROW, "notes": "n" * 5001}, {"notes": ["Ensure this field has no more than 5000 characters."]}),
        ({**ROW, "status": "closed"}, {"status": ['"closed" is not a valid choice.']}),
        ({**ROW, "credit_limit": "-1"}, {"credit_limit": ["Ensure this value is greater than or equal to 0.00."]}),
        (
            {**ROW, "credit_limit": "1234567890123"},
            {"credit_limit": ["Ensure that there are no more than 12 digits before the decimal point."]},
        ),
        ({**ROW, "opening_balance": "abc"}, {"opening_balance": ["A valid number is required."]}),
        (
            {**ROW, "status": "active"},
            {"rc_number": ["Required to approve a retailer."], "nif": ["Required to approve a retailer."]},
        ),
    ],
)
def test_a_refused_row_reports_each_field_in_the_apis_words(cells, errors):
    # when the row is validated, then each refused field is reported, in field order, and nothing is written
    assert list(errors_of(cells).items()) == list(errors.items())
    assert Retailer.objects.count() == 0


@pytest.mark.parametrize(
    ("language", "message"),
    [("fr", "«\xa0bank\xa0» n'est pas un choix valide."), ("ar", '"bank" ليس خياراً صالحاً.')],
)
def test_refusals_are_translated_like_the_apis(language, message):
    assert errors_of({**ROW, "business_type": "bank"}, language) == {"business_type": [message]}


def test_an_accepted_row_gets_the_defaults_and_quantized_amounts():
    # given a row with only the required cells, a credit limit and an opening balance
    cells = {**ROW, "wilaya": "09", "credit_limit": "1000", "opening_balance": "-12.5", "payment_terms_days": "45.0"}

    # when it is imported
    report = import_retailers([(2, cells)])

    # then the amounts are read at two places and the defaults apply
    assert (report.written, report.errors, report.credit_limits, report.opening_balances) == (
        True,
        {},
        Decimal("1000.00"),
        Decimal("-12.50"),
    )
    retailer = Retailer.objects.get()
    assert (retailer.status, retailer.wilaya_id, retailer.payment_terms_days, retailer.rc_number, retailer.phone) == (
        "pending",
        "09",
        45,
        "",
        "+213661111111",
    )
    assert (retailer.credit_limit, retailer.balance, retailer.owner.email) == (
        Decimal("1000.00"),
        Decimal("-12.50"),
        None,
    )


def test_the_import_does_not_use_the_api_serializers():
    tree = ast.parse(Path(imports.__file__).read_text(encoding="utf-8"))
    modules = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    modules |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}

    assert [m for m in modules if m.startswith(("rest_framework", "api", "retailers.api"))] == []


def rules(field) -> tuple:
    limit = getattr(field, "limit", getattr(field, "max_length", None))
    bounds = tuple(getattr(field, name, None) for name in ("min_value", "max_value", "max_digits", "decimal_places"))
    return (field.required, limit, *bounds)


def test_the_row_form_keeps_the_staff_registration_rules():
    # given the API's staff registration serializer (the rules a row obeys)
    from retailers.api.serializers import StaffRetailerCreateSerializer

    api = {name: f for name, f in StaffRetailerCreateSerializer().fields.items() if name not in ("password", "phone")}
    form = imports.ImportRowForm.base_fields

    # then the form has the same fields (plus the import's own) with the same bounds; the phone's
    # 32 characters bound the normalized number, at most 16, so the form does not repeat it
    assert [name for name in form if name not in api] == ["phone", "status", "credit_limit", "opening_balance"]
    assert {name: rules(form[name]) for name in api} == {name: rules(f) for name, f in api.items()}
    assert list(form["business_type"].values) == list(api["business_type"].choices)
