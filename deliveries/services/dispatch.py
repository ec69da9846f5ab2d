"""Dispatch edits a delivery before it leaves: priority, date, window, instructions."""

from django.db import transaction
from django.utils.translation import gettext as _

from livrili.core.audit import audit_record, diff, snapshot
from livrili.core.errors import DomainError, validation_error

from ..models import Delivery, DeliveryStatus

EDITABLE_FIELDS = ("priority", "scheduled_date", "window_start", "window_end", "instructions")
# Once picked up the goods are on the road: what the driver was told no longer changes.
EDITABLE_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.ASSIGNED)


@transaction.atomic
def delivery_update(*, delivery: Delivery, actor, **changes) -> Delivery:
    """Change the delivery's priority, scheduled date, window or instructions while it is
    pending or assigned (422 INVALID_TRANSITION otherwise); the window stays ordered; audited."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status not in EDITABLE_STATUSES:
        raise DomainError(
            "INVALID_TRANSITION",
            _("A delivery can only be changed while it is pending or assigned."),
            details={"from": delivery.status, "to": delivery.status, "allowed": []},
        )
    before = snapshot(delivery, EDITABLE_FIELDS)
    for field, value in changes.items():
        setattr(delivery, field, value)
    if delivery.window_start and delivery.window_end and delivery.window_end <= delivery.window_start:
        raise validation_error("window_end", _("The window must end after it starts."))
    changed = diff(before, snapshot(delivery, EDITABLE_FIELDS))
    if changed:
        delivery.save(update_fields=[*changed, "updated_at"])
        audit_record(actor=actor, instance=delivery, action="update", changes=changed)
    return delivery
