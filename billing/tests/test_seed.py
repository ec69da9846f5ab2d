"""The billing seed: the delivered history invoiced, every history payment entry a Payment with
its allocations, and check_ledgers' receivables identity holding over it."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum

from billing import ledger_checks
from billing import seed as billing_seed
from billing.models import Invoice, InvoiceLine, Payment, PaymentAllocation
from deliveries import seed as deliveries_seed
from deliveries.tests.test_seed import _world
from livrili.core.models import Sequence
from livrili.core.money import to_money
from livrili.core.numbering import next_number
from orders import seed as orders_seed
from orders.models import Order
from retailers.models import LedgerEntry

ORDERS = 300

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    original = orders_seed.SIZES["small"]
    orders_seed.SIZES["small"] = ORDERS
    with django_db_blocker.unblock(), transaction.atomic():
        _world()
        orders_seed.run(size="small", out=io.StringIO())
        deliveries_seed.run(size="small", out=io.StringIO())
        out = io.StringIO()
        billing_seed.run(size="small", out=out)
        yield out.getvalue()
        transaction.set_rollback(True)
    orders_seed.SIZES["small"] = original


def test_every_delivered_order_has_its_invoice_numbered_without_gap(seeded):
    delivered = Order.objects.filter(status="delivered")
    assert Invoice.objects.count() == delivered.count() > 0
    for invoice in Invoice.objects.select_related("order"):
        assert (invoice.total, invoice.issued_at) == (invoice.order.total, invoice.order.delivered_at)
        assert sum(line.line_total for line in invoice.lines.all()) == invoice.total
    by_year = {}
    for number in Invoice.objects.order_by("issued_at").values_list("number", flat=True):
        _prefix, year, value = number.split("-")
        by_year.setdefault(year, []).append(int(value))
    for values in by_year.values():
        assert values == list(range(1, len(values) + 1))
    year, last = Sequence.objects.filter(prefix="FAC").order_by("-year").values_list("year", "last_value").first()
    assert last == len(by_year[str(year)])
    assert InvoiceLine.objects.filter(kind="stamp_duty").count() == Invoice.objects.filter(stamp_duty__gt=0).count()
    with transaction.atomic():  # the next live invoice continues the series
        assert next_number("FAC", gap_free=True).endswith(f"{last + 1:06d}")
        transaction.set_rollback(True)


def test_every_payment_entry_is_a_payment_with_its_allocations(seeded):
    entries = LedgerEntry.objects.filter(kind="payment")
    assert entries.filter(payment__isnull=True).count() == 0
    assert Payment.objects.count() == entries.count() > 0
    for payment in Payment.objects.all():
        total = to_money(payment.allocations.aggregate(t=Sum("amount"))["t"] or 0)
        assert total == payment.allocated_amount <= payment.amount
    stops = Payment.objects.filter(delivery__isnull=False)
    assert stops.exists() and set(stops.values_list("method", flat=True)) == {"cash"}
    assert PaymentAllocation.objects.exists()
    assert "invoices of the delivered history" in seeded


def test_check_ledgers_passes_on_the_seeded_history(seeded):
    assert [problem for check in ledger_checks.CHECKS for problem in check()] == []
    call_command("check_ledgers", stdout=io.StringIO())


def test_a_second_run_writes_nothing(seeded):
    counts = (Invoice.objects.count(), Payment.objects.count(), PaymentAllocation.objects.count())
    out = io.StringIO()
    billing_seed.run(size="small", out=out)
    assert (Invoice.objects.count(), Payment.objects.count(), PaymentAllocation.objects.count()) == counts
    assert "already present" in out.getvalue()
