"""AR aging by due date (billing.selectors.ar_aging) and the overdue notice, once per invoice."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import Invoice
from billing.selectors import ar_aging
from billing.services.invoices import invoices_notify_overdue
from billing.services.payments import AllocationRequest, payment_record

D = Decimal
CREDIT_TOTAL = D("2132.17")


def due_days_ago(invoice, days: int) -> None:
    Invoice.objects.filter(pk=invoice.pk).update(due_date=timezone.localdate() - timedelta(days=days))


@pytest.mark.django_db
def test_aging_buckets_the_amounts_still_due_per_retailer_and_in_total(shop, delivered, finance, make_user):
    # Given five credit invoices of the shop, due in 5 days, 0, 30, 31 and 91 days ago, and one
    # of another retailer 61 days ago; the one 31 days ago is paid 1000.00 of 2132.17
    invoices = [Invoice.objects.get(order=delivered("credit")) for _ in range(5)]
    for invoice, days in zip(invoices, (-5, 0, 30, 31, 91), strict=True):
        due_days_ago(invoice, days)
    payment_record(
        retailer=shop.retailer,
        amount=D("1000.00"),
        method="cash",
        actor=finance,
        allocations=[AllocationRequest(invoices[3].pk, D("1000.00"))],
    )
    other = make_user(role="retailer", username="other.owner")
    other.retailer.credit_limit = D("100000.00")
    other.retailer.save()
    due_days_ago(Invoice.objects.get(order=delivered("credit", owner=other)), 61)

    # When aging is computed today
    aging = ar_aging(today=timezone.localdate())

    # Then each amount due sits in its bucket, per retailer and in total
    assert aging["buckets"] == ["not_due", "0_30", "31_60", "61_90", "90_plus"]
    rows = {row["business_name"]: row for row in aging["retailers"]}
    shop_row = rows[shop.retailer.business_name]
    assert [shop_row[name] for name in aging["buckets"]] == [
        CREDIT_TOTAL + CREDIT_TOTAL,  # due in 5 days and due today
        CREDIT_TOTAL,
        D("1132.17"),
        D("0.00"),
        CREDIT_TOTAL,
    ]
    assert shop_row["total"] == D("9660.85")
    assert rows[other.retailer.business_name]["61_90"] == CREDIT_TOTAL
    assert aging["total"] == {
        "not_due": D("4264.34"),
        "0_30": CREDIT_TOTAL,
        "31_60": D("1132.17"),
        "61_90": CREDIT_TOTAL,
        "90_plus": CREDIT_TOTAL,
        "total": D("11793.02"),
    }


@pytest.mark.django_db
def test_aging_is_one_grouped_query_and_one_aggregate(delivered, django_assert_num_queries):
    for _ in range(3):
        delivered("credit")
    with django_assert_num_queries(2):
        ar_aging(today=timezone.localdate())


@pytest.mark.django_db
def test_the_retailer_is_told_of_an_overdue_invoice_once(shop, delivered, client_for):
    # Given an open invoice due yesterday and a paid one due yesterday too
    overdue = Invoice.objects.get(order=delivered("credit"))
    due_days_ago(overdue, 1)

    # When the task runs twice
    first = invoices_notify_overdue()
    second = invoices_notify_overdue()

    # Then the retailer was told once, with the amount due
    assert (first, second) == (1, 0)
    inbox = client_for(shop).get("/api/v1/notifications").json()["data"]
    bodies = [row["body"] for row in inbox if row["event"] == "invoice_overdue"]
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert bodies == [f"La facture {overdue.number} est échue depuis le {yesterday}. Reste dû : {CREDIT_TOTAL} DA."]


@pytest.mark.django_db
def test_the_statement_lists_open_invoices_with_their_age(shop, delivered, finance, client_for):
    # Given a credit invoice issued today, due 4 days ago (for the test), partly paid 132.17
    invoice = Invoice.objects.get(order=delivered("credit"))
    due_days_ago(invoice, 4)
    payment_record(retailer=shop.retailer, amount=D("132.17"), method="cash", actor=finance)
    paid = Invoice.objects.get(order=delivered("cash"))  # a cash invoice, then paid in full
    payment_record(
        retailer=shop.retailer,
        amount=paid.total,
        method="cash",
        actor=finance,
        allocations=[AllocationRequest(paid.pk, paid.total)],
    )

    # When the owner reads its statement
    response = client_for(shop).get("/api/v1/retailers/statement")

    # Then the open invoice is listed with what it still owes and its age; the paid one is not
    assert response.status_code == 200, response.json()
    assert response.json()["data"]["open_invoices"] == [
        {
            "id": str(invoice.pk),
            "number": invoice.number,
            "issued_at": response.json()["data"]["open_invoices"][0]["issued_at"],
            "due_date": (timezone.localdate() - timedelta(days=4)).isoformat(),
            "total": "2132.17",
            "amount_paid": "132.17",
            "amount_due": "2000.00",
            "age_days": 0,
            "days_past_due": 4,
        }
    ]
