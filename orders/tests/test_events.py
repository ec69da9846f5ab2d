"""The order event builders (orders/events.py): each event type's type, from, to, actor, note
and data, as built and as the services write them."""

import uuid
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone, translation

from livrili.core.models import BusinessSettings
from orders import events, hooks
from orders.models import CartItem, Order, OrderEvent
from orders.services.edit import order_edit
from orders.services.expiry import orders_expire_holds
from orders.services.lifecycle import order_cancel, order_release_hold, order_return, order_set_status
from orders.services.placement import LineRequest, order_place

pytestmark = pytest.mark.django_db


def fields(event: OrderEvent) -> tuple:
    return (event.type, event.from_status, event.to_status, event.actor, event.note, event.data)


@pytest.fixture
def oil(make_product):
    return make_product(stock=50, base_price=D("120.00"), tax_rate=D("19.00"))


def an_order(status: str) -> Order:
    return Order(pk=uuid.uuid4(), status=status, total=D("1785.00"), channel="admin")


# --- As built -------------------------------------------------------------------------------


def test_each_builder_states_type_from_to_actor_note_and_data(shop):
    # given an unsaved order in the status each event starts from
    discounts = [{"sku": "OIL-1", "discount": "5.00", "reason": "Loyal shop"}]
    lines = [{"product_id": "p", "sku": "OIL-1", "quantity": 10, "line_total": "1428.00"}]

    # when each builder is called, then its event says exactly what happened
    built = {
        "placed": events.order_placed_event(order=an_order("pending"), actor=shop),
        "placed with discounts": events.order_placed_event(order=an_order("pending"), actor=shop, discounts=discounts),
        "held": events.order_held_event(order=an_order("pending"), actor=None, available_credit=D("1000.00")),
        "hold_released": events.order_hold_released_event(
            order=an_order("on_hold"), actor=shop, override=True, available_credit_before=D("1000.00"), note="Cheque"
        ),
        "confirmed": events.order_confirmed_event(order=an_order("pending"), actor=shop, note="Called"),
        "processing": events.order_processing_event(order=an_order("confirmed"), actor=shop),
        "shipped": events.order_shipped_event(order=an_order("processing"), actor=shop),
        "delivered": events.order_delivered_event(order=an_order("shipped"), actor=shop),
        "cancelled": events.order_cancelled_event(order=an_order("confirmed"), actor=shop, reason="Duplicate"),
        "returned": events.order_returned_event(order=an_order("shipped"), actor=shop, reason="Shop closed"),
        "edited": events.order_edited_event(order=an_order("on_hold"), actor=shop, before=lines, after=[]),
    }
    assert {name: fields(event) for name, event in built.items()} == {
        "placed": ("placed", "", "pending", shop, "", {"total": "1785.00", "channel": "admin"}),
        "placed with discounts": (
            "placed",
            "",
            "pending",
            shop,
            "",
            {"total": "1785.00", "channel": "admin", "discounts": discounts},
        ),
        "held": ("held", "pending", "on_hold", None, "", {"available_credit": "1000.00", "required": "1785.00"}),
        "hold_released": (
            "hold_released",
            "on_hold",
            "confirmed",
            shop,
            "Cheque",
            {"override": True, "available_credit_before": "1000.00"},
        ),
        "confirmed": ("confirmed", "pending", "confirmed", shop, "Called", {}),
        "processing": ("processing", "confirmed", "processing", shop, "", {}),
        "shipped": ("shipped", "processing", "shipped", shop, "", {}),
        "delivered": ("delivered", "shipped", "delivered", shop, "", {}),
        "cancelled": ("cancelled", "confirmed", "cancelled", shop, "Duplicate", {}),
        "returned": ("returned", "shipped", "returned", shop, "Shop closed", {}),
        "edited": ("edited", "on_hold", "on_hold", shop, "", {"before": lines, "after": [], "total": "1785.00"}),
    }
    # and nothing is saved by a builder
    assert all(event._state.adding for event in built.values())
    assert OrderEvent.objects.count() == 0


def test_builders_keep_only_a_signed_in_actor():
    order = an_order("pending")

    assert events.order_confirmed_event(order=order, actor=AnonymousUser()).actor is None
    assert events.order_confirmed_event(order=order, actor=None).actor is None


def test_status_events_cover_the_statuses_an_operator_moves_an_order_to():
    assert {status: builder.__name__ for status, builder in events.STATUS_EVENTS.items()} == {
        "confirmed": "order_confirmed_event",
        "processing": "order_processing_event",
        "shipped": "order_shipped_event",
        "delivered": "order_delivered_event",
    }


def test_saving_an_event_schedules_its_hook_once(monkeypatch, shop, oil, django_capture_on_commit_callbacks):
    # given a placed order and a recorder in place of the hook
    order = place(shop, oil, "k", payment_method="cash")
    calls = []
    monkeypatch.setattr(hooks, "order_event_committed", lambda **kwargs: calls.append(kwargs))

    # when a built event is saved and the transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        saved = events.order_event_save(events.order_confirmed_event(order=order, actor=shop))

    # then the row exists and the hook ran once with the order and the type
    assert OrderEvent.objects.filter(pk=saved.pk).count() == 1
    assert calls == [{"order_id": order.pk, "event": "confirmed"}]


# --- As the services write them -------------------------------------------------------------


def place(shop, oil, key: str, quantity: int = 10, payment_method: str = "credit") -> Order:
    CartItem.objects.create(retailer=shop.retailer, product=oil, quantity=quantity)
    order, _replayed = order_place(
        retailer=shop.retailer, actor=shop, payment_method=payment_method, idempotency_key=key, fingerprint="f"
    )
    return order


def story(order: Order) -> list[tuple]:
    return [fields(event) for event in OrderEvent.objects.filter(order=order).order_by("created_at", "type")]


def test_a_held_order_released_and_delivered_writes_each_event(shop, oil, finance, debt):
    # given the hold policy and a retailer with 1000.00 of credit left
    BusinessSettings.objects.update_or_create(id=1, defaults={"credit_policy": "hold"})
    BusinessSettings.load().save()
    debt(shop.retailer, "99000.00")

    # when a 1785.00 credit order is placed, released by Finance and taken to delivery
    order = place(shop, oil, "held")
    order_release_hold(order=order, actor=finance, note="Cheque received")
    for status in ("processing", "shipped", "delivered"):
        order_set_status(order=order, actor=finance, status=status)

    # then each step wrote its event, in order
    assert story(order) == [
        ("placed", "", "pending", shop, "", {"total": "1785.00", "channel": "pwa"}),
        ("held", "pending", "on_hold", shop, "", {"available_credit": "1000.00", "required": "1785.00"}),
        (
            "hold_released",
            "on_hold",
            "confirmed",
            finance,
            "Cheque received",
            {"override": True, "available_credit_before": "1000.00"},
        ),
        ("processing", "confirmed", "processing", finance, "", {}),
        ("shipped", "processing", "shipped", finance, "", {}),
        ("delivered", "shipped", "delivered", finance, "", {}),
    ]


def test_cancel_return_and_edit_write_their_events(shop, oil, sales):
    # given three credit orders
    cancelled, returned, edited = (place(shop, oil, key, quantity=10) for key in ("c", "r", "e"))

    # when one is cancelled, one returned after shipping and one edited to 12 bottles
    order_cancel(order=cancelled, actor=sales, reason="Duplicate")
    for status in ("confirmed", "processing", "shipped"):
        order_set_status(order=returned, actor=sales, status=status)
    order_return(order=returned, actor=sales, reason="Shop closed")
    order_edit(order=edited, actor=sales, lines=[LineRequest(product_id=oil.pk, quantity=12)])

    # then the events name the step, its author and its reason
    assert story(cancelled)[1:] == [("cancelled", "pending", "cancelled", sales, "Duplicate", {})]
    assert story(returned)[1:] == [
        ("confirmed", "pending", "confirmed", sales, "", {}),
        ("processing", "confirmed", "processing", sales, "", {}),
        ("shipped", "processing", "shipped", sales, "", {}),
        ("returned", "shipped", "returned", sales, "Shop closed", {}),
    ]
    edited.refresh_from_db()
    line = {"product_id": str(oil.pk), "sku": oil.sku}
    assert story(edited)[1:] == [
        (
            "edited",
            "pending",
            "pending",
            sales,
            "",
            {
                "before": [{**line, "quantity": 10, "line_total": "1428.00"}],
                "after": [{**line, "quantity": 12, "line_total": "1713.60"}],
                "total": str(edited.total),
            },
        )
    ]


def test_an_expired_hold_is_cancelled_by_nobody(shop, oil, debt):
    # given a hold older than the expiry
    BusinessSettings.objects.update_or_create(id=1, defaults={"credit_policy": "hold", "hold_expiry_days": 3})
    BusinessSettings.load().save()
    debt(shop.retailer, "99000.00")
    order = place(shop, oil, "old")
    Order.objects.filter(pk=order.pk).update(held_at=timezone.now() - timedelta(days=4))

    # when the task runs (in English, to read its reason)
    with translation.override("en"):
        orders_expire_holds()

    # then the cancel event has no actor and the task's reason
    assert story(order)[-1] == ("cancelled", "on_hold", "cancelled", None, "Credit hold expired", {})
