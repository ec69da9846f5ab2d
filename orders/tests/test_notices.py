"""The retailer is told about its order: placed, confirmed, cancelled (with why), in its
language, in the change's transaction."""

import pytest
from django.db import transaction

from notifications.models import Notification
from orders.services import lifecycle

pytestmark = pytest.mark.django_db


def inbox(user):
    return list(
        Notification.objects.filter(recipient=user, channel="in_app")
        .order_by("created_at")
        .values_list("event", "body")
    )


def test_placing_and_confirming_tell_the_retailer_in_its_language(place_cart, shop, make_product, make_user):
    shop.preferred_language = "fr"
    shop.save(update_fields=["preferred_language"])
    order = place_cart(shop, make_product(stock=100))

    lifecycle.order_confirm(order=order, actor=make_user(role="admin", username="op"))

    events = inbox(shop)
    assert [event for event, _body in events] == ["order_placed", "order_confirmed"]
    assert order.number in events[1][1]
    assert Notification.objects.get(recipient=shop, event="order_confirmed", channel="in_app").language == "fr"


def test_a_cancelled_order_says_why_and_a_rolled_back_change_tells_nobody(place_cart, shop, make_product, make_user):
    order = place_cart(shop, make_product(stock=100))
    operator = make_user(role="admin", username="op")

    with pytest.raises(RuntimeError), transaction.atomic():
        lifecycle.order_confirm(order=order, actor=operator)
        raise RuntimeError("the caller's transaction fails after the change")
    lifecycle.order_cancel(order=order, actor=operator, reason="Rupture fournisseur")

    assert [event for event, _body in inbox(shop)] == ["order_placed", "order_cancelled"]
    assert "Rupture fournisseur" in inbox(shop)[1][1]
