"""A delivery's life and its agreement with the order (workflows §4–§5)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone, translation

from deliveries import rules
from deliveries.models import Delivery, DeliveryEvent, ProofOfDelivery
from deliveries.services import lifecycle
from livrili.core.errors import DomainError
from livrili.core.testing.concurrency import run_together
from orders.models import Order, OrderEvent
from orders.services import lifecycle as order_services
from products.models import Product
from retailers.models import LedgerEntry

pytestmark = pytest.mark.django_db


def statuses(order) -> tuple[str, str]:
    order = Order.objects.get(pk=order.pk)
    return order.status, Delivery.objects.get(order=order).status


def refused(call, code: str) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.code == code
    return caught.value


def test_confirming_opens_one_delivery_with_the_orders_destination_and_cash(confirmed, operator):
    # given a cash order of 10 × 120.00 + 19 % tax, delivery fee and stamp duty (1803.00), 1.5 kg each
    order = confirmed("cash")

    # then its one delivery is pending, scheduled on the requested date, collecting the total
    delivery = Delivery.objects.get()
    assert delivery.order == order
    assert delivery.number == f"DEL-{timezone.localdate().year}-000001"
    assert (delivery.status, delivery.scheduled_date, delivery.attempts) == (
        "pending",
        order.requested_delivery_date,
        0,
    )
    assert (delivery.cash_to_collect, delivery.weight_kg) == (order.total, Decimal("15.000"))
    assert order.total == Decimal("1803.00")
    assert list(delivery.events.values_list("from_status", "to_status", "actor")) == [("", "pending", operator.pk)]

    # and confirming again is refused and opens nothing more
    refused(lambda: order_services.order_confirm(order=order, actor=operator), "INVALID_TRANSITION")
    assert Delivery.objects.count() == 1


def test_a_credit_order_collects_nothing_at_the_door(confirmed):
    confirmed("credit")
    assert Delivery.objects.get().cash_to_collect == Decimal("0.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_confirmations_open_one_delivery(place_order, operator):
    order = place_order()

    outcomes = run_together(
        10, lambda i: order_services.order_confirm(order=Order(pk=order.pk), actor=operator), catch=(DomainError,)
    )

    assert sorted(type(o).__name__ for o in outcomes) == ["DomainError"] * 9 + ["Order"]
    assert {o.code for o in outcomes if isinstance(o, DomainError)} == {"INVALID_TRANSITION"}
    assert Delivery.objects.filter(order_id=order.pk).count() == 1
    assert OrderEvent.objects.filter(order_id=order.pk, type="confirmed").count() == 1


def test_cancelling_the_order_cancels_its_delivery(confirmed, operator, driver):
    order = confirmed()
    lifecycle.delivery_assign(delivery=order.delivery, driver=driver, actor=operator)

    order_services.order_cancel(order=order, actor=operator, reason="Shop closed for works")

    assert statuses(order) == ("cancelled", "cancelled")
    delivery = Delivery.objects.get()
    assert delivery.cancelled_at is not None
    assert delivery.events.last().note == "Shop closed for works"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"status": "suspended"}, "This driver is suspended."),
        ({"status": "off_duty"}, "This driver is off duty."),
        ({"license_expiry": None}, "This driver's licence expiry date is not on file."),
        ({"license_expiry": timezone.localdate()}, "This driver's licence expires before the delivery date."),
    ],
)
def test_an_unavailable_driver_is_refused_and_nothing_is_written(confirmed, operator, make_driver, change, reason):
    order = confirmed()
    Delivery.objects.filter(order=order).update(scheduled_date=timezone.localdate() + timedelta(days=1))
    if change.get("status") == "off_duty":  # off duty matters for today's deliveries only
        Delivery.objects.filter(order=order).update(scheduled_date=timezone.localdate())
    driver = make_driver(**change)

    with translation.override("en"):
        error = refused(
            lambda: lifecycle.delivery_assign(delivery=order.delivery, driver=driver, actor=operator),
            "DRIVER_UNAVAILABLE",
        )

    assert error.details == {"driver_id": [reason]}
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.driver_id, delivery.attempts, delivery.events.count()) == ("pending", None, 0, 1)


def test_an_off_duty_driver_may_be_planned_for_a_later_day(confirmed, operator, make_driver):
    order = confirmed()
    Delivery.objects.filter(order=order).update(scheduled_date=timezone.localdate() + timedelta(days=1))

    delivery = lifecycle.delivery_assign(delivery=order.delivery, driver=make_driver(status="off_duty"), actor=operator)

    assert (delivery.status, delivery.attempts) == ("assigned", 1)


def test_a_pickup_reported_by_the_driver_ships_the_order_through_processing(confirmed, operator, driver):
    order = confirmed()
    lifecycle.delivery_assign(delivery=order.delivery, driver=driver, actor=operator)

    lifecycle.delivery_report(
        delivery=order.delivery, actor=driver.user, status="picked_up", operator=False, latitude=Decimal("36.75")
    )

    assert statuses(order) == ("shipped", "picked_up")
    assert list(OrderEvent.objects.filter(order=order).order_by("created_at").values_list("type", "actor")) == [
        ("placed", order.created_by_id),
        ("confirmed", operator.pk),
        ("processing", driver.user.pk),
        ("shipped", driver.user.pk),
    ]
    event = DeliveryEvent.objects.filter(to_status="picked_up").get()
    assert (event.from_status, event.actor, event.latitude) == ("assigned", driver.user, Decimal("36.750000"))


def test_delivered_needs_a_proof_unless_an_operator_gives_a_reason(confirmed, operator, driver):
    order = confirmed("cash")
    lifecycle.delivery_assign(delivery=order.delivery, driver=driver, actor=operator)
    lifecycle.delivery_report(delivery=order.delivery, actor=driver.user, status="picked_up", operator=False)

    # a driver without proof: refused, nothing written (no charge, statuses unchanged)
    refused(
        lambda: lifecycle.delivery_report(
            delivery=order.delivery, actor=driver.user, status="delivered", operator=False, override_reason="trust me"
        ),
        "PROOF_REQUIRED",
    )
    assert statuses(order) == ("shipped", "picked_up")
    assert not LedgerEntry.objects.filter(order=order).exists()

    # with a proof, the driver's report delivers the order and posts the cash order's charge
    ProofOfDelivery.objects.create(delivery=order.delivery, recipient_name="Ahmed")
    lifecycle.delivery_report(
        delivery=order.delivery,
        actor=driver.user,
        status="delivered",
        operator=False,
        cash_collected=Decimal("1803.00"),
    )
    assert statuses(order) == ("delivered", "delivered")
    delivery = Delivery.objects.get()
    assert (delivery.cash_collected, delivery.proof_override_reason) == (Decimal("1803.00"), "")
    assert list(LedgerEntry.objects.filter(order=order).values_list("kind", "amount")) == [
        ("order_charge", Decimal("1803.00"))
    ]


def test_an_operator_may_record_delivered_without_proof_with_a_reason(confirmed, operator, driver):
    order = confirmed("credit")
    lifecycle.delivery_assign(delivery=order.delivery, driver=driver, actor=operator)
    lifecycle.delivery_report(delivery=order.delivery, actor=operator, status="picked_up", operator=True)

    refused(
        lambda: lifecycle.delivery_report(delivery=order.delivery, actor=operator, status="delivered", operator=True),
        "PROOF_REQUIRED",
    )
    lifecycle.delivery_report(
        delivery=order.delivery, actor=operator, status="delivered", operator=True, override_reason="Phone confirmed"
    )

    assert statuses(order) == ("delivered", "delivered")
    assert Delivery.objects.get().proof_override_reason == "Phone confirmed"


def test_a_failure_needs_a_reason_then_a_new_attempt_or_the_goods_come_back(confirmed, operator, driver, make_driver):
    order = confirmed()
    product = order.items.get().product
    lifecycle.delivery_assign(delivery=order.delivery, driver=driver, actor=operator)
    lifecycle.delivery_report(delivery=order.delivery, actor=driver.user, status="picked_up", operator=False)

    error = refused(
        lambda: lifecycle.delivery_report(delivery=order.delivery, actor=driver.user, status="failed", operator=False),
        "VALIDATION_ERROR",
    )
    assert list(error.details) == ["failure_reason"]
    lifecycle.delivery_report(
        delivery=order.delivery,
        actor=driver.user,
        status="failed",
        operator=False,
        failure_reason="absent",
        note="Closed",
    )
    assert statuses(order) == ("shipped", "failed")

    # a new attempt with another driver
    other = make_driver()
    delivery = lifecycle.delivery_assign(delivery=order.delivery, driver=other, actor=operator)
    assert (delivery.status, delivery.driver, delivery.attempts, delivery.failure_reason) == (
        "assigned",
        other,
        2,
        "absent",
    )

    # fails again, abandoned: the operator records the order returned and the delivery is cancelled
    lifecycle.delivery_report(delivery=delivery, actor=other.user, status="picked_up", operator=False)
    lifecycle.delivery_report(
        delivery=delivery, actor=other.user, status="failed", operator=False, failure_reason="refused"
    )
    order_services.order_return(order=order, actor=operator, reason="Refused twice, goods back")
    assert statuses(order) == ("returned", "cancelled")
    assert Product.objects.get(pk=product.pk).stock_quantity == 100


def test_an_order_change_the_delivery_cannot_follow_is_refused_and_rolls_back(confirmed, operator, driver):
    order = confirmed()
    lifecycle.delivery_assign(delivery=order.delivery, driver=driver, actor=operator)
    lifecycle.delivery_report(delivery=order.delivery, actor=driver.user, status="picked_up", operator=False)
    lifecycle.delivery_report(
        delivery=order.delivery, actor=driver.user, status="failed", operator=False, failure_reason="closed"
    )
    events = (OrderEvent.objects.count(), DeliveryEvent.objects.count())

    error = refused(
        lambda: order_services.order_set_status(order=order, actor=operator, status="delivered"), "INVALID_TRANSITION"
    )

    assert error.details == {"from": "failed", "to": "delivered", "allowed": []}
    assert statuses(order) == ("shipped", "failed")
    assert (OrderEvent.objects.count(), DeliveryEvent.objects.count()) == events
    assert not LedgerEntry.objects.filter(order=order, kind="order_charge").exists()


def test_an_operator_moving_the_order_moves_its_delivery(confirmed, operator):
    # a delivery handled outside the driver app (no driver): the order leads, the delivery follows
    order = confirmed()
    for status in ("processing", "shipped", "delivered"):
        order_services.order_set_status(order=order, actor=operator, status=status, note="Counter pickup")
    assert statuses(order) == ("delivered", "delivered")
    delivery = Delivery.objects.get()
    assert delivery.proof_override_reason == "Counter pickup"
    assert list(delivery.events.values_list("to_status", flat=True)) == ["pending", "picked_up", "delivered"]


def test_a_driver_cannot_ask_for_what_only_an_operator_may(confirmed, operator, driver):
    order = confirmed()

    error = refused(
        lambda: lifecycle.delivery_report(
            delivery=order.delivery, actor=driver.user, status="picked_up", operator=False
        ),
        "INVALID_TRANSITION",
    )

    assert error.details == {"from": "pending", "to": "picked_up", "allowed": []}
    assert statuses(order) == ("confirmed", "pending")


# --- Every path of the two state machines together --------------------------------------------


def _order_actions(operator):
    return {
        "order→processing": lambda o: order_services.order_set_status(order=o, actor=operator, status="processing"),
        "order→shipped": lambda o: order_services.order_set_status(order=o, actor=operator, status="shipped"),
        "order→delivered": lambda o: order_services.order_set_status(
            order=o, actor=operator, status="delivered", note="by phone"
        ),
        "order cancel": lambda o: order_services.order_cancel(order=o, actor=operator, reason="r"),
        "order return": lambda o: order_services.order_return(order=o, actor=operator, reason="r"),
    }


def _delivery_actions(operator, drivers):
    def report(status, **extra):
        return lambda o: lifecycle.delivery_report(
            delivery=Delivery.objects.get(order=o), actor=drivers[0].user, status=status, operator=False, **extra
        )

    def assign(driver):
        return lambda o: lifecycle.delivery_assign(
            delivery=Delivery.objects.get(order=o), driver=driver, actor=operator
        )

    def operator_delivered(o):
        return lifecycle.delivery_report(
            delivery=Delivery.objects.get(order=o),
            actor=operator,
            status="delivered",
            operator=True,
            override_reason="x",
        )

    return {
        "assign": assign(drivers[0]),
        "reassign": assign(drivers[1]),
        "picked_up": report("picked_up"),
        "in_transit": report("in_transit"),
        "failed": report("failed", failure_reason="absent"),
        "delivered (operator)": operator_delivered,
    }


def test_every_path_of_both_state_machines_keeps_order_and_delivery_in_agreement(confirmed, operator, make_driver):
    # given a confirmed order and every action on either side, tried from every state reached
    # (depth first inside savepoints: each branch starts from the state its path left)
    order = confirmed()
    drivers = [make_driver(), make_driver()]
    actions = {**_order_actions(operator), **_delivery_actions(operator, drivers)}
    outcomes = {}

    def snapshot():
        o = Order.objects.get(pk=order.pk)
        d = Delivery.objects.get(order=o)
        # attempts beyond a second one lead nowhere new: the state counts "a retry" once
        state = (o.status, d.status, d.driver_id, min(d.attempts, 2))
        return state, OrderEvent.objects.count(), DeliveryEvent.objects.count()

    def explore(path):
        before = snapshot()
        state = before[0]
        order_status, delivery_status = state[:2]
        # then at every step the two statuses agree
        assert rules.agrees(delivery_status, order_status), (path, state)
        for name, action in actions.items():
            if (state, name) in outcomes:
                continue
            savepoint = transaction.savepoint()
            try:
                action(Order.objects.get(pk=order.pk))
            except DomainError as refusal:
                # and a refused action wrote nothing
                assert snapshot() == before, (path, name)
                outcomes[state, name] = refusal.code
            else:
                outcomes[state, name] = snapshot()[0][:2]
                explore([*path, name])
            transaction.savepoint_rollback(savepoint)

    explore([])

    # every agreeing pair was reached
    reached = {key[0][:2] for key in outcomes} | {v for v in outcomes.values() if isinstance(v, tuple)}
    assert reached == {
        ("confirmed", "pending"),
        ("processing", "pending"),
        ("confirmed", "assigned"),
        ("processing", "assigned"),
        ("shipped", "picked_up"),
        ("shipped", "in_transit"),
        ("shipped", "failed"),
        ("shipped", "assigned"),  # a new attempt after a failure
        ("delivered", "delivered"),
        ("cancelled", "cancelled"),
        ("returned", "cancelled"),
    }
    by_pair = {}
    for (state, name), outcome in outcomes.items():
        by_pair.setdefault((state[:2], name), set()).add(outcome)
    # the couplings, each way
    assert by_pair[("confirmed", "assigned"), "picked_up"] == {("shipped", "picked_up")}
    assert by_pair[("shipped", "in_transit"), "delivered (operator)"] == {("delivered", "delivered")}
    assert by_pair[("processing", "pending"), "order→shipped"] == {("shipped", "picked_up")}
    assert by_pair[("shipped", "failed"), "order return"] == {("returned", "cancelled")}
    assert by_pair[("shipped", "failed"), "order→delivered"] == {"INVALID_TRANSITION"}
    assert by_pair[("shipped", "in_transit"), "order cancel"] == {"INVALID_TRANSITION"}
    assert by_pair[("confirmed", "pending"), "picked_up"] == {"INVALID_TRANSITION"}
