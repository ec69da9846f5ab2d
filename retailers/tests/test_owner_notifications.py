"""`retailer_notify_owner` (the owner notification seam, after commit) fires exactly once per
retailer event, and never for a refused or no-op call."""

from decimal import Decimal

import pytest

from livrili.core.errors import DomainError
from retailers import services
from retailers.models import RetailerEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def notified(monkeypatch):
    """The owner notifications, in order, as (retailer_id, event_id)."""
    calls = []
    monkeypatch.setattr(
        services, "retailer_notify_owner", lambda *, retailer_id, event_id: calls.append((retailer_id, event_id))
    )
    return calls


def test_each_status_and_credit_limit_change_notifies_the_owner_once_after_commit(
    django_capture_on_commit_callbacks, notified, owner, approver, finance
):
    retailer = owner.retailer
    changes = [
        lambda: services.retailer_transition(retailer=retailer, action="suspend", actor=approver, reason="Unpaid"),
        lambda: services.retailer_transition(retailer=retailer, action="reactivate", actor=approver),
        lambda: services.retailer_credit_limit_change(
            retailer=retailer, credit_limit=Decimal("5000.00"), reason="Good payer", actor=finance
        ),
    ]
    for change in changes:
        notified.clear()
        seen = list(RetailerEvent.objects.values_list("pk", flat=True))
        with django_capture_on_commit_callbacks(execute=True):
            change()
            assert notified == []  # nothing before the commit
        (new_event,) = RetailerEvent.objects.filter(retailer=retailer).exclude(pk__in=seen)
        assert notified == [(retailer.pk, new_event.pk)]


def test_refused_and_unchanged_calls_notify_no_one(
    django_capture_on_commit_callbacks, notified, owner, approver, finance
):
    retailer = owner.retailer
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(DomainError) as refused:
            services.retailer_transition(retailer=retailer, action="approve", actor=approver)  # already active
        assert refused.value.code == "INVALID_TRANSITION"
        with pytest.raises(DomainError) as refused:
            services.retailer_transition(retailer=retailer, action="suspend", actor=approver, reason=" ")
        assert refused.value.code == "VALIDATION_ERROR"
        services.retailer_credit_limit_change(
            retailer=retailer, credit_limit=retailer.credit_limit, reason="Same", actor=finance
        )
    assert notified == []
    assert callbacks == []
    assert RetailerEvent.objects.filter(retailer=retailer).count() == 0


def test_the_retailers_users_are_told_in_their_inbox(
    django_capture_on_commit_callbacks, owner, approver, finance, client_for
):
    retailer = owner.retailer
    with django_capture_on_commit_callbacks(execute=True):
        services.retailer_transition(retailer=retailer, action="suspend", actor=approver, reason="Impayés")
    with django_capture_on_commit_callbacks(execute=True):
        services.retailer_credit_limit_change(
            retailer=retailer, credit_limit=Decimal("5000.00"), reason="Good payer", actor=finance
        )

    rows = list(reversed(client_for(owner).get("/api/v1/notifications").json()["data"]))
    assert [row["event"] for row in rows] == ["retailer_suspended", "credit_limit_changed"]
    assert "Impayés" in rows[0]["body"] and "5000.00" in rows[1]["body"]
