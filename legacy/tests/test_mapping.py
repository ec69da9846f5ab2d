"""The import's rules that need no database (they run on SQLite too), and v1's password hashes."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher

from legacy import mapping as m

# Supabase-style `$2a$10$` hash of "Legacy-admin-2025", as in the fixture's auth.users
V1_ADMIN_HASH = "$2a$10$HAo8HfvxBUGtLK3BBilUBea.8V6WjNBNV05GjOBB.heThqDBtJzrW"
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw, fmt",
    [
        ("0661 23 45 67", "spaced"),
        ("+213661234567", "e164"),
        ("0661-23-45-67", "dashed"),
        ("213661234567", "intl_no_plus"),
        ("0661234567", "plain"),
    ],
)
def test_the_five_v1_phone_spellings_become_one_e164_number(raw, fmt):
    assert m.phone_format(raw) == fmt
    assert m.phone(raw) == "+213661234567"


def test_placeholder_emails_are_dropped_and_real_ones_lowercased():
    assert m.email("houda.toumi@temp.local") is None
    assert m.email(" Farid.Kaci50@Outlook.fr ") == "farid.kaci50@outlook.fr"
    assert m.email(None) is None


def test_a_barcode_is_kept_only_with_a_valid_check_digit():
    assert m.barcode("4006381333931") == "4006381333931"  # valid EAN-13
    assert m.barcode("4006381333932") is None  # wrong check digit (v1's admin helper)
    assert m.barcode("") is None


@pytest.mark.parametrize(
    "raw, unit",
    [("bouteille", "piece"), ("boîte", "piece"), ("sac", "piece"), ("fardeau", "pack"), (None, "piece"), ("kg", "kg")],
)
def test_free_text_units_map_to_the_unit_choices(raw, unit):
    assert m.unit(raw) == unit


def test_an_empty_name_is_filled_from_the_other_languages():
    assert m.names("شوكولاتة", "", "Chocolate and candy") == (
        ("شوكولاتة", "Chocolate and candy", "Chocolate and candy"),
        ["fr"],
    )
    assert m.names("", "Lait", "Milk") == (("Lait", "Lait", "Milk"), ["ar"])


def test_v1_time_slots_become_morning_or_afternoon():
    assert [m.time_slot(s) for s in ("08:00-12:00", "12:00-16:00", "16:00-19:00", None)] == [
        "morning",
        "afternoon",
        "afternoon",
        "morning",
    ]


def _order(method, status, total, at, cancelled_at=None):
    metadata = {"cancellation": {"cancelled_at": cancelled_at.isoformat()}} if cancelled_at else {}
    return {
        "id": uuid4(),
        "order_number": f"ORD-{total}",
        "payment_method": method,
        "status": status,
        "total_amount": Decimal(total),
        "created_at": at,
        "updated_at": at,
        "metadata": metadata,
        "created_by_user_id": None,
    }


def _payment(amount, type_, method, at, reference=None, order=None, reason=None):
    return {
        "id": uuid4(),
        "order_id": order,
        "amount": Decimal(amount),
        "payment_type": type_,
        "payment_method": method,
        "reference_number": reference,
        "collected_at": at,
        "created_at": at,
        "collected_by_user_id": None,
        "metadata": {"reason": reason} if reason else {},
        "notes": None,
    }


def test_a_retailer_history_replays_to_the_sign_flipped_v1_balance():
    # v1: credit order 1000 (charged), credit order 400 cancelled (charged then restored), cash order
    # 700 (never charged), a 300 credit payment, a -150 penalty stored as a payment: owes 850.
    retailer = {"id": uuid4(), "current_balance": Decimal("-850.00"), "created_at": T0}
    orders = [
        _order("credit", "delivered", "1000.00", T0),
        _order("credit", "cancelled", "400.00", T0 + timedelta(hours=1), cancelled_at=T0 + timedelta(hours=2)),
        _order("cash", "delivered", "700.00", T0 + timedelta(hours=3)),
    ]
    payments = [
        _payment("300.00", "credit_payment", "cash", T0 + timedelta(days=1)),
        _payment("700.00", "order_payment", "cash", T0 + timedelta(days=1), order=orders[2]["id"]),
        _payment("-150.00", "credit_payment", "credit", T0 + timedelta(days=2), reference="ADJ-1", reason="Pénalité"),
    ]

    plan = m.ledger_plan(retailer, orders, payments)

    assert [(line.kind, line.amount) for line in plan.lines] == [
        ("order_charge", Decimal("1000.00")),
        ("order_charge", Decimal("400.00")),
        ("order_reversal", Decimal("-400.00")),
        ("payment", Decimal("-300.00")),
        ("adjustment_debit", Decimal("150.00")),
    ]
    assert (plan.target, plan.replayed, plan.residual) == (Decimal("850.00"), Decimal("850.00"), Decimal("0.00"))
    assert plan.lines[-1].reason == "Pénalité"


def test_a_residual_becomes_one_opening_balance_first_and_a_prepaid_balance_is_negative():
    retailer = {"id": uuid4(), "current_balance": Decimal("2500.00"), "created_at": T0}  # prepaid in v1

    plan = m.ledger_plan(retailer, [], [])

    assert [(line.kind, line.amount) for line in plan.lines] == [("opening_balance", Decimal("-2500.00"))]


def test_a_delivered_cash_order_gets_a_charge_and_its_cash_payment_netting_to_zero():
    order = _order("cash", "delivered", "700.00", T0)
    unpaid = _order("cash", "delivered", "90.00", T0)
    payment = _payment("700.00", "order_payment", "cash", T0 + timedelta(hours=5), order=order["id"])
    delivery = {"id": uuid4(), "order_id": unpaid["id"], "actual_delivery_time": T0, "cash_collected": Decimal("90.00"),
                "delivery_number": "DEL-1", "status": "delivered", "created_at": T0}  # fmt: skip

    lines = m.cash_settlement([order, unpaid], [payment], m.kept_deliveries([delivery]))

    assert [(line.key.split(":")[0], line.kind, line.amount) for line in lines] == [
        ("cash_charge", "order_charge", Decimal("700.00")),
        ("cash_payment", "payment", Decimal("-700.00")),
        ("cash_charge", "order_charge", Decimal("90.00")),
        ("cash_collected", "payment", Decimal("-90.00")),
    ]


def test_payment_methods_come_from_the_notes():
    assert m.payment_method({"notes": "Paiement par chèque n° 123"}) == "cheque"
    assert m.payment_method({"notes": "Virement CCP"}) == "bank_transfer"
    assert m.payment_method({"notes": None}) == "cash"


def test_a_v1_bcrypt_hash_verifies_with_its_password_only():
    encoded = f"bcrypt${V1_ADMIN_HASH}"

    assert identify_hasher(encoded).algorithm == "bcrypt"
    assert check_password("Legacy-admin-2025", encoded) is True
    assert check_password("Legacy-admin-2024", encoded) is False
    assert check_password("x" * 100, encoded) is False  # beyond bcrypt's 72 bytes: refused, no error
