"""The retailer is told about its order: placed, confirmed, cancelled (with why), in its
language, in the change's transaction (read through its inbox, as the PWA does)."""

import pytest
from django.db import transaction

from orders.services import lifecycle

pytestmark = pytest.mark.django_db


def inbox(client_for, user) -> list[tuple[str, str]]:
    """(event, body), oldest first."""
    rows = client_for(user).get("/api/v1/notifications").json()["data"]
    return [(row["event"], row["body"]) for row in reversed(rows)]


def test_placing_and_confirming_tell_the_retailer_in_its_language(
    place_cart, shop, make_product, make_user, client_for
):
    shop.preferred_language = "fr"
    shop.save(update_fields=["preferred_language"])
    order = place_cart(shop, make_product(stock=100))

    lifecycle.order_confirm(order=order, actor=make_user(role="admin", username="op"))

    told = inbox(client_for, shop)
    assert [event for event, _body in told] == ["order_placed", "order_confirmed"]
    assert told[0][1] == f"Nous avons reçu votre commande {order.number} d'un montant de {order.total} DA."


def test_a_cancelled_order_says_why_and_a_rolled_back_change_tells_nobody(
    place_cart, shop, make_product, make_user, client_for
):
    order = place_cart(shop, make_product(stock=100))
    operator = make_user(role="admin", username="op")

    with pytest.raises(RuntimeError), transaction.atomic():
        lifecycle.order_confirm(order=order, actor=operator)
        raise RuntimeError("the caller's transaction fails after the change")
    lifecycle.order_cancel(order=order, actor=operator, reason="Rupture fournisseur")

    told = inbox(client_for, shop)
    assert [event for event, _body in told] == ["order_placed", "order_cancelled"]
    assert "Rupture fournisseur" in told[1][1]


def test_a_held_order_tells_the_retailer_and_whoever_may_release_it(
    place_cart, shop, make_product, make_user, finance, sales, client_for, debt
):
    from livrili.core.models import BusinessSettings

    settings = BusinessSettings.load()
    settings.credit_policy = "hold"
    settings.save()
    debt(shop.retailer, "99999.00")  # the order cannot fit the credit left

    order = place_cart(shop, make_product(stock=100))

    assert order.status == "on_hold"
    # (the debt itself took the credit past 90 % used: that notice comes first)
    assert [event for event, _body in inbox(client_for, shop)] == [
        "credit_nearly_exhausted",
        "order_placed",
        "order_held",
    ]
    assert [event for event, _body in inbox(client_for, finance)] == ["credit_hold"]
    assert order.number in inbox(client_for, finance)[0][1]
    assert inbox(client_for, sales) == []  # Sales may not release holds


def test_a_credit_order_that_takes_the_credit_past_90_percent_tells_the_retailer_once(
    place_cart, shop, make_product, client_for, debt
):
    # Given a retailer with 100 000 DA of credit, 89 000 DA used
    debt(shop.retailer, "89000.00")
    product = make_product(stock=1000)

    # When two credit orders are placed, the first one crossing 90 % used
    first = place_cart(shop, product)
    second = place_cart(shop, product)

    # Then the crossing told it once, with the credit left after the first order
    assert first.status == second.status == "pending"
    notices = [body for event, body in inbox(client_for, shop) if event == "credit_nearly_exhausted"]
    left = 100000 - 89000 - first.total
    assert notices == [f"بقي لكم {left:.2f} دج من أصل 100000.00 دج من الائتمان."]
