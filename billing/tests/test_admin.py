"""The billing admin: read-only invoices and credit notes, the PDF, and Finance's credit-note form."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from billing.models import CashHandover, CreditNote, Invoice, Payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(delivered):
    return Invoice.objects.get(order=delivered("cash"))


@pytest.fixture
def finance_client(client, finance):
    client.force_login(finance)
    return client


def test_finance_sees_the_invoice_read_only_with_its_pdf_and_cancel_links(finance_client, invoice):
    page = finance_client.get(reverse("admin:billing_invoice_change", args=[invoice.pk]), HTTP_ACCEPT_LANGUAGE="fr")

    assert page.status_code == 200
    assert invoice.number in page.text
    assert reverse("admin:billing_invoice_pdf", args=[invoice.pk]) in page.text
    assert reverse("admin:billing_invoice_cancel", args=[invoice.pk]) in page.text
    assert 'name="_save"' not in page.text  # nothing to save: read-only
    listed = finance_client.get(reverse("admin:billing_invoice_changelist"))
    assert (listed.status_code, invoice.number in listed.text) == (200, True)


def test_the_admin_pdf_is_a_pdf(finance_client, invoice):
    response = finance_client.get(reverse("admin:billing_invoice_pdf", args=[invoice.pk]))

    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_finance_cancels_with_a_reason_and_the_credit_note_is_listed(finance_client, invoice):
    url = reverse("admin:billing_invoice_cancel", args=[invoice.pk])

    # An empty reason is refused and writes nothing
    refused = finance_client.post(url, {"reason": "  "})
    assert refused.status_code == 200
    assert CreditNote.objects.count() == 0

    # With a reason, the credit note is issued and the invoice is cancelled
    done = finance_client.post(url, {"reason": "Wrong customer"})
    assert done.status_code == 302
    note = CreditNote.objects.get()
    invoice.refresh_from_db()
    assert (invoice.status, note.reason, note.total) == ("cancelled", "Wrong customer", -invoice.total)
    page = finance_client.get(reverse("admin:billing_creditnote_changelist"))
    assert note.number in page.text

    # A second cancel says why, and writes nothing
    finance_client.post(url, {"reason": "Again"})
    assert CreditNote.objects.count() == 1


def test_staff_without_the_permission_cannot_cancel(client, make_user, invoice):
    sales = make_user(role="admin", groups=["Sales"], username="sales.agent", is_staff=True)
    sales.user_permissions.add(Permission.objects.get(content_type__app_label="billing", codename="view_invoice"))
    client.force_login(sales)

    page = client.get(reverse("admin:billing_invoice_change", args=[invoice.pk]))
    assert page.status_code == 200
    assert reverse("admin:billing_invoice_cancel", args=[invoice.pk]) not in page.text
    assert client.post(reverse("admin:billing_invoice_cancel", args=[invoice.pk]), {"reason": "x"}).status_code == 403
    assert CreditNote.objects.count() == 0


# --- Payments and handovers -------------------------------------------------------------------


def test_finance_records_a_payment_after_previewing_its_allocation(finance_client, delivered, shop):
    open_invoice = Invoice.objects.get(order=delivered("credit"))
    url = reverse("admin:billing_payment_add")
    body = {"retailer": shop.retailer_id, "amount": "3000.00", "method": "cheque", "reference": "CHQ-9"}

    preview = finance_client.post(url, {**body, "_preview": "1"}, HTTP_ACCEPT_LANGUAGE="en")
    assert preview.status_code == 200
    assert open_invoice.number in preview.text and "2,132.17" in preview.text and "867.83" in preview.text
    assert Payment.objects.count() == 0  # a preview writes nothing

    recorded = finance_client.post(url, {**body, "_record": "1"})
    payment = Payment.objects.get()
    assert recorded.url == reverse("admin:billing_payment_change", args=[payment.pk])
    assert (payment.amount, payment.allocated_amount, payment.reference) == (
        Decimal("3000.00"),
        Decimal("2132.17"),
        "CHQ-9",
    )
    bounced = finance_client.post(reverse("admin:billing_payment_bounce", args=[payment.pk]), {"reason": "Unpaid"})
    payment.refresh_from_db()
    assert (bounced.status_code, payment.status) == (302, "bounced")


def test_the_cashier_counts_a_driver_day_seeing_each_expected_payment(finance_client, picked_up, deliver_cash, driver):
    deliver_cash(picked_up("cash"), Decimal("2154.17"))
    url = reverse("admin:billing_cashhandover_add") + f"?driver={driver.pk}&date={timezone.localdate().isoformat()}"

    page = finance_client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "2,154.17" in page.text

    refused = finance_client.post(url, {"counted_amount": "2150.00"})
    assert refused.status_code == 200 and CashHandover.objects.count() == 0  # a discrepancy needs a reason
    finance_client.post(url, {"counted_amount": "2150.00", "reason": "change_given"})
    handover = CashHandover.objects.get()
    assert (handover.discrepancy, handover.status) == (Decimal("-4.17"), "discrepancy")
    finance_client.post(
        reverse("admin:billing_cashhandover_changelist"), {"action": "approve", "_selected_action": [handover.pk]}
    )
    assert set(Payment.objects.values_list("status", flat=True)) == {"confirmed"}


def test_staff_without_the_permission_cannot_record_or_count(client, make_user):
    clerk = make_user(role="admin", perms=["billing.view_payment", "billing.view_cashhandover"], username="clerk")
    client.force_login(clerk)
    assert client.get(reverse("admin:billing_payment_add")).status_code == 403
    assert client.get(reverse("admin:billing_cashhandover_add")).status_code == 403


def test_the_payment_forms_retailer_is_searched_not_listed(finance_client, shop):
    """A plain select listed every retailer in one page; Finance now types a name."""
    page = finance_client.get(reverse("admin:billing_payment_add"), HTTP_ACCEPT_LANGUAGE="fr")
    assert 'class="admin-autocomplete' in page.text and "admin/js/autocomplete.js" in page.text
    assert f'<option value="{shop.retailer_id}"' not in page.text

    found = finance_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "billing",
            "model_name": "payment",
            "field_name": "retailer",
            "term": shop.retailer.business_name,
        },
    )

    assert found.status_code == 200
    assert [result["id"] for result in found.json()["results"]] == [str(shop.retailer_id)]
