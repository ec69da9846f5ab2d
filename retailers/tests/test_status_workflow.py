import pytest
from django.utils import timezone

from livrili.core.errors import DomainError
from livrili.core.models import AuditLog
from livrili.core.testing.assertions import assert_error
from retailers.models import Retailer, RetailerEvent
from retailers.services import TRANSITIONS, retailer_require_active

pytestmark = pytest.mark.django_db

ILLEGAL = [
    (status, action)
    for status in ("pending", "active", "suspended", "rejected", "inactive")
    for action, transition in TRANSITIONS.items()
    if status not in transition.sources
]
ALLOWED_FROM = {
    "pending": ["approve", "reject", "close"],
    "active": ["suspend", "close"],
    "suspended": ["reactivate", "close"],
    "rejected": ["close"],
    "inactive": [],
}


def test_the_transition_table_is_the_one_of_workflows_md():
    assert len(ILLEGAL) == 17
    assert {a: (sorted(t.sources), t.target, t.reason_required) for a, t in TRANSITIONS.items()} == {
        "approve": (["pending"], "active", False),
        "reject": (["pending"], "rejected", True),
        "suspend": (["active"], "suspended", True),
        "reactivate": (["suspended"], "active", False),
        "close": (["active", "pending", "rejected", "suspended"], "inactive", True),
    }


@pytest.mark.parametrize(("status", "action"), ILLEGAL)
def test_every_illegal_transition_is_422_and_writes_nothing(client_for, approver, make_retailer, status, action):
    # given a retailer in `status` with every field an approval needs
    retailer = make_retailer(status=status, rc_number="16/00-1234567B22", nif="001616123456789")
    before = Retailer.objects.filter(pk=retailer.pk).values().get()

    # when the operator asks for a move the table does not allow
    response = client_for(approver).post(f"/api/v1/retailers/{retailer.pk}/{action}", {"reason": "because"})

    # then 422 names the move and the allowed ones, and nothing changed
    body = assert_error(response, 422, "INVALID_TRANSITION")
    assert body["details"] == {"from": status, "to": TRANSITIONS[action].target, "allowed": ALLOWED_FROM[status]}
    assert Retailer.objects.filter(pk=retailer.pk).values().get() == before
    assert RetailerEvent.objects.count() == 0
    assert AuditLog.objects.count() == 0


def test_approve_stamps_who_and_when_and_writes_an_event(client_for, approver, make_retailer):
    retailer = make_retailer(status="pending", rc_number="16/00-1234567B22", nif="001616123456789")
    started = timezone.now()

    response = client_for(approver).post(f"/api/v1/retailers/{retailer.pk}/approve")

    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    assert data["status"] == "active"
    assert data["approved_by"] == {"id": str(approver.pk), "full_name": approver.full_name}
    retailer.refresh_from_db()
    assert retailer.status == "active"
    assert retailer.approved_by == approver
    assert started <= retailer.approved_at <= timezone.now()
    event = RetailerEvent.objects.get()
    assert (event.type, event.from_value, event.to_value, event.actor, event.reason) == (
        "status_changed",
        "pending",
        "active",
        approver,
        "",
    )
    assert AuditLog.objects.get(action="approve").changes == {"status": ["pending", "active"]}


def test_approval_requires_rc_number_and_nif(client_for, approver, make_retailer):
    retailer = make_retailer(status="pending", rc_number="16/00-1234567B22")

    response = client_for(approver).post(f"/api/v1/retailers/{retailer.pk}/approve")

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert list(body["details"]) == ["nif"]
    retailer.refresh_from_db()
    assert (retailer.status, retailer.approved_at, retailer.approved_by) == ("pending", None, None)
    assert RetailerEvent.objects.count() == 0


@pytest.mark.parametrize("action", ["reject", "suspend", "close"])
def test_reason_is_required_where_the_workflow_says_so(client_for, approver, make_retailer, action):
    retailer = make_retailer(status="pending" if action == "reject" else "active")

    response = client_for(approver).post(f"/api/v1/retailers/{retailer.pk}/{action}", {"reason": "  "})

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert list(body["details"]) == ["reason"]
    assert RetailerEvent.objects.count() == 0


def test_suspend_then_reactivate_keeps_reasons_and_events_in_order(client_for, approver, make_retailer):
    retailer = make_retailer(status="active")
    client = client_for(approver)

    suspended = client.post(f"/api/v1/retailers/{retailer.pk}/suspend", {"reason": "Unpaid invoices"}).json()["data"]
    reactivated = client.post(f"/api/v1/retailers/{retailer.pk}/reactivate").json()["data"]

    assert (suspended["status"], suspended["status_reason"]) == ("suspended", "Unpaid invoices")
    assert (reactivated["status"], reactivated["status_reason"]) == ("active", "")
    events = list(RetailerEvent.objects.order_by("created_at").values_list("from_value", "to_value", "reason"))
    assert events == [("active", "suspended", "Unpaid invoices"), ("suspended", "active", "")]


def test_events_endpoint_lists_status_and_credit_changes(client_for, make_user, make_retailer):
    staff = make_user(
        role="admin",
        perms=["retailers.approve_retailer", "retailers.change_credit_limit", "retailers.view_retailerevent"],
    )
    retailer = make_retailer(status="active")
    client = client_for(staff)
    client.post(f"/api/v1/retailers/{retailer.pk}/credit-limit", {"credit_limit": "50000.00", "reason": "Good payer"})
    client.post(f"/api/v1/retailers/{retailer.pk}/suspend", {"reason": "Audit"})

    body = client.get(f"/api/v1/retailers/{retailer.pk}/events").json()

    assert body["pagination"]["total"] == 2
    rows = [(e["type"], e["old_value"], e["new_value"], e["reason"]) for e in body["data"]]
    assert sorted(rows) == [
        ("credit_limit_changed", "0.00", "50000.00", "Good payer"),
        ("status_changed", "active", "suspended", "Audit"),
    ]
    assert all(e["actor"]["id"] == str(staff.pk) for e in body["data"])


@pytest.mark.parametrize("status", ["pending", "suspended", "rejected", "inactive"])
def test_require_active_refuses_every_other_status(make_retailer, status):
    retailer = make_retailer(status=status)

    with pytest.raises(DomainError) as refused:
        retailer_require_active(retailer)

    assert (refused.value.code, refused.value.status, refused.value.details) == (
        "RETAILER_NOT_ACTIVE",
        422,
        {"status": status},
    )


def test_require_active_lets_an_active_retailer_through(make_retailer):
    assert retailer_require_active(make_retailer(status="active")) is None


def test_close_guards_registered_by_later_apps_can_refuse(client_for, approver, make_retailer, monkeypatch):
    from retailers import services

    def open_orders(retailer):
        raise DomainError("INVALID_TRANSITION", details={"from": retailer.status, "to": "inactive", "allowed": []})

    monkeypatch.setattr(services, "CLOSE_GUARDS", [open_orders])
    retailer = make_retailer(status="active")

    response = client_for(approver).post(f"/api/v1/retailers/{retailer.pk}/close", {"reason": "Moved away"})

    assert_error(response, 422, "INVALID_TRANSITION")
    retailer.refresh_from_db()
    assert (retailer.status, RetailerEvent.objects.count()) == ("active", 0)


def test_close_keeps_the_debt_on_the_ledger(client_for, approver, make_retailer, finance):
    from retailers.services import ledger_adjust

    retailer = make_retailer(status="suspended")
    ledger_adjust(retailer=retailer, kind="debit", amount="500.00", reason="Unpaid", actor=finance)

    response = client_for(approver).post(f"/api/v1/retailers/{retailer.pk}/close", {"reason": "Moved away"})

    assert (response.json()["data"]["status"], response.json()["data"]["balance"]) == ("inactive", "500.00")
