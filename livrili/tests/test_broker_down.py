"""Must show (issue 15): with the broker down, placing an order succeeds and its notifications
are delivered once the broker is back (the sweep sends what the enqueue could not hand over).

The broker here is a real Celery transport that fails: eager mode off and a broker URL whose
port refuses connections, so `apply_async` meets a genuine connection error."""

import uuid

import pytest
from django.core import mail

from livrili.celery import app
from notifications import tasks
from notifications.models import Notification
from orders.models import CartItem, Order
from orders.services.placement import order_place


@pytest.fixture
def broker_down(settings):
    """Celery publishes for real, to a broker nobody listens on (port 9 refuses)."""
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url", "broker_connection_timeout")}
    app.conf.update(task_always_eager=False, broker_url="redis://127.0.0.1:9/0", broker_connection_timeout=1)
    _fresh_connections()
    yield
    app.conf.update(saved)
    _fresh_connections()


def _fresh_connections():
    """Connections are pooled: drop the pools so the next publish connects to the broker URL now set."""
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)
def test_an_order_placed_while_the_broker_is_down_is_told_after_it_returns(
    broker_down, make_user, make_product, client_for, caplog
):
    # Given a retailer with an e-mail address and a product in its cart
    shop = make_user(role="retailer", username="shop", email="shop@example.dz", preferred_language="fr")
    CartItem.objects.create(retailer=shop.retailer, product=make_product(stock=100), quantity=10)

    # When it places the order (a real commit) while publishing to the broker fails
    order, _replayed = order_place(
        retailer=shop.retailer, actor=shop, payment_method="cash", idempotency_key=uuid.uuid4().hex, fingerprint="f"
    )

    # Then the order is placed, the inbox already has the notice, the e-mail waits, queued
    assert Order.objects.get(pk=order.pk).status == "pending"
    inbox = client_for(shop).get("/api/v1/notifications").json()["data"]
    assert [n["event"] for n in inbox] == ["order_placed"]
    email = Notification.objects.get(channel="email")
    assert (email.event, email.status, email.attempts) == ("order_placed", "queued", 0)
    assert mail.outbox == []
    assert f"notifications {email.pk} not enqueued (Error 111 connecting to 127.0.0.1:9" in caplog.text

    # When the broker is back and the beat's sweep runs (eagerly here)
    app.conf.update(task_always_eager=True)
    outcomes = tasks.sweep_notifications.delay().get()

    # Then the e-mail is sent, once
    email.refresh_from_db()
    assert outcomes == {"sent": 1}
    assert (email.status, email.attempts) == ("sent", 1)
    assert [m.subject for m in mail.outbox] == [f"Commande {order.number} reçue"]
