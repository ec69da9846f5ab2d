"""Property-style: after a generated random mix of orders, deliveries, payments, bounces,
cancellations, credit notes, adjustments and handovers, for every retailer
balance == Σ ledger == open invoices + uninvoiced order charges + adjustments − prepaid
(billing/ledger_checks.py), every payment's allocations sum to at most its amount, and
check_ledgers passes — after every step, on SQLite and PostgreSQL alike."""

import io
import random
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from billing import ledger_checks
from billing.models import Invoice, Payment, PaymentStatus
from billing.services.handovers import handover_approve, handover_create, handover_expected
from billing.services.invoices import invoice_cancel
from billing.services.payments import payment_bounce, payment_cancel, payment_record
from livrili.core.money import ZERO, to_money
from orders.models import Order
from orders.services.lifecycle import order_cancel
from retailers.models import LedgerEntry, Retailer
from retailers.services import ledger_adjust

STEPS = 45
SEEDS = (7, 2026)


def identity_holds() -> None:
    assert [problem for check in ledger_checks.CHECKS for problem in check()] == []
    for retailer in Retailer.objects.all():
        ledger = to_money(LedgerEntry.objects.filter(retailer=retailer).aggregate(s=Sum("amount"))["s"] or ZERO)
        assert retailer.balance == ledger
    for payment in Payment.objects.all():
        allocated = to_money(payment.allocations.aggregate(s=Sum("amount"))["s"] or ZERO)
        assert allocated == payment.allocated_amount <= payment.amount


@pytest.mark.django_db
@pytest.mark.parametrize("seed", SEEDS)
def test_the_receivables_identity_holds_through_a_random_history(
    seed, shop, make_user, picked_up, deliver, deliver_cash, finance, driver, operator
):
    rng = random.Random(seed)  # noqa: S311 (reproducible test data)
    other = make_user(role="retailer", username="other.owner", preferred_language="ar")
    Retailer.objects.filter(pk=other.retailer_id).update(credit_limit=Decimal("1000000.00"))
    owners = [shop, other]
    done = []

    def money(low, high) -> Decimal:
        return Decimal(rng.randint(low * 100, high * 100)) / 100

    for _step in range(STEPS):
        owner = rng.choice(owners)
        retailer = Retailer.objects.get(pk=owner.retailer_id)
        action = rng.choice(
            ["cash_stop", "cash_stop", "credit_delivered", "credit_open", "credit_cancelled", "office_payment",
             "office_payment", "bounce", "cancel_payment", "credit_note", "adjustment", "handover"]
        )  # fmt: skip
        quantities = (rng.randint(9, 14), rng.randint(0, 9))  # above the minimum order value
        if action == "cash_stop":
            delivery = picked_up("cash", quantities=quantities, owner=owner)
            total = delivery.order.total
            cash = rng.choice([total, total, to_money(total * Decimal("0.6")), total + money(1, 3000), ZERO])
            deliver_cash(delivery, cash) if cash > ZERO else deliver(delivery)
        elif action == "credit_delivered":
            deliver(picked_up("credit", quantities=quantities, owner=owner))
        elif action == "credit_open":
            picked_up("credit", quantities=quantities, owner=owner)  # charged, not invoiced
        elif action == "credit_cancelled":
            delivery = picked_up("credit", quantities=quantities, owner=owner)
            order = Order.objects.get(pk=delivery.order_id)
            if order.status in ("confirmed", "processing"):
                order_cancel(order=order, actor=operator, reason="Random")
        elif action == "office_payment":
            payment_record(
                retailer=retailer,
                amount=money(1, 6000),
                method=rng.choice(["cash", "cheque", "cheque", "bank_transfer", "card"]),
                actor=finance,
            )
        elif action == "bounce":
            cheque = Payment.objects.filter(method="cheque", status=PaymentStatus.CONFIRMED).order_by("?").first()
            if cheque:
                payment_bounce(payment=cheque, reason="Unpaid", actor=finance)
        elif action == "cancel_payment":
            live = Payment.objects.filter(status=PaymentStatus.CONFIRMED).order_by("?").first()
            if live:
                payment_cancel(payment=live, reason="Error", actor=finance)
        elif action == "credit_note":
            invoice = Invoice.objects.exclude(status="cancelled").order_by("?").first()
            if invoice:
                invoice_cancel(invoice=invoice, reason="Correction", actor=finance)
        elif action == "adjustment":
            ledger_adjust(
                retailer=retailer,
                kind=rng.choice(["debit", "credit", "write_off"]),
                amount=money(1, 500),
                reason="Random",
                actor=finance,
            )
        elif action == "handover":
            day = timezone.localdate()
            expected = sum((p.amount for p in handover_expected(driver=driver, day=day)), ZERO)
            if expected > ZERO:
                counted = expected - rng.choice([ZERO, ZERO, Decimal("0.50")])
                handover = handover_create(
                    driver=driver, day=day, counted_amount=counted, actor=finance, reason="counting_error"
                )
                handover_approve(handover=handover, actor=finance)
        done.append(action)
        identity_holds()

    # the mix exercised the interesting paths, and check_ledgers agrees
    assert {"cash_stop", "office_payment"} <= set(done)
    assert Invoice.objects.exists() and Payment.objects.exists()
    call_command("check_ledgers", stdout=io.StringIO())
