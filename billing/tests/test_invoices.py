"""Issuing invoices on delivery and cancelling them by credit note (billing.services.invoices)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.models import CreditNote, Invoice, InvoiceLine
from billing.services.invoices import invoice_cancel, invoice_issue, order_status_changed
from billing.words import amount_in_words_ar, amount_in_words_fr
from livrili.core.errors import DomainError
from livrili.core.models import AuditLog, BusinessSettings, Sequence
from livrili.core.numbering import current_year
from livrili.core.testing.concurrency import run_together
from orders.models import Order
from retailers.models import LedgerEntry

D = Decimal


def number(prefix: str, value: int) -> str:
    return f"{prefix}-{current_year()}-{value:06d}"


def line_values(invoice):
    return [
        (line.position, line.kind, line.description, line.sku, line.quantity, line.unit_price, line.tax_rate,
         line.line_subtotal, line.line_tax, line.line_total)
        for line in invoice.lines.all()
    ]  # fmt: skip


@pytest.mark.django_db
def test_a_delivered_cash_order_is_invoiced_with_its_exact_amounts(delivered):
    # Given a cash order of 10 × 120.00 at 19 % and 7 × 45.50 at 9 %, below the free-delivery threshold
    # When it is delivered
    order = delivered("cash")

    # Then its invoice carries the order's amounts, line by line, in the buyer's language (fr)
    invoice = Invoice.objects.get(order=order)
    assert invoice.number == number("FAC", 1)
    assert invoice.status == "issued"
    assert invoice.language == "fr"
    assert line_values(invoice) == [
        (1, "product", "Lait 1 L", "MILK-1L", 7, D("45.50"), D("9.00"), D("318.50"), D("28.67"), D("347.17")),
        (2, "product", "Huile 1 L", "OIL-1L", 10, D("120.00"), D("19.00"), D("1200.00"), D("228.00"), D("1428.00")),
        (3, "delivery_fee", "Frais de livraison", "", 1, D("300.00"), D("19.00"), D("300.00"), D("57.00"),
         D("357.00")),
        (4, "stamp_duty", "Droit de timbre (paiement en espèces)", "", 1, D("22.00"), D("0.00"), D("22.00"),
         D("0.00"), D("22.00")),
    ]  # fmt: skip
    amounts = (invoice.subtotal, invoice.delivery_fee, invoice.tax_total, invoice.stamp_duty, invoice.total)
    assert amounts == (D("1518.50"), D("300.00"), D("313.67"), D("22.00"), D("2154.17"))
    assert amounts == (order.subtotal, order.delivery_fee, order.tax_total, order.stamp_duty, order.total)
    assert sum(line.line_total for line in invoice.lines.all()) == invoice.total
    assert invoice.amount_in_words_fr == (
        "Arrêtée la présente facture à la somme de deux mille cent cinquante-quatre dinars algériens "
        "et dix-sept centimes."
    )
    assert invoice.amount_in_words_ar == (
        "أوقفت هذه الفاتورة بمبلغ قدره ألفان و مائة و أربعة و خمسون دينار جزائري وسبعة عشر سنتيم."
    )
    # cash is settled at delivery: due the day it is issued
    assert invoice.due_date == timezone.localdate(invoice.issued_at)


@pytest.mark.django_db
def test_a_credit_invoice_has_no_stamp_duty_and_is_due_after_the_retailers_terms(delivered, shop):
    # Given a retailer paying at 45 days
    shop.retailer.payment_terms_days = 45
    shop.retailer.save(update_fields=["payment_terms_days"])

    # When its credit order is delivered
    invoice = Invoice.objects.get(order=delivered("credit"))

    # Then there is no stamp-duty line and the due date follows the terms
    assert [line.kind for line in invoice.lines.all()] == ["product", "product", "delivery_fee"]
    assert (invoice.stamp_duty, invoice.total) == (D("0.00"), D("2132.17"))
    assert invoice.due_date == timezone.localdate(invoice.issued_at) + timezone.timedelta(days=45)


@pytest.mark.django_db
def test_snapshots_keep_the_legal_identities_as_they_were_at_issue(delivered, shop):
    # Given the seller's legal identity in the settings
    settings = BusinessSettings.load()
    settings.company_name, settings.nif, settings.rib = "Livrili SARL", "001216099887766", "00400123456789012345"
    settings.save()
    invoice = Invoice.objects.get(order=delivered("credit"))
    name = shop.retailer.business_name

    # When the retailer and the settings change afterwards
    shop.retailer.business_name = "Renamed"
    shop.retailer.save(update_fields=["business_name"])
    settings.company_name = "Other"
    settings.save()
    invoice.refresh_from_db()

    # Then the invoice still shows them as they were
    assert (invoice.seller["name"], invoice.seller["nif"], invoice.seller["rib"]) == (
        "Livrili SARL",
        "001216099887766",
        "00400123456789012345",
    )
    assert invoice.buyer["name"] == name != "Renamed"
    assert (invoice.buyer["rc_number"], invoice.buyer["nif"], invoice.buyer["nis"], invoice.buyer["ai_number"]) == (
        "16/00-1234567B21",
        "0016123456",
        "1990",
        "AI-7",
    )


@pytest.mark.django_db
def test_an_arabic_reader_gets_arabic_descriptions(delivered, shop):
    shop.preferred_language = "ar"
    shop.save(update_fields=["preferred_language"])

    invoice = Invoice.objects.get(order=delivered("cash"))

    assert invoice.language == "ar"
    assert [line.description for line in invoice.lines.all()] == [
        "حليب 1 لتر",
        "زيت 1 لتر",
        "رسوم التوصيل",
        "رسم الطابع (الدفع نقدا)",
    ]


@pytest.mark.django_db
def test_a_second_delivered_call_returns_the_same_invoice(delivered, operator):
    # Given a delivered order and its invoice
    order = delivered("cash")
    invoice = Invoice.objects.get(order=order)

    # When the listener is called again for the same order
    with transaction.atomic():
        order_status_changed(order=order, from_status="shipped", to_status="delivered", actor=operator)
        again = invoice_issue(order=order, actor=operator)

    # Then nothing new is issued and the counter did not move
    assert again == invoice
    assert Invoice.objects.count() == 1
    assert InvoiceLine.objects.count() == 4
    assert Sequence.objects.get(prefix="FAC").last_value == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_invoice_for_an_order(delivered):
    invoice = Invoice.objects.get(order=delivered("cash"))
    skipped = ("id", "created_at", "updated_at")
    fields = {f.attname: getattr(invoice, f.attname) for f in Invoice._meta.concrete_fields if f.attname not in skipped}

    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.create(**(fields | {"number": number("FAC", 99)}))


@pytest.mark.django_db
def test_an_issued_invoice_cannot_be_edited(delivered):
    invoice = Invoice.objects.get(order=delivered("cash"))
    invoice.total = D("1.00")

    with pytest.raises(TypeError):
        invoice.save()
    with pytest.raises(TypeError):
        invoice.lines.first().save()


@pytest.mark.django_db
def test_a_rolled_back_delivery_leaves_no_hole_in_the_numbers(picked_up, deliver):
    # Given two picked-up deliveries
    first, second = picked_up("cash"), picked_up("credit")

    # When the first delivery's transaction rolls back after its invoice was issued
    with pytest.raises(RuntimeError), transaction.atomic():
        deliver(first)
        assert Invoice.objects.get(order=first.order).number == number("FAC", 1)
        raise RuntimeError("the driver's phone lost the connection")

    # Then the next delivery takes the number the first gave back
    deliver(second)
    assert list(Invoice.objects.values_list("order_id", "number")) == [(second.order_id, number("FAC", 1))]
    assert Order.objects.get(pk=first.order_id).status == "shipped"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_orders_delivered_at_once_get_twenty_numbers_without_gap(picked_up, deliver):

    # Given 20 picked-up deliveries
    deliveries = [picked_up("cash" if i % 2 else "credit") for i in range(20)]

    # When they are all delivered at the same moment
    run_together(20, lambda i: deliver(deliveries[i]))

    # Then 20 invoices, one per order, numbered 1..20 without gap or duplicate
    rows = list(Invoice.objects.values_list("order_id", "number"))
    assert len(rows) == 20
    assert {order_id for order_id, _n in rows} == {d.order_id for d in deliveries}
    assert sorted(n for _o, n in rows) == [number("FAC", i) for i in range(1, 21)]
    assert Sequence.objects.get(prefix="FAC").last_value == 20


@pytest.mark.django_db
@pytest.mark.parametrize("payment_method", ["cash", "credit"])
def test_cancel_issues_a_credit_note_and_gives_the_charge_back(delivered, finance, shop, payment_method):
    # Given a delivered order: its charge is on the ledger (cash at delivery, credit at placement)
    order = delivered(payment_method)
    invoice = Invoice.objects.get(order=order)
    shop.retailer.refresh_from_db()
    total = {"cash": D("2154.17"), "credit": D("2132.17")}[payment_method]
    assert shop.retailer.balance == total

    # When Finance cancels the invoice
    note = invoice_cancel(invoice=invoice, reason="Wrong customer", actor=finance)

    # Then a credit note of its own series reverses every amount
    assert note.number == number("AV", 1)
    assert (note.subtotal, note.delivery_fee, note.tax_total, note.stamp_duty, note.total) == (
        -invoice.subtotal,
        -invoice.delivery_fee,
        -invoice.tax_total,
        -invoice.stamp_duty,
        -total,
    )
    assert (note.reason, note.issued_by) == ("Wrong customer", finance)
    invoice.refresh_from_db()
    assert invoice.status == "cancelled"
    # and the ledger gives the retailer back exactly what the order charged
    entry = LedgerEntry.objects.filter(retailer=shop.retailer).order_by("position").last()
    assert (entry, entry.kind, entry.amount, entry.balance_after, entry.order_id) == (
        note.ledger_entry,
        "credit_note",
        -total,
        D("0.00"),
        order.pk,
    )
    shop.retailer.refresh_from_db()
    assert shop.retailer.balance == D("0.00")
    assert AuditLog.objects.filter(object_id=str(invoice.pk), action="cancel").count() == 1


@pytest.mark.django_db
def test_the_credit_note_series_is_its_own(delivered, finance):
    first, second = (Invoice.objects.get(order=delivered("cash")) for _ in range(2))

    notes = [invoice_cancel(invoice=i, reason="Duplicate", actor=finance).number for i in (second, first)]

    assert notes == [number("AV", 1), number("AV", 2)]
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [number("FAC", 1), number("FAC", 2)]


def _written():
    return (
        CreditNote.objects.count(),
        LedgerEntry.objects.count(),
        AuditLog.objects.count(),
        list(Sequence.objects.order_by("prefix").values_list("prefix", "last_value")),
        list(Invoice.objects.values_list("status", "updated_at")),
    )


@pytest.mark.django_db
def test_cancelling_twice_is_an_invalid_transition_that_writes_nothing(delivered, finance):
    invoice = Invoice.objects.get(order=delivered("cash"))
    invoice_cancel(invoice=invoice, reason="Wrong prices", actor=finance)
    before = _written()

    with pytest.raises(DomainError) as refused:
        invoice_cancel(invoice=invoice, reason="Again", actor=finance)

    assert (refused.value.code, refused.value.details) == (
        "INVALID_TRANSITION",
        {"from": "cancelled", "to": "cancelled", "allowed": []},
    )
    assert _written() == before


@pytest.mark.django_db
def test_cancelling_without_a_reason_is_refused_and_writes_nothing(delivered, finance):
    invoice = Invoice.objects.get(order=delivered("cash"))
    before = _written()

    with pytest.raises(DomainError) as refused:
        invoice_cancel(invoice=invoice, reason="   ", actor=finance)

    assert (refused.value.code, list(refused.value.details)) == ("VALIDATION_ERROR", ["reason"])
    assert _written() == before


@pytest.mark.parametrize(
    ("amount", "french", "arabic"),
    [
        ("1000.00", "mille dinars algériens", "ألف دينار جزائري"),
        ("1.01", "un dinar algérien et un centime", "واحد دينار جزائري وواحد سنتيم"),
        ("21.50", "vingt et un dinars algériens et cinquante centimes", "واحد و عشرون دينار جزائري وخمسون سنتيم"),
    ],
)
def test_amounts_in_words(amount, french, arabic):
    assert amount_in_words_fr(D(amount)) == f"Arrêtée la présente facture à la somme de {french}."
    assert amount_in_words_ar(D(amount)) == f"أوقفت هذه الفاتورة بمبلغ قدره {arabic}."


@pytest.mark.django_db
def test_the_number_takes_the_algiers_year(picked_up, deliver, monkeypatch):
    # Given 23:30 UTC on 31 December 2026: already 00:30 on 1 January 2027 in Algiers (UTC+1)
    delivery = picked_up("cash")
    moment = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)

    # When the order is delivered then
    deliver(delivery)

    # Then its invoice is the first of 2027, due that (local) day
    invoice = Invoice.objects.get(order=delivery.order)
    assert (invoice.number, invoice.due_date) == ("FAC-2027-000001", date(2027, 1, 1))


@pytest.mark.django_db
def test_the_fee_line_keeps_the_rate_the_order_was_taxed_at_after_the_settings_change(picked_up, deliver):
    # Given an order placed with the fee taxed at 19 %, then the fee rate changed to 9 %
    delivery = picked_up("credit")
    settings = BusinessSettings.load()
    settings.delivery_fee_tax_rate = D("9.00")
    settings.save()

    # When it is delivered
    deliver(delivery)

    # Then its fee line shows the 19 % and 57.00 it was placed with
    fee = Invoice.objects.get(order=delivery.order).lines.get(kind="delivery_fee")
    assert (fee.tax_rate, fee.line_tax, fee.line_total) == (D("19.00"), D("57.00"), D("357.00"))
