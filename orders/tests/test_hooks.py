"""The hooks (`orders/hooks.py`): the after-commit ones fire exactly once per event, after the
commit, and never for a refused call; the status listeners once per status change, inside the
transaction."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from livrili.core import numbering
from livrili.core.errors import DomainError
from livrili.core.models import BusinessSettings
from orders import hooks
from orders.models import CartItem, Order
from orders.services import expiry, lifecycle, placement

pytestmark = pytest.mark.django_db

HOOKS = ("order_event_committed", "order_delivered")


@pytest.fixture(autouse=True)
def _sequences_as_committed():
    """`execute=True` runs every captured callback, numbering's too: it would remember (for the
    process) an order-number sequence that the test's rollback drops again (PostgreSQL), and the
    next test's placement would skip creating it."""
    known = set(numbering._known_sequences)
    yield
    numbering._known_sequences.intersection_update(known)


@pytest.fixture
def fired(monkeypatch):
    """The hook calls, in order, as (hook, keyword arguments)."""
    calls = []
    for name in HOOKS:

        def record(*, _hook=name, **kwargs):
            calls.append((_hook, kwargs))

        monkeypatch.setattr(hooks, name, record)
    return calls


@pytest.fixture
def oil(make_product):
    return make_product(stock=50, base_price=D("120.00"), tax_rate=D("19.00"))


@pytest.fixture
def place(shop, oil):
    def make(key, payment_method="credit"):
        CartItem.objects.create(retailer=shop.retailer, product=oil, quantity=10)
        order, _replayed = placement.order_place(
            retailer=shop.retailer, actor=shop, payment_method=payment_method, idempotency_key=key, fingerprint="f"
        )
        return order

    return make


@pytest.fixture
def hold_policy(shop, debt):
    """Over the limit, orders are held: the retailer owes 99 000.00 of its 100 000.00."""
    BusinessSettings.objects.update_or_create(id=1, defaults={"credit_policy": "hold"})
    BusinessSettings.load().save()
    debt(shop.retailer, "99000.00")


def event(order, type):
    return ("order_event_committed", {"order_id": order.pk, "event": type})


def test_each_lifecycle_event_fires_its_hooks_once_after_commit(
    django_capture_on_commit_callbacks, fired, place, sales
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place("k1")
        assert fired == []  # nothing before the commit
    assert fired == [event(order, "placed")]

    steps = [
        (
            lambda: lifecycle.order_confirm(order=order, actor=sales),
            [event(order, "confirmed")],
        ),
        (
            lambda: lifecycle.order_advance(order=order, actor=sales, to_status="processing"),
            [event(order, "processing")],
        ),
        (lambda: lifecycle.order_advance(order=order, actor=sales, to_status="shipped"), [event(order, "shipped")]),
        (
            lambda: lifecycle.order_advance(order=order, actor=sales, to_status="delivered"),
            [event(order, "delivered"), ("order_delivered", {"order_id": order.pk})],
        ),
    ]
    for call, expected in steps:
        fired.clear()
        with django_capture_on_commit_callbacks(execute=True):
            call()
        assert fired == expected


def test_a_cancellation_and_a_return_fire_their_hooks_once(django_capture_on_commit_callbacks, fired, place, sales):
    cancelled, returned = place("k1"), place("k2")
    lifecycle.order_confirm(order=returned, actor=sales)
    for status in ("processing", "shipped"):
        lifecycle.order_advance(order=returned, actor=sales, to_status=status)

    fired.clear()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.order_cancel(order=cancelled, actor=sales, reason="Out of budget")
    assert fired == [event(cancelled, "cancelled")]

    fired.clear()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.order_return(order=returned, actor=sales, reason="Refused at the door")
    assert fired == [event(returned, "returned")]


def test_a_hold_and_its_release_fire_their_hooks_once(
    django_capture_on_commit_callbacks, fired, place, finance, hold_policy
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place("k1")
    assert order.status == "on_hold"
    assert fired == [event(order, "placed"), event(order, "held")]

    fired.clear()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.order_release_hold(order=order, actor=finance, note="Paid in cash at the depot")
    assert fired == [event(order, "hold_released")]


def test_an_expired_hold_fires_the_cancellation_hooks_once(
    django_capture_on_commit_callbacks, fired, place, hold_policy
):
    order = place("k1")
    Order.objects.filter(pk=order.pk).update(held_at=timezone.now() - timedelta(days=4))

    fired.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert expiry.orders_expire_holds() == [order.number]
    assert fired == [event(order, "cancelled")]


def test_refused_calls_and_replays_fire_no_hook(django_capture_on_commit_callbacks, fired, place, sales, hold_policy):
    held = place("k1")
    fired.clear()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(DomainError) as refused:
            lifecycle.order_confirm(order=held, actor=sales)  # a hold is released, not confirmed
        assert refused.value.code == "INVALID_TRANSITION"
        with pytest.raises(DomainError) as refused:
            lifecycle.order_cancel(order=held, actor=sales, reason="  ")
        assert refused.value.code == "VALIDATION_ERROR"
        replayed_order, replayed = placement.order_place(
            retailer=held.retailer, actor=sales, payment_method="credit", idempotency_key="k1", fingerprint="f"
        )
        assert (replayed_order.pk, replayed) == (held.pk, True)
    assert fired == []
    assert callbacks == []


def test_a_bulk_change_fires_hooks_only_for_the_orders_it_changed(
    django_capture_on_commit_callbacks, fired, place, sales, shop, debt
):
    pending = place("k1")
    BusinessSettings.objects.update_or_create(id=1, defaults={"credit_policy": "hold"})
    BusinessSettings.load().save()
    debt(shop.retailer, "99000.00")
    held = place("k2")
    assert (pending.status, held.status) == ("pending", "on_hold")

    fired.clear()
    with django_capture_on_commit_callbacks(execute=True):
        results = lifecycle.orders_bulk_status(order_ids=[held.pk, pending.pk], actor=sales, status="confirmed")
    assert [r["ok"] for r in results] == [False, True]
    assert fired == [event(pending, "confirmed")]


def test_status_listeners_run_once_per_change_inside_the_transaction(
    django_capture_on_commit_callbacks, monkeypatch, place, sales
):
    # given a recording listener in place of the registered ones
    heard = []

    def listener(*, order, from_status, to_status, actor, note):
        heard.append((from_status, to_status, actor, note, Order.objects.get(pk=order.pk).status))

    monkeypatch.setattr(hooks, "STATUS_LISTENERS", [listener])
    order = place("k1")
    assert heard == []  # placement is not a status change

    # when the order moves, and when a move is refused
    with django_capture_on_commit_callbacks(execute=False):
        lifecycle.order_confirm(order=order, actor=sales, note="ok")
        assert heard == [("pending", "confirmed", sales, "ok", "confirmed")]  # before any commit
        with pytest.raises(DomainError):
            lifecycle.order_advance(order=order, actor=sales, to_status="delivered")
        lifecycle.order_cancel(order=order, actor=sales, reason="Out of budget")

    # then once per change, with the order already in its new status, none for the refusal
    assert heard == [
        ("pending", "confirmed", sales, "ok", "confirmed"),
        ("confirmed", "cancelled", sales, "Out of budget", "cancelled"),
    ]


def test_a_listener_refusing_a_change_rolls_it_back(monkeypatch, place, sales):
    def refuse(**kwargs):
        raise DomainError("INVALID_TRANSITION")

    monkeypatch.setattr(hooks, "STATUS_LISTENERS", [refuse])
    order = place("k1")

    with pytest.raises(DomainError):
        lifecycle.order_confirm(order=order, actor=sales)

    order.refresh_from_db()
    assert (order.status, order.confirmed_at, order.events.count()) == ("pending", None, 1)
