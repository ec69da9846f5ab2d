"""Tenancy and roles: another retailer's rows are 404, staff endpoints are 403 for others,
and a refused call writes nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from livrili.accounts.models import User
from livrili.core.models import AuditLog
from livrili.core.testing.assertions import assert_error
from retailers.models import DeliveryAddress, LedgerEntry, Retailer, RetailerEvent
from retailers.services import address_create, document_upload, ledger_adjust

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture
def two_retailers(make_user, finance):
    owner_a = make_user(role="retailer", phone="0661000003")
    owner_b = make_user(role="retailer", phone="0661000004")
    retailer_a = owner_a.retailer
    address = address_create(retailer=retailer_a, actor=owner_a, address="Rue A", wilaya_id="16")
    document = document_upload(
        retailer=retailer_a,
        actor=owner_a,
        type="business_license",
        file=SimpleUploadedFile("licence.pdf", PDF, content_type="application/pdf"),
    )
    member = make_user(role="retailer", retailer=retailer_a, phone="0661000005")
    ledger_adjust(retailer=retailer_a, kind="debit", amount="750.00", reason="Opening", actor=finance)
    return owner_a, owner_b, address, document, member


def test_retailer_b_gets_404_on_a_s_objects_and_changes_nothing(client_for, two_retailers):
    _owner_a, owner_b, address, document, member = two_retailers
    client = client_for(owner_b)
    writes = (DeliveryAddress.objects.count(), User.objects.filter(is_active=True).count(), AuditLog.objects.count())

    responses = [
        client.patch(f"/api/v1/retailers/addresses/{address.pk}", {"label": "Mine"}, format="json"),
        client.delete(f"/api/v1/retailers/addresses/{address.pk}"),
        client.get(f"/api/v1/retailers/documents/{document.pk}/file"),
        client.patch(f"/api/v1/retailers/members/{member.pk}", {"is_active": False}, format="json"),
    ]

    for response in responses:
        assert_error(response, 404, "NOT_FOUND")
    assert client.get("/api/v1/retailers/documents").json()["pagination"]["total"] == 0
    assert client.get("/api/v1/retailers/addresses").json()["pagination"]["total"] == 0
    statement = client.get("/api/v1/retailers/statement").json()["data"]
    assert (statement["entries"], statement["closing_balance"]) == ([], "0.00")
    address.refresh_from_db()
    assert address.label == ""
    assert (
        DeliveryAddress.objects.count(),
        User.objects.filter(is_active=True).count(),
        AuditLog.objects.count(),
    ) == writes


def test_owner_a_reads_its_own_document_file(client_for, two_retailers):
    owner_a, _owner_b, _address, document, _member = two_retailers

    response = client_for(owner_a).get(f"/api/v1/retailers/documents/{document.pk}/file")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF


STAFF_CALLS = [
    ("get", "/api/v1/retailers", None),
    ("post", "/api/v1/retailers", {"business_name": "X"}),
    ("get", "/api/v1/retailers/{pk}", None),
    ("patch", "/api/v1/retailers/{pk}", {"segment": "vip"}),
    ("post", "/api/v1/retailers/{pk}/approve", {}),
    ("post", "/api/v1/retailers/{pk}/suspend", {"reason": "x"}),
    ("post", "/api/v1/retailers/{pk}/close", {"reason": "x"}),
    ("post", "/api/v1/retailers/{pk}/credit-limit", {"credit_limit": "1.00", "reason": "x"}),
    ("get", "/api/v1/retailers/{pk}/ledger", None),
    ("post", "/api/v1/retailers/{pk}/adjustments", {"kind": "credit", "amount": "5.00", "reason": "x"}),
    ("get", "/api/v1/retailers/{pk}/events", None),
]


@pytest.mark.parametrize("role", ["driver", "retailer"])
@pytest.mark.parametrize(("method", "path", "body"), STAFF_CALLS)
def test_drivers_and_retailers_get_403_on_staff_endpoints(client_for, make_user, role, method, path, body):
    user = make_user(role=role)
    retailer = user.retailer if role == "retailer" else make_user(role="retailer").retailer
    before = Retailer.objects.filter(pk=retailer.pk).values().get()

    response = getattr(client_for(user), method)(path.format(pk=retailer.pk), body, format="json")

    assert_error(response, 403, "FORBIDDEN")
    assert Retailer.objects.filter(pk=retailer.pk).values().get() == before
    assert (Retailer.objects.count(), RetailerEvent.objects.count(), LedgerEntry.objects.count()) == (1, 0, 0)
    assert AuditLog.objects.count() == 0


@pytest.mark.parametrize(
    ("perms", "path", "body"),
    [
        (["retailers.view_retailer"], "approve", {}),
        (
            ["retailers.view_retailer", "retailers.approve_retailer"],
            "adjustments",
            {"kind": "debit", "amount": "5.00", "reason": "x"},
        ),
        (
            ["retailers.view_retailer", "retailers.add_ledger_adjustment"],
            "credit-limit",
            {"credit_limit": "9.00", "reason": "x"},
        ),
    ],
)
def test_staff_without_the_permission_for_the_action_get_403(client_for, make_user, make_retailer, perms, path, body):
    staff = make_user(role="admin", perms=perms)
    retailer = make_retailer(status="pending", rc_number="1", nif="2")

    response = client_for(staff).post(f"/api/v1/retailers/{retailer.pk}/{path}", body, format="json")

    assert_error(response, 403, "FORBIDDEN")
    retailer.refresh_from_db()
    assert (retailer.status, retailer.credit_limit, retailer.balance) == ("pending", 0, 0)
    assert (RetailerEvent.objects.count(), LedgerEntry.objects.count()) == (0, 0)


def test_anonymous_gets_401_on_self_service(api_client):
    assert_error(api_client.get("/api/v1/retailers/profile"), 401, "UNAUTHORIZED")


def test_staff_list_filters_and_searches(client_for, make_user, make_retailer):
    staff = make_user(role="admin", perms=["retailers.view_retailer"])
    make_retailer(business_name="Alpha Market", status="active", segment="vip", nif="111")
    make_retailer(business_name="Beta Shop", status="pending", business_type="cafe")
    client = client_for(staff)

    by_status = client.get("/api/v1/retailers?status=pending").json()
    by_search = client.get("/api/v1/retailers?search=111").json()
    by_segment = client.get("/api/v1/retailers?segment=vip&wilaya=16").json()

    assert [r["business_name"] for r in by_status["data"]] == ["Beta Shop"]
    assert [r["business_name"] for r in by_search["data"]] == ["Alpha Market"]
    assert [r["business_name"] for r in by_segment["data"]] == ["Alpha Market"]
    assert_error(client.get("/api/v1/retailers?ordering=password"), 400, "VALIDATION_ERROR")
