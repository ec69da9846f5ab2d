from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from livrili.accounts.models import User
from retailers.models import LedgerEntry, Retailer

pytestmark = pytest.mark.django_db

HEADER = ";".join(
    [
        "business_name",
        "business_type",
        "full_name",
        "phone",
        "email",
        "wilaya",
        "commune",
        "address",
        "rc_number",
        "nif",
        "status",
        "credit_limit",
        "opening_balance",
    ]
)
GOOD = [
    "Épicerie Ennour;grocery;Ali Saidi;0661 11 11 11;;16;Kouba;3 rue A;16/00-1B22;0011;active;50000.00;1250.50",
    "Café Atlas;cafe;Nora Khelifi;;nora@atlas.dz;9;Blida;8 rue B;;;pending;;-300.00",
]
BAD = [
    "Sans Wilaya;grocery;X Y;0661 22 22 22;;99;C;1 rue C;;;pending;;",  # unknown wilaya
    "Doublon;grocery;Z W;0661111111;;16;C;1 rue D;;;pending;;",  # phone already used by line 2
    "Trois décimales;grocery;Z V;0661 44 44 45;;16;C;1 rue F;;;pending;10.001;",
    "Actif sans NIF;grocery;Q R;0661 33 33 33;;16;C;1 rue E;16/1;;active;;",  # approval needs a NIF
]


def write_csv(tmp_path, lines):
    path = tmp_path / "retailers.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def run(path, *args):
    out, err = StringIO(), StringIO()
    try:
        call_command("import_retailers", str(path), *args, stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), str(exc)
    return out.getvalue(), err.getvalue(), None


def test_valid_file_imports_owners_limits_opening_balances_and_approvals(tmp_path):
    out, _err, failure = run(write_csv(tmp_path, GOOD))

    assert failure is None
    assert (
        "2 rows read; 2 valid; 0 invalid; imported 2; "
        "valid rows total credit limits 50000.00 and opening balances 950.50" in out
    )
    ennour = Retailer.objects.get(business_name="Épicerie Ennour")
    atlas = Retailer.objects.get(business_name="Café Atlas")
    assert (ennour.status, ennour.credit_limit, ennour.balance, ennour.phone) == (
        "active",
        Decimal("50000.00"),
        Decimal("1250.50"),
        "+213661111111",
    )
    assert (atlas.status, atlas.wilaya_id, atlas.balance, atlas.owner.email) == (
        "pending",
        "09",
        Decimal("-300.00"),
        "nora@atlas.dz",
    )
    assert not ennour.owner.has_usable_password()
    assert LedgerEntry.objects.filter(kind="opening_balance").count() == 2
    call_command("check_ledgers", stdout=StringIO())


def test_one_bad_row_imports_nothing_and_reports_line_numbers(tmp_path):
    out, err, failure = run(write_csv(tmp_path, GOOD + BAD))

    assert failure == "4 invalid row(s): nothing was imported."
    assert [line.split(":")[:2] for line in err.splitlines() if line.startswith("line ")] == [
        ["line 4", " wilaya"],
        ["line 5", " phone"],
        ["line 6", " credit_limit"],
        ["line 7", " nif"],
    ]
    assert (Retailer.objects.count(), User.objects.count(), LedgerEntry.objects.count()) == (0, 0, 0)
    assert "6 rows read; 2 valid; 4 invalid; imported 0;" in out


def test_skip_invalid_keeps_the_valid_rows(tmp_path):
    out, err, failure = run(write_csv(tmp_path, GOOD + BAD), "--skip-invalid")

    assert failure is None
    assert sorted(Retailer.objects.values_list("business_name", flat=True)) == ["Café Atlas", "Épicerie Ennour"]
    assert "6 rows read; 2 valid; 4 invalid; imported 2;" in out
    assert err.count("line ") == 4


def test_dry_run_validates_and_writes_nothing(tmp_path):
    out, _err, failure = run(write_csv(tmp_path, GOOD), "--dry-run")

    assert failure is None
    assert "2 rows read; 2 valid; 0 invalid; imported 0 (dry run: nothing written)" in out
    assert Retailer.objects.count() == 0


def test_xlsx_with_numeric_cells(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(
        ["business_name", "business_type", "full_name", "phone", "wilaya", "commune", "address", "credit_limit"]
    )
    sheet.append(["Superette Sahel", "supermarket", "Sami B", 661444444, 31, "Oran", "Rue X", 1000])
    path = tmp_path / "retailers.xlsx"
    book.save(path)

    out, _err, failure = run(path)

    assert failure is None, out
    retailer = Retailer.objects.get()
    assert (retailer.wilaya_id, retailer.phone, retailer.credit_limit) == ("31", "+213661444444", Decimal("1000.00"))
