"""A delivery's life: opened when its order is confirmed, assigned, reported from the road, and
kept in agreement with its order (workflows.md §4–§5).

Two directions, one rule (`rules.ORDER_STATUSES`): a driver's or dispatcher's report moves the
delivery and then the order (picked up → shipped, delivered → delivered); an operator's order
change moves the delivery through `order_status_changed`, which the orders app calls inside
its transaction. Locks are always taken order first, then delivery, so the two directions
never deadlock. A change that would make them disagree is refused and rolls back both.
"""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from livrili.core.audit import audit_record, authenticated_actor
from livrili.core.errors import DomainError, validation_error
from livrili.core.numbering import next_number
from notifications.services import notify
from orders.models import Order, OrderStatus, PaymentMethod
from orders.services.lifecycle import order_advance
from orders.services.locks import lock_order
from retailers.selectors import retailer_recipients

from .. import rules
from ..models import Delivery, DeliveryEvent, DeliveryStatus, Driver, DriverStatus, FailureReason

S = DeliveryStatus
MILESTONES = {
    S.ASSIGNED: "assigned_at",
    S.PICKED_UP: "picked_up_at",
    S.DELIVERED: "delivered_at",
    S.FAILED: "failed_at",
    S.CANCELLED: "cancelled_at",
}


def invalid_transition(delivery: Delivery, to_status: str, *, operator: bool = True, message=None) -> DomainError:
    return DomainError(
        "INVALID_TRANSITION",
        message,
        details={
            "from": delivery.status,
            "to": to_status,
            "allowed": rules.allowed_targets(delivery.status, operator=operator),
        },
    )


def _lock(delivery: Delivery) -> tuple[Order, Delivery]:
    order = lock_order(Order(pk=delivery.order_id))
    return order, Delivery.objects.select_for_update(of=("self",)).select_related("driver").get(pk=delivery.pk)


def _move(delivery: Delivery, to_status: str, actor, *, note="", latitude=None, longitude=None, data=None) -> None:
    """The one place a delivery changes status: checks the table, stamps the milestone, writes
    the event and the audit trail."""
    if to_status not in rules.TRANSITIONS[delivery.status]:
        raise invalid_transition(delivery, to_status)
    from_status = delivery.status
    delivery.status = to_status
    update = {"status", "updated_at"}
    if to_status in MILESTONES:
        setattr(delivery, MILESTONES[to_status], timezone.now())
        update.add(MILESTONES[to_status])
    delivery.save(update_fields=sorted(update | set(data or {})))
    DeliveryEvent.objects.create(
        delivery=delivery,
        from_status=from_status,
        to_status=to_status,
        actor=authenticated_actor(actor),
        latitude=latitude,
        longitude=longitude,
        note=note,
        data={key: str(value) for key, value in (data or {}).items()},
    )
    audit_record(
        actor=actor,
        instance=delivery,
        action=f"delivery_{to_status}",
        changes={"status": [from_status, to_status], **{k: [None, str(v)] for k, v in (data or {}).items()}},
    )


def _weight(order: Order) -> Decimal:
    total = Decimal("0")
    for quantity, weight in order.items.values_list("quantity", "product__weight_kg"):
        total += quantity * (weight or 0)
    return total


def delivery_open(*, order: Order, actor) -> Delivery:
    """The confirmed order's one delivery, a snapshot of where it goes and what it collects.
    Called under the order's row lock; a second call returns the first delivery."""
    existing = Delivery.objects.filter(order=order).first()
    if existing is not None:
        return existing
    delivery = Delivery.objects.create(
        number=next_number("DEL", gap_free=False),
        order=order,
        scheduled_date=order.requested_delivery_date,
        address=order.delivery_address,
        commune=order.delivery_commune,
        wilaya_code=order.delivery_wilaya_code,
        latitude=order.delivery_latitude,
        longitude=order.delivery_longitude,
        contact_name=order.delivery_contact_name,
        contact_phone=order.delivery_contact_phone,
        weight_kg=_weight(order),
        cash_to_collect=order.total if order.payment_method == PaymentMethod.CASH else Decimal("0.00"),
    )
    DeliveryEvent.objects.create(
        delivery=delivery, from_status="", to_status=S.PENDING, actor=authenticated_actor(actor)
    )
    audit_record(actor=actor, instance=delivery, action="create", changes={"order": [None, order.number]})
    return delivery


def driver_unavailable_reason(driver: Driver, day) -> str | None:
    """Why `driver` cannot take a delivery on `day` (workflows §5), or None."""
    if driver.status == DriverStatus.SUSPENDED or not driver.user.is_active:
        return _("This driver is suspended.")
    if driver.status == DriverStatus.OFF_DUTY and day <= timezone.localdate():
        return _("This driver is off duty.")
    if driver.license_expiry is None:
        return _("This driver's licence expiry date is not on file.")
    if driver.license_expiry < day:
        return _("This driver's licence expires before the delivery date.")
    return None


@transaction.atomic
def delivery_assign(*, delivery: Delivery, driver: Driver, actor, note: str = "") -> Delivery:
    """Give a pending delivery a driver, hand an assigned one to another driver, or start a new
    attempt after a failure (attempts + 1)."""
    _order, delivery = _lock(delivery)
    if S.ASSIGNED not in rules.TRANSITIONS[delivery.status]:
        raise invalid_transition(delivery, S.ASSIGNED)
    driver = Driver.objects.select_related("user").get(pk=driver.pk)
    reason = driver_unavailable_reason(driver, delivery.scheduled_date)
    if reason:
        raise DomainError("DRIVER_UNAVAILABLE", details={"driver_id": [reason]})
    if delivery.status == S.ASSIGNED and delivery.driver_id == driver.pk:
        return delivery  # already this driver's: nothing to change
    data = {"driver": driver.pk}
    if delivery.status in (S.PENDING, S.FAILED):
        delivery.attempts += 1
        data["attempts"] = delivery.attempts
    delivery.driver = driver
    _move(delivery, S.ASSIGNED, actor, note=note, data={"driver": driver.pk, **data})
    notify(
        "delivery_assigned",
        [driver.user],
        {
            "delivery_number": delivery.number,
            "address": delivery.address,
            "scheduled_date": str(delivery.scheduled_date),
        },
        data={"delivery_id": str(delivery.pk)},
    )
    return delivery


@transaction.atomic
def delivery_report(
    *,
    delivery: Delivery,
    actor,
    status: str,
    operator: bool,
    failure_reason: str = "",
    note: str = "",
    cash_collected: Decimal | None = None,
    latitude=None,
    longitude=None,
    override_reason: str = "",
) -> Delivery:
    """A status update from the road (a driver, or an operator on its behalf): picked_up,
    in_transit, delivered or failed. The order follows (shipped, delivered) in the same
    transaction. `delivered` needs a proof of delivery unless an operator gives a reason."""
    order, delivery = _lock(delivery)
    if status not in rules.allowed_targets(delivery.status, operator=operator):
        raise invalid_transition(delivery, status, operator=operator)
    data = {}
    if status == S.FAILED:
        if failure_reason not in FailureReason.values:
            raise validation_error("failure_reason", _("Say why the delivery failed."))
        data = {"failure_reason": failure_reason, "failure_note": note}
    if status == S.DELIVERED:
        override_reason = override_reason.strip() if operator else ""
        if not override_reason and not hasattr(delivery, "proof"):
            raise DomainError("PROOF_REQUIRED")
        if override_reason and not hasattr(delivery, "proof"):
            data["proof_override_reason"] = override_reason
    if cash_collected is not None:
        if status != S.DELIVERED:
            raise validation_error("cash_collected", _("Cash is recorded when the delivery is made."))
        data["cash_collected"] = cash_collected
    for field, value in data.items():
        setattr(delivery, field, value)
    _move(delivery, status, actor, note=note, latitude=latitude, longitude=longitude, data=data)
    _order_follows(order, delivery.status, actor, note)
    if status == S.FAILED:  # the retailer hears why its goods did not arrive
        notify(
            "delivery_failed",
            retailer_recipients(order.retailer),
            {"order_number": order.number, "reason": delivery.get_failure_reason_display()},
            data={"order_id": str(order.pk)},
        )
    return delivery


def _order_follows(order: Order, delivery_status: str, actor, note: str) -> None:
    """Walk the order forward (confirmed → processing → shipped → delivered) until it agrees
    with the delivery. Each step is the orders app's own transition, with its rules (a cash
    order's charge at delivery)."""
    while rules.order_behind(delivery_status, order.status):
        step = rules.ORDER_PATH[rules.ORDER_PATH.index(order.status) + 1]
        order = order_advance(order=order, actor=actor, to_status=step, note=note)


def order_status_changed(*, order: Order, from_status: str, to_status: str, actor, note: str = "") -> None:
    """Called by the orders app inside its transaction, under the order's lock, after each order
    status change: confirming opens the delivery; an operator's change moves the delivery to
    the status that agrees, or is refused (and rolled back) when the delivery cannot follow."""
    if to_status == OrderStatus.CONFIRMED:
        delivery_open(order=order, actor=actor)
        return
    delivery = Delivery.objects.select_for_update().filter(order=order).first()
    if delivery is None or to_status not in rules.FOLLOWS:
        return  # no delivery (cancelled before confirmation, or confirmed before deliveries existed)
    target = rules.FOLLOWS[to_status]
    if delivery.status == target or rules.order_behind(delivery.status, to_status):
        return  # the delivery led the way: this is the order following it
    if target not in rules.TRANSITIONS[delivery.status]:
        raise invalid_transition(
            delivery,
            target,
            message=_("The order's delivery is %(status)s.") % {"status": delivery.get_status_display()},
        )
    data = {}
    if target == S.DELIVERED and not hasattr(delivery, "proof"):
        data["proof_override_reason"] = note or _("Recorded as delivered on the order by an operator.")
    for field, value in data.items():
        setattr(delivery, field, value)
    _move(delivery, target, actor, note=note, data=data)
