import threading
from decimal import Decimal
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from livrili.core.errors import DomainError
from livrili.core.testing.assertions import assert_error
from retailers.models import LedgerEntry, Retailer, RetailerEvent
from retailers.services import ledger_adjust, ledger_opening_balance, ledger_post

pytestmark = pytest.mark.django_db


def chain(retailer):
    return list(
        LedgerEntry.objects.filter(retailer=retailer).values_list("position", "kind", "amount", "balance_after")
    )


def test_adjustments_take_their_sign_from_the_kind(client_for, finance, make_retailer):
    retailer = make_retailer(credit_limit=Decimal("1000.00"))
    client = client_for(finance)
    url = f"/api/v1/retailers/{retailer.pk}/adjustments"

    debit = client.post(url, {"kind": "debit", "amount": "400.00", "reason": "Old invoice"}, format="json")
    credit = client.post(url, {"kind": "credit", "amount": "150.50", "reason": "Return"}, format="json")
    write_off = client.post(url, {"kind": "write_off", "amount": "49.50", "reason": "Rounding"}, format="json")

    assert debit.status_code == 201, debit.json()
    assert [
        (r.json()["data"]["kind"], r.json()["data"]["amount"], r.json()["data"]["balance_after"])
        for r in (debit, credit, write_off)
    ] == [
        ("adjustment_debit", "400.00", "400.00"),
        ("adjustment_credit", "-150.50", "249.50"),
        ("write_off", "-49.50", "200.00"),
    ]
    retailer.refresh_from_db()
    assert (retailer.balance, retailer.available_credit) == (Decimal("200.00"), Decimal("800.00"))
    assert debit.json()["data"]["actor"]["id"] == str(finance.pk)
    ledger = client.get(f"/api/v1/retailers/{retailer.pk}/ledger").json()
    assert [(e["position"], e["balance_after"]) for e in ledger["data"]] == [
        (3, "200.00"),
        (2, "249.50"),
        (1, "400.00"),
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "debit", "amount": "10.005", "reason": "x"}, "amount"),
        ({"kind": "debit", "amount": "0.00", "reason": "x"}, "amount"),
        ({"kind": "credit", "amount": "-5.00", "reason": "x"}, "amount"),
        ({"kind": "debit", "amount": "5.00", "reason": ""}, "reason"),
        ({"kind": "order_charge", "amount": "5.00", "reason": "x"}, "kind"),
    ],
)
def test_invalid_adjustments_are_400_and_post_nothing(client_for, finance, make_retailer, body, field):
    retailer = make_retailer()

    response = client_for(finance).post(f"/api/v1/retailers/{retailer.pk}/adjustments", body, format="json")

    assert field in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    retailer.refresh_from_db()
    assert (retailer.balance, LedgerEntry.objects.count()) == (0, 0)


def test_credit_limit_change_is_an_event_with_old_new_reason_actor(client_for, finance, make_retailer):
    retailer = make_retailer(credit_limit=Decimal("1000.00"))
    url = f"/api/v1/retailers/{retailer.pk}/credit-limit"
    client = client_for(finance)

    changed = client.post(url, {"credit_limit": "25000.00", "reason": "Two years of prompt payment"}, format="json")
    missing_reason = client.post(url, {"credit_limit": "1.00", "reason": ""}, format="json")
    negative = client.post(url, {"credit_limit": "-1.00", "reason": "x"}, format="json")
    three_decimals = client.post(url, {"credit_limit": "1.001", "reason": "x"}, format="json")

    assert changed.json()["data"]["credit_limit"] == "25000.00"
    assert changed.json()["data"]["available_credit"] == "25000.00"
    for refused, field in ((missing_reason, "reason"), (negative, "credit_limit"), (three_decimals, "credit_limit")):
        assert field in assert_error(refused, 400, "VALIDATION_ERROR")["details"]
    event = RetailerEvent.objects.get()
    assert (event.type, event.from_value, event.to_value, event.reason, event.actor) == (
        "credit_limit_changed",
        "1000.00",
        "25000.00",
        "Two years of prompt payment",
        finance,
    )
    retailer.refresh_from_db()
    assert retailer.credit_limit == Decimal("25000.00")


def test_opening_balance_may_be_prepaid_and_must_come_first(make_retailer):
    retailer = make_retailer()

    ledger_opening_balance(retailer=retailer, amount=Decimal("-300.00"), actor=None, reason="Import")

    retailer.refresh_from_db()
    assert (retailer.balance, retailer.available_credit) == (Decimal("-300.00"), Decimal("300.00"))
    with pytest.raises(Exception, match="VALIDATION_ERROR"):
        ledger_opening_balance(retailer=retailer, amount=Decimal("10.00"), actor=None)
    assert chain(retailer) == [(1, "opening_balance", Decimal("-300.00"), Decimal("-300.00"))]


def test_entries_are_never_updated_or_deleted(make_retailer):
    retailer = make_retailer()
    entry = ledger_post(retailer=retailer, kind="order_charge", amount=Decimal("10.00"), actor=None)

    for attempt in (
        lambda: entry.save(),
        lambda: entry.delete(),
        lambda: LedgerEntry.objects.filter(pk=entry.pk).update(amount=1),
        lambda: LedgerEntry.objects.filter(pk=entry.pk).delete(),
    ):
        with pytest.raises(TypeError):
            attempt()
    assert chain(retailer) == [(1, "order_charge", Decimal("10.00"), Decimal("10.00"))]


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"kind": "payment", "amount": Decimal("5.00")}, "ledger_entry_sign_follows_kind"),
        ({"kind": "order_charge", "amount": Decimal("-5.00")}, "ledger_entry_sign_follows_kind"),
        ({"kind": "opening_balance", "amount": Decimal("0.00")}, "ledger_entry_amount_not_zero"),
    ],
)
def test_the_database_refuses_entries_with_the_wrong_sign(make_retailer, fields, constraint):
    retailer = make_retailer()

    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        LedgerEntry.objects.create(retailer=retailer, position=1, balance_after=fields["amount"], **fields)


def test_the_database_refuses_a_negative_credit_limit(make_retailer):
    retailer = make_retailer()

    with pytest.raises(IntegrityError, match="retailer_credit_limit_gte_0"), transaction.atomic():
        Retailer.objects.filter(pk=retailer.pk).update(credit_limit=Decimal("-1.00"))


def test_statement_has_opening_entries_with_running_balance_and_closing(client_for, owner, finance):
    retailer = owner.retailer
    days = iter(["2026-03-01T09:00:00+01:00", "2026-03-10T09:00:00+01:00", "2026-03-20T09:00:00+01:00"])
    for kind, amount in (("debit", "1000.00"), ("credit", "400.00"), ("debit", "250.00")):
        with mock.patch("django.utils.timezone.now", return_value=timezone.datetime.fromisoformat(next(days))):
            ledger_adjust(retailer=retailer, kind=kind, amount=Decimal(amount), reason=kind, actor=finance)

    data = client_for(owner).get("/api/v1/retailers/statement?date_from=2026-03-05&date_to=2026-03-31").json()["data"]

    assert (data["opening_balance"], data["closing_balance"]) == ("1000.00", "850.00")
    assert [(e["kind"], e["amount"], e["running_balance"]) for e in data["entries"]] == [
        ("adjustment_credit", "-400.00", "600.00"),
        ("adjustment_debit", "250.00", "850.00"),
    ]
    assert (data["total_debit"], data["total_credit"]) == ("250.00", "400.00")
    bad = client_for(owner).get("/api/v1/retailers/statement?date_from=2026-04-01&date_to=2026-03-01")
    assert "date_to" in assert_error(bad, 400, "VALIDATION_ERROR")["details"]


def test_check_ledgers_passes_then_fails_loudly_on_a_corrupted_balance(make_retailer, finance):
    sound, corrupted = make_retailer(business_name="Sound"), make_retailer(business_name="Corrupted")
    for retailer in (sound, corrupted):
        ledger_adjust(retailer=retailer, kind="debit", amount=Decimal("100.00"), reason="x", actor=finance)
    out = StringIO()
    call_command("check_ledgers", stdout=out)
    assert "All ledgers balance." in out.getvalue()

    Retailer.objects.filter(pk=corrupted.pk).update(balance=Decimal("99.99"))  # behind the services' back
    err = StringIO()
    with pytest.raises(CommandError, match="1 ledger mismatch"):
        call_command("check_ledgers", stdout=StringIO(), stderr=err)
    assert err.getvalue().strip() == f"retailer {corrupted.pk} (Corrupted): balance 99.99 != ledger sum 100.00"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_adjustments_keep_balance_equal_to_the_ledger(make_retailer, finance):
    # given one retailer and 20 adjustments released at the same instant
    retailer = make_retailer()
    amounts = [Decimal(f"{n}.25") for n in range(1, 21)]
    barrier = threading.Barrier(len(amounts))
    errors = []

    def post(n, amount):
        try:
            barrier.wait(timeout=10)
            ledger_adjust(
                retailer=Retailer.objects.get(pk=retailer.pk),
                kind="debit" if n % 4 else "credit",
                amount=amount,
                reason=f"#{n}",
                actor=finance,
            )
        except Exception as exc:  # noqa: BLE001 - every failure is reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(n, a)) for n, a in enumerate(amounts, start=1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then every post landed, the cache equals the sum and the chain is consistent
    assert errors == []
    expected = sum((a if n % 4 else -a for n, a in enumerate(amounts, start=1)), Decimal("0.00"))
    retailer.refresh_from_db()
    entries = chain(retailer)
    assert [p for p, _k, _a, _b in entries] == list(range(1, 21))
    assert retailer.balance == sum(a for _p, _k, a, _b in entries) == expected
    running = Decimal("0.00")
    for _position, _kind, amount, balance_after in entries:
        running += amount
        assert balance_after == running
    call_command("check_ledgers", stdout=StringIO())
    Retailer.objects.filter(pk=retailer.pk).update(balance=expected + 1)
    with pytest.raises(CommandError):
        call_command("check_ledgers", stdout=StringIO(), stderr=StringIO())


def test_services_refuse_sub_cent_amounts_instead_of_rounding(make_retailer, finance):
    retailer = make_retailer()

    with pytest.raises(DomainError) as refused, translation.override("en"):
        ledger_adjust(retailer=retailer, kind="debit", amount=Decimal("10.005"), reason="x", actor=finance)

    assert refused.value.details == {"amount": ["Use at most 2 decimal places."]}
    assert LedgerEntry.objects.count() == 0


@pytest.mark.postgres
def test_postgresql_refuses_raw_money_updates_and_deletes_of_entries(make_retailer):
    retailer = make_retailer()
    entry = ledger_post(retailer=retailer, kind="order_charge", amount=Decimal("10.00"), actor=None)

    for sql in (
        "UPDATE retailers_ledgerentry SET amount = 1 WHERE id = %s",
        "UPDATE retailers_ledgerentry SET balance_after = 0, created_at = now() WHERE id = %s",
        "DELETE FROM retailers_ledgerentry WHERE id = %s",
    ):
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    assert chain(retailer) == [(1, "order_charge", Decimal("10.00"), Decimal("10.00"))]
    # only a timestamp may move (demo seeds backdate their history)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE retailers_ledgerentry SET created_at = created_at - interval '1 day' WHERE id = %s", [entry.pk]
        )
    assert LedgerEntry.objects.get().created_at < entry.created_at


@pytest.mark.parametrize(("kind", "sign"), [("debit", 1), ("credit", -1)])
def test_a_balance_beyond_its_column_is_refused_and_posts_nothing(client_for, finance, make_retailer, kind, sign):
    # given a balance at the largest value the column holds (|x| < 10^12)
    retailer = make_retailer()
    client = client_for(finance)
    url = f"/api/v1/retailers/{retailer.pk}/adjustments"
    first = client.post(url, {"kind": kind, "amount": "999999999999.99", "reason": "x"}, format="json")
    assert first.status_code == 201, first.json()

    # when one more cent would push it beyond
    response = client.post(url, {"kind": kind, "amount": "0.01", "reason": "x"}, format="json")

    # then it is refused and nothing is written
    assert list(assert_error(response, 400, "VALIDATION_ERROR")["details"]) == ["amount"]
    retailer.refresh_from_db()
    assert retailer.balance == sign * Decimal("999999999999.99")
    assert chain(retailer) == [(1, first.json()["data"]["kind"], retailer.balance, retailer.balance)]
    # and the retailer still reads (available credit is a derived figure)
    assert client.get(f"/api/v1/retailers/{retailer.pk}").status_code == 200


def test_services_refuse_amounts_beyond_the_money_column(make_retailer, finance):
    retailer = make_retailer()

    with pytest.raises(DomainError) as posted:
        ledger_post(retailer=retailer, kind="order_charge", amount=Decimal("1000000000000.00"), actor=None)
    with pytest.raises(DomainError) as opening:
        ledger_opening_balance(retailer=retailer, amount=Decimal("-1000000000000.00"), actor=None)

    assert (list(posted.value.details), list(opening.value.details)) == (["amount"], ["amount"])
    assert (LedgerEntry.objects.count(), Retailer.objects.get().balance) == (0, 0)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("adjustments", {"kind": "debit", "amount": "1000000000000.00", "reason": "x"}, "amount"),
        ("credit-limit", {"credit_limit": "1000000000000.00", "reason": "x"}, "credit_limit"),
    ],
)
def test_api_money_inputs_are_bounded_by_their_column(client_for, finance, make_retailer, path, body, field):
    retailer = make_retailer(credit_limit=Decimal("10.00"))

    response = client_for(finance).post(f"/api/v1/retailers/{retailer.pk}/{path}", body, format="json")

    assert list(assert_error(response, 400, "VALIDATION_ERROR")["details"]) == [field]
    retailer.refresh_from_db()
    assert (retailer.credit_limit, retailer.balance, LedgerEntry.objects.count()) == (Decimal("10.00"), 0, 0)


def test_derived_figures_beyond_14_digits_still_read(client_for, owner, finance):
    # given the largest credit limit with a prepaid balance, and two large debits in the period
    retailer = owner.retailer
    Retailer.objects.filter(pk=retailer.pk).update(credit_limit=Decimal("999999999999.99"))
    for kind in ("debit", "credit", "debit"):
        ledger_adjust(retailer=retailer, kind=kind, amount=Decimal("999999999999.99"), reason="x", actor=finance)
    ledger_adjust(retailer=retailer, kind="credit", amount=Decimal("999999999999.99"), reason="x", actor=finance)
    ledger_adjust(retailer=retailer, kind="credit", amount=Decimal("0.01"), reason="x", actor=finance)
    client = client_for(owner)

    profile = client.get("/api/v1/retailers/profile")
    statement = client.get("/api/v1/retailers/statement")

    assert (profile.status_code, profile.json()["data"]["available_credit"]) == (200, "1000000000000.00")
    assert (statement.json()["data"]["total_debit"], statement.json()["data"]["total_credit"]) == (
        "1999999999999.98",
        "1999999999999.99",
    )
