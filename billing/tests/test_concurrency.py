"""PostgreSQL: concurrent payments, bounces and handovers keep every allocation within its
payment and its invoice (row locks, re-checked under them)."""

from decimal import Decimal

import pytest
from django.utils import timezone

from billing import ledger_checks
from billing.models import CashHandover, CashHandoverPayment, Invoice, Payment
from billing.services.handovers import handover_create
from billing.services.payments import payment_record
from livrili.core.errors import DomainError
from livrili.core.testing.concurrency import run_together

D = Decimal


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_payments_at_once_settle_two_invoices_exactly(shop, delivered, finance):
    # Given two open credit invoices of 2132.17
    invoices = [Invoice.objects.get(order=delivered("credit")) for _ in range(2)]

    # When eight payments of 700.00 are recorded at the same moment
    run_together(8, lambda i: payment_record(retailer=shop.retailer, amount=D("700.00"), method="cash", actor=finance))

    # Then both invoices are paid exactly, 1335.66 is prepaid, and every check holds
    for invoice in invoices:
        invoice.refresh_from_db()
        assert (invoice.status, invoice.amount_paid) == ("paid", D("2132.17"))
    unallocated = sum(p.unallocated_amount for p in Payment.objects.all())
    assert unallocated == D("1335.66")
    shop.retailer.refresh_from_db()
    assert shop.retailer.balance == D("-1335.66")
    assert [problem for check in ledger_checks.CHECKS for problem in check()] == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_cashiers_counting_the_same_cash_at_once_hand_it_over_once(picked_up, deliver_cash, driver, finance):
    # Given a driver's cash of the day
    deliver_cash(picked_up("cash"), D("2154.17"))

    # When two cashiers count it at the same moment
    outcomes = run_together(
        2,
        lambda i: handover_create(driver=driver, day=timezone.localdate(), counted_amount=D("2154.17"), actor=finance),
        catch=(DomainError,),
    )

    # Then one handover took it; the other was refused and wrote nothing
    assert sorted(type(o).__name__ for o in outcomes) == ["CashHandover", "DomainError"]
    assert CashHandover.objects.count() == CashHandoverPayment.objects.count() == 1
