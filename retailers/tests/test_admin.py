from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from livrili.accounts.models import User
from livrili.core.models import AuditLog
from livrili.core.tests.files import minimal_pdf
from retailers.models import DeliveryAddress, LedgerEntry, Retailer, RetailerEvent
from retailers.services import document_upload, ledger_adjust, ledger_post

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/retailers/retailer/"


@pytest.fixture
def admin_client_(make_user):
    user = make_user(role="admin", is_superuser=True, username="boss")
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def test_changelist_filters_search_and_change_page_with_ledger_render(admin_client_, owner, finance):
    ledger_adjust(retailer=owner.retailer, kind="debit", amount=Decimal("10.00"), reason="x", actor=finance)

    listing = admin_client_.get(CHANGELIST, {"status": "active", "wilaya__code__exact": "16", "q": "Shop"})
    change = admin_client_.get(f"{CHANGELIST}{owner.retailer_id}/change/")

    assert listing.status_code == 200 and owner.retailer.business_name in listing.text
    assert change.status_code == 200
    assert 'id="ledger_entries-group"' in change.text and 'name="ledger_entries-0-amount"' not in change.text


def test_suspend_action_asks_for_a_reason_then_calls_the_service(admin_client_, make_retailer):
    retailer = make_retailer(status="active")
    post = {"action": "suspend_retailers", "_selected_action": [str(retailer.pk)]}

    form_page = admin_client_.post(CHANGELIST, post)
    done = admin_client_.post(CHANGELIST, {**post, "apply": "1", "reason": "Cheque bounced"})

    assert form_page.status_code == 200 and "reason" in form_page.text
    assert done.status_code == 302
    retailer.refresh_from_db()
    assert (retailer.status, retailer.status_reason) == ("suspended", "Cheque bounced")
    assert RetailerEvent.objects.get().actor == admin_client_.user


def test_admin_action_refuses_an_illegal_transition_and_writes_nothing(admin_client_, make_retailer):
    retailer = make_retailer(status="inactive")

    admin_client_.post(
        CHANGELIST, {"action": "approve_retailers", "_selected_action": [str(retailer.pk)], "apply": "1", "reason": ""}
    )

    retailer.refresh_from_db()
    assert (retailer.status, RetailerEvent.objects.count()) == ("inactive", 0)


def test_credit_limit_form_changes_the_limit_through_the_service(admin_client_, make_retailer):
    retailer = make_retailer(credit_limit=Decimal("100.00"))
    url = f"{CHANGELIST}{retailer.pk}/credit-limit/"

    missing_reason = admin_client_.post(url, {"credit_limit": "500.00", "reason": ""})
    changed = admin_client_.post(url, {"credit_limit": "500.00", "reason": "Seasonal stock"})

    assert missing_reason.status_code == 200
    assert changed.status_code == 302
    retailer.refresh_from_db()
    assert retailer.credit_limit == Decimal("500.00")
    assert RetailerEvent.objects.get().reason == "Seasonal stock"


def test_document_verification_and_staff_download(admin_client_, owner):
    document = document_upload(
        retailer=owner.retailer, actor=owner, type="id_document", file=SimpleUploadedFile("id.pdf", minimal_pdf())
    )

    admin_client_.post(
        "/admin/retailers/retailerdocument/", {"action": "verify", "_selected_action": [str(document.pk)]}
    )
    download = admin_client_.get(f"/admin/retailers/retailerdocument/{document.pk}/file/")

    document.refresh_from_db()
    assert document.verified_by == admin_client_.user
    assert b"".join(download.streaming_content) == minimal_pdf()
    assert Retailer.objects.get().status == "active"


ADD = f"{CHANGELIST}add/"


def admin_signup(**overrides):
    body = {
        "full_name": "Karim Benali",
        "phone": "0550 12 34 56",
        "email": "",
        "password": "Strong-Pass-2026",
        "business_name": "Alimentation Benali",
        "business_type": "grocery",
        "wilaya": "16",
        "commune": "Kouba",
        "address": "5 rue Ben Omar",
        "latitude": "",
        "longitude": "",
        "rc_number": "16/00-1234567B22",
        "nif": "",
        "nis": "",
        "ai_number": "",
        "segment": "key account",
        "notes": "",
        "payment_terms_days": "15",
    }
    return {**body, **overrides}


def test_admin_add_creates_the_retailer_through_signup(admin_client_):
    # given the add page of the back office
    page = admin_client_.get(ADD)
    assert page.status_code == 200 and 'name="full_name"' in page.text

    # when staff submit it
    response = admin_client_.post(ADD, admin_signup())

    # then the retailer exists as signup makes it: pending, with its owner, default address, event and audit
    retailer = Retailer.objects.get()
    assert response.status_code == 302 and response.url == f"{CHANGELIST}{retailer.pk}/change/"
    owner = retailer.owner
    assert (owner.full_name, owner.phone, owner.role, owner.retailer_id) == (
        "Karim Benali",
        "+213550123456",
        "retailer",
        retailer.pk,
    )
    assert owner.check_password("Strong-Pass-2026")
    assert (retailer.status, retailer.segment, retailer.payment_terms_days, retailer.rc_number) == (
        "pending",
        "key account",
        15,
        "16/00-1234567B22",
    )
    address = DeliveryAddress.objects.get()
    assert (address.retailer, address.is_default, address.address, address.commune) == (
        retailer,
        True,
        "5 rue Ben Omar",
        "Kouba",
    )
    event = RetailerEvent.objects.get()
    assert (event.to_value, event.actor) == ("pending", admin_client_.user)
    audit = AuditLog.objects.get(object_id=str(retailer.pk))
    assert (audit.action, audit.actor) == ("create", admin_client_.user)


def test_admin_add_refusal_shows_the_error_and_writes_nothing(admin_client_, make_user):
    make_user(role="driver", phone="0550 12 34 56")  # the phone is taken by another account

    response = admin_client_.post(ADD, admin_signup(password="short"))
    taken = admin_client_.post(ADD, admin_signup())

    assert response.status_code == 200 and taken.status_code == 200
    assert "password" in response.context["form"].errors
    assert "phone" in taken.context["form"].errors
    assert (Retailer.objects.count(), DeliveryAddress.objects.count(), RetailerEvent.objects.count()) == (0, 0, 0)
    assert User.objects.filter(role="retailer").count() == 0


def test_the_retailer_page_shows_the_newest_ledger_entries_and_links_to_them_all(client, make_user, make_retailer):
    # given a retailer with a long account history
    retailer = make_retailer()
    for number in range(25):
        ledger_post(retailer=retailer, kind="adjustment_debit", amount=Decimal("1.00"), actor=None, reason=f"n{number}")
    client.force_login(make_user(role="admin", is_superuser=True))
    # when its page is opened
    page = client.get(f"/admin/retailers/retailer/{retailer.pk}/change/")
    # then the ledger inline holds the newest 20 entries and says where the others are
    inline = next(f for f in page.context["inline_admin_formsets"] if f.opts.model is LedgerEntry)
    assert [form.instance.position for form in inline.formset.forms] == list(range(25, 5, -1))
    assert f"/admin/retailers/ledgerentry/?retailer__id__exact={retailer.pk}" in page.content.decode()
    # and that list shows all 25, newest first
    listing = client.get(f"/admin/retailers/ledgerentry/?retailer__id__exact={retailer.pk}")
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 25
