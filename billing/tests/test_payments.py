"""Payments and their allocation (billing.services.payments): collected at the stop, recorded at
the office, bounced and cancelled; every figure exact, every refusal writes nothing."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from billing import ledger_checks
from billing.models import Invoice, Payment, PaymentAllocation
from billing.services.invoices import invoice_cancel
from billing.services.payments import (
    AllocationRequest,
    payment_allocate,
    payment_bounce,
    payment_cancel,
    payment_record,
)
from livrili.core.errors import DomainError
from retailers.models import LedgerEntry

D = Decimal
CASH_TOTAL = D("2154.17")  # 10 × 120.00 at 19 % + 7 × 45.50 at 9 % + fee 300 at 19 % + stamp duty 22
CREDIT_TOTAL = D("2132.17")


def all_checks() -> list[str]:
    return [problem for check in ledger_checks.CHECKS for problem in check()]


def ledger(retailer) -> list[tuple]:
    return list(
        LedgerEntry.objects.filter(retailer=retailer)
        .order_by("position")
        .values_list("kind", "amount", "balance_after")
    )


def allocations(payment) -> list[tuple]:
    return list(payment.allocations.order_by("invoice__number").values_list("invoice__number", "amount"))


@pytest.mark.django_db
def test_cash_collected_at_the_stop_is_a_payment_in_custody_allocated_to_its_invoice(
    shop, picked_up, deliver_cash, driver, client_for
):
    # Given a cash order picked up by the driver
    delivery = picked_up("cash")

    # When the driver delivers it and collects its total
    deliver_cash(delivery, CASH_TOTAL)

    # Then the cash is a payment in the driver's custody, settling the stop's invoice whole
    payment = Payment.objects.get(delivery=delivery)
    invoice = Invoice.objects.get(order=delivery.order)
    assert (payment.amount, payment.method, payment.status) == (CASH_TOTAL, "cash", "in_custody")
    assert (payment.collected_by, payment.reference, payment.allocated_amount) == (
        driver.user,
        delivery.number,
        CASH_TOTAL,
    )
    assert allocations(payment) == [(invoice.number, CASH_TOTAL)]
    assert (invoice.amount_paid, invoice.status) == (CASH_TOTAL, "paid")
    # and the ledger has the payment first, then the charge: balance back to zero
    assert ledger(shop.retailer) == [("payment", -CASH_TOTAL, -CASH_TOTAL), ("order_charge", CASH_TOTAL, D("0.00"))]
    assert LedgerEntry.objects.get(kind="payment").payment == payment
    # and the retailer is told, in its language (fr), through its inbox
    inbox = client_for(shop).get("/api/v1/notifications").json()["data"]
    received = [row["body"] for row in inbox if row["event"] == "payment_received"]
    assert received == [f"Nous avons reçu votre paiement de {CASH_TOTAL} DA (référence {delivery.number}). Merci."]
    assert all_checks() == []


@pytest.mark.django_db
def test_a_shortfall_at_the_stop_stays_debt(shop, picked_up, deliver_cash):
    # When the driver collects 2000.00 of 2154.17
    delivery = deliver_cash(picked_up("cash"), D("2000.00"))

    # Then the invoice is partially paid and 154.17 stays owed
    invoice = Invoice.objects.get(order=delivery.order)
    assert (invoice.amount_paid, invoice.status, invoice.amount_due) == (D("2000.00"), "partially_paid", D("154.17"))
    shop.retailer.refresh_from_db()
    assert shop.retailer.balance == D("154.17")
    assert all_checks() == []


@pytest.mark.django_db
def test_an_excess_at_the_stop_settles_older_invoices_then_is_prepaid(shop, delivered, picked_up, deliver_cash):
    # Given an older credit invoice of 2132.17, still open
    older = Invoice.objects.get(order=delivered("credit"))

    # When the next cash stop collects 3000.00 for its 2154.17
    delivery = deliver_cash(picked_up("cash"), D("3000.00"))

    # Then its own invoice is paid, the excess 845.83 goes to the older one, nothing is prepaid
    stop = Invoice.objects.get(order=delivery.order)
    payment = Payment.objects.get(delivery=delivery)
    assert allocations(payment) == sorted([(stop.number, CASH_TOTAL), (older.number, D("845.83"))])
    older.refresh_from_db()
    assert (older.status, older.amount_due) == ("partially_paid", D("1286.34"))
    shop.retailer.refresh_from_db()
    assert shop.retailer.balance == D("1286.34")
    assert all_checks() == []


@pytest.mark.django_db
def test_an_office_payment_settles_the_oldest_open_invoices_first_and_keeps_the_rest_prepaid(shop, delivered, finance):
    # Given two open credit invoices of 2132.17 each
    first, second = (Invoice.objects.get(order=delivered("credit")) for _ in range(2))

    # When Finance records a transfer of 5000.00
    payment, replayed = payment_record(
        retailer=shop.retailer, amount=D("5000.00"), method="bank_transfer", actor=finance, reference="VIR-77"
    )

    # Then the oldest is paid first, then the next, and 735.66 is prepaid
    assert replayed is False
    assert (payment.status, payment.allocated_amount, payment.unallocated_amount) == (
        "confirmed",
        D("4264.34"),
        D("735.66"),
    )
    assert allocations(payment) == [(first.number, CREDIT_TOTAL), (second.number, CREDIT_TOTAL)]
    shop.retailer.refresh_from_db()
    assert shop.retailer.balance == D("-735.66")
    assert all_checks() == []


@pytest.mark.django_db
def test_prepaid_money_settles_the_next_invoice(shop, delivered, finance):
    # Given 1000.00 paid in advance
    payment, _ = payment_record(retailer=shop.retailer, amount=D("1000.00"), method="cash", actor=finance)

    # When a credit order is delivered and invoiced
    invoice = Invoice.objects.get(order=delivered("credit"))

    # Then the prepaid money is allocated to it
    invoice.refresh_from_db()
    assert (invoice.amount_paid, invoice.status) == (D("1000.00"), "partially_paid")
    assert allocations(payment) == [(invoice.number, D("1000.00"))]
    assert all_checks() == []


@pytest.mark.django_db
def test_the_operator_chooses_the_allocation(shop, delivered, finance):
    # Given two open invoices
    first, second = (Invoice.objects.get(order=delivered("credit")) for _ in range(2))

    # When Finance allocates 500.00 to the newer one explicitly out of 700.00
    payment, _ = payment_record(
        retailer=shop.retailer,
        amount=D("700.00"),
        method="cheque",
        actor=finance,
        allocations=[AllocationRequest(second.pk, D("500.00"))],
    )

    # Then the chosen invoice gets 500.00 and the rest goes to the oldest
    assert allocations(payment) == [(first.number, D("200.00")), (second.number, D("500.00"))]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "requests", "field"),
    [
        (D("0.00"), [], "amount"),
        (D("10.001"), [], "amount"),
        (D("100.00"), [("second", D("100.01"))], "allocations"),
        (D("5000.00"), [("second", D("2132.18"))], "allocations"),
        (D("100.00"), [("second", D("50.00")), ("second", D("10.00"))], "allocations"),
        (D("100.00"), [("other", D("50.00"))], "allocations"),
    ],
)
def test_a_refused_payment_writes_nothing(shop, delivered, finance, make_user, amount, requests, field):
    # Given an open invoice of the shop and one of another retailer
    second = Invoice.objects.get(order=delivered("credit"))
    other_owner = make_user(role="retailer", username="other.owner")
    other_owner.retailer.credit_limit = D("100000.00")
    other_owner.retailer.save()
    other = Invoice.objects.get(order=delivered("credit", owner=other_owner))
    named = {"second": second.pk, "other": other.pk}
    counts = (Payment.objects.count(), LedgerEntry.objects.count(), PaymentAllocation.objects.count())

    # When Finance records a payment that breaks a rule
    with pytest.raises(DomainError) as refused:
        payment_record(
            retailer=shop.retailer,
            amount=amount,
            method="cash",
            actor=finance,
            allocations=[AllocationRequest(named[name], value) for name, value in requests],
        )

    # Then it is a validation error on the field and nothing was written
    assert (refused.value.code, list(refused.value.details)) == ("VALIDATION_ERROR", [field])
    assert (Payment.objects.count(), LedgerEntry.objects.count(), PaymentAllocation.objects.count()) == counts


@pytest.mark.django_db
def test_a_replayed_idempotency_key_returns_the_first_payment(shop, finance):
    first, _ = payment_record(
        retailer=shop.retailer, amount=D("100.00"), method="cash", actor=finance, idempotency_key="k-1"
    )
    again, replayed = payment_record(
        retailer=shop.retailer, amount=D("100.00"), method="cash", actor=finance, idempotency_key="k-1"
    )
    assert (again, replayed) == (first, True)
    assert Payment.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="payment").count() == 1


@pytest.mark.django_db
def test_a_bounced_cheque_reverses_its_entry_and_reopens_its_invoices(shop, delivered, finance):
    # Given a credit invoice paid by a cheque of 2132.17
    invoice = Invoice.objects.get(order=delivered("credit"))
    cheque, _ = payment_record(retailer=shop.retailer, amount=CREDIT_TOTAL, method="cheque", actor=finance)
    invoice.refresh_from_db()
    assert invoice.status == "paid"

    # When the cheque bounces
    payment_bounce(payment=cheque, reason="Insufficient funds", actor=finance)

    # Then the payment is bounced, reversed on the ledger, and the invoice is open again
    cheque.refresh_from_db()
    invoice.refresh_from_db()
    assert (cheque.status, cheque.allocated_amount, cheque.reversal_reason) == (
        "bounced",
        D("0.00"),
        "Insufficient funds",
    )
    assert (invoice.status, invoice.amount_paid) == ("issued", D("0.00"))
    assert PaymentAllocation.objects.count() == 0
    assert ledger(shop.retailer)[-2:] == [
        ("payment", -CREDIT_TOTAL, D("0.00")),
        ("payment_reversal", CREDIT_TOTAL, CREDIT_TOTAL),
    ]
    assert all_checks() == []


@pytest.mark.django_db
def test_only_a_confirmed_cheque_bounces_and_a_reversed_payment_stays_so(shop, finance):
    cash, _ = payment_record(retailer=shop.retailer, amount=D("100.00"), method="cash", actor=finance)
    entries = LedgerEntry.objects.count()

    with pytest.raises(DomainError) as refused:
        payment_bounce(payment=cash, reason="No", actor=finance)
    assert refused.value.code == "INVALID_TRANSITION"

    payment_cancel(payment=cash, reason="Recorded twice", actor=finance)
    with pytest.raises(DomainError) as again:
        payment_cancel(payment=cash, reason="Again", actor=finance)
    assert (again.value.code, again.value.details["from"]) == ("INVALID_TRANSITION", "cancelled")
    assert LedgerEntry.objects.count() == entries + 1  # the one reversal


@pytest.mark.django_db
def test_a_reversal_needs_a_reason(shop, finance):
    cheque, _ = payment_record(retailer=shop.retailer, amount=D("100.00"), method="cheque", actor=finance)
    with pytest.raises(DomainError) as refused:
        payment_bounce(payment=cheque, reason="  ", actor=finance)
    assert (refused.value.code, list(refused.value.details)) == ("VALIDATION_ERROR", ["reason"])
    cheque.refresh_from_db()
    assert cheque.status == "confirmed"


@pytest.mark.django_db
def test_a_cancelled_payment_frees_money_that_other_prepaid_payments_cover(shop, delivered, finance):
    # Given an invoice of 2132.17 paid by a first payment and 3000.00 prepaid by a second one
    invoice = Invoice.objects.get(order=delivered("credit"))
    first, _ = payment_record(retailer=shop.retailer, amount=CREDIT_TOTAL, method="cash", actor=finance)
    second, _ = payment_record(retailer=shop.retailer, amount=D("3000.00"), method="bank_transfer", actor=finance)

    # When the first is cancelled
    payment_cancel(payment=first, reason="Wrong retailer", actor=finance)

    # Then the prepaid second payment settles the reopened invoice
    second.refresh_from_db()
    invoice.refresh_from_db()
    assert allocations(second) == [(invoice.number, CREDIT_TOTAL)]
    assert (invoice.status, second.unallocated_amount) == ("paid", D("867.83"))
    assert all_checks() == []


@pytest.mark.django_db
def test_a_credit_note_releases_the_invoice_allocations_to_prepaid(shop, delivered, finance):
    # Given a paid invoice
    invoice = Invoice.objects.get(order=delivered("credit"))
    payment, _ = payment_record(retailer=shop.retailer, amount=CREDIT_TOTAL, method="cash", actor=finance)

    # When it is cancelled by a credit note
    invoice_cancel(invoice=invoice, reason="Wrong prices", actor=finance)

    # Then the payment's money is prepaid again and the invoice holds none
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid, payment.allocated_amount) == ("cancelled", D("0.00"), D("0.00"))
    shop.retailer.refresh_from_db()
    assert shop.retailer.balance == -CREDIT_TOTAL
    assert all_checks() == []


@pytest.mark.django_db
def test_payment_allocate_places_what_is_left(shop, delivered, finance):
    payment, _ = payment_record(retailer=shop.retailer, amount=D("500.00"), method="cash", actor=finance)
    invoice = Invoice.objects.get(order=delivered("credit"))  # prepaid money went to it at issue
    payment.refresh_from_db()
    assert payment.allocated_amount == D("500.00")
    with pytest.raises(DomainError) as refused:
        payment_allocate(payment=payment, allocations=[AllocationRequest(invoice.pk, D("1.00"))], actor=finance)
    assert (refused.value.code, list(refused.value.details)) == ("VALIDATION_ERROR", ["allocations"])


@pytest.mark.django_db
def test_the_database_refuses_allocations_beyond_the_payment_or_the_invoice(shop, delivered, finance):
    payment, _ = payment_record(retailer=shop.retailer, amount=D("100.00"), method="cash", actor=finance)
    invoice = Invoice.objects.get(order=delivered("credit"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(allocated_amount=D("100.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(amount_paid=invoice.total + D("0.01"), status="paid")


@pytest.mark.django_db
def test_check_ledgers_reports_an_allocation_that_disagrees_with_its_caches(shop, delivered, finance):
    invoice = Invoice.objects.get(order=delivered("credit"))
    payment, _ = payment_record(retailer=shop.retailer, amount=D("100.00"), method="cash", actor=finance)
    PaymentAllocation.objects.filter(payment=payment).update(amount=D("90.00"))
    problems = ledger_checks.allocation_mismatches()
    assert problems == [
        f"payment {payment.pk} (confirmed): allocations 90.00, allocated 100.00, amount 100.00",
        f"invoice {invoice.number} (partially_paid): allocations 90.00, amount_paid 100.00, total {invoice.total}",
    ]
