"""Orders are audited (domain.md, Audit): placements, edits, status changes, hold releases with
their override and manual-order discounts, each with actor, IP, user agent and diff."""

from decimal import Decimal as D

import pytest

from livrili.core.models import AuditLog, BusinessSettings
from orders.models import CartItem, Order
from orders.services.expiry import orders_expire_holds
from orders.services.lifecycle import order_cancel, order_release_hold, order_return, order_set_status
from orders.services.placement import order_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def oil(make_product):
    return make_product(stock=50, base_price=D("120.00"), tax_rate=D("19.00"))


def order_rows(order):
    return list(
        AuditLog.objects.filter(object_id=str(order.pk))
        .order_by("created_at")
        .values_list("action", "actor", "changes")
    )


def test_a_placement_through_the_api_is_audited_with_actor_ip_and_user_agent(client_for, shop, oil):
    CartItem.objects.create(retailer=shop.retailer, product=oil, quantity=10)

    response = client_for(shop).post(
        "/api/v1/retailers/orders",
        {"payment_method": "credit"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="a1",
        HTTP_USER_AGENT="LivriliPWA/1.0",
        REMOTE_ADDR="10.1.2.3",
    )

    assert response.status_code == 201, response.json()
    order = Order.objects.get()
    row = AuditLog.objects.get(object_id=str(order.pk))
    assert (row.action, row.actor, row.ip, row.user_agent, row.object_repr) == (
        "create",
        shop,
        "10.1.2.3",
        "LivriliPWA/1.0",
        order.number,
    )
    assert row.changes == {
        "number": [None, order.number],
        "retailer_id": [None, str(shop.retailer_id)],
        "channel": [None, "pwa"],
        "status": [None, "pending"],
        "payment_method": [None, "credit"],
        "subtotal": [None, "1200.00"],
        "tax_total": [None, "285.00"],
        "delivery_fee": [None, "300.00"],
        "discount_total": [None, "0.00"],
        "stamp_duty": [None, "0.00"],
        "total": [None, "1785.00"],
        "requested_delivery_date": [None, order.requested_delivery_date.isoformat()],
        "time_slot": [None, "morning"],
    }


def test_a_manual_order_discount_is_audited_with_its_reason(client_for, sales, shop, oil):
    body = {
        "retailer_id": str(shop.retailer_id),
        "payment_method": "cash",
        "items": [{"product_id": str(oil.pk), "quantity": 10, "discount": "20.00", "discount_reason": "Promo"}],
    }

    response = client_for(sales).post("/api/v1/orders", body, format="json", HTTP_IDEMPOTENCY_KEY="m1")

    assert response.status_code == 201, response.json()
    order = Order.objects.get()
    assert [(action, actor) for action, actor, _changes in order_rows(order)] == [
        ("create", sales.pk),
        ("discount", sales.pk),
    ]
    discount = AuditLog.objects.get(action="discount")
    assert discount.changes == {"discounts": [None, [{"sku": oil.sku, "discount": "20.00", "reason": "Promo"}]]}


def place(shop, oil, key="k", quantity=10):
    CartItem.objects.create(retailer=shop.retailer, product=oil, quantity=quantity)
    order, _replayed = order_place(
        retailer=shop.retailer, actor=shop, payment_method="credit", idempotency_key=key, fingerprint="f"
    )
    return order


def test_an_edit_is_audited_with_the_items_and_totals_before_and_after(client_for, sales, shop, oil):
    order = place(shop, oil)

    response = client_for(sales).patch(
        f"/api/v1/orders/{order.pk}", {"items": [{"product_id": str(oil.pk), "quantity": 15}]}, format="json"
    )

    assert response.status_code == 200, response.json()
    action, actor, changes = order_rows(order)[-1]
    assert (action, actor) == ("update", sales.pk)
    # 1800.00 + 342.00 + fee 300.00 + 57.00 = 2499.00
    assert changes == {
        "items": [
            [{"product_id": str(oil.pk), "sku": oil.sku, "quantity": 10, "line_total": "1428.00"}],
            [{"product_id": str(oil.pk), "sku": oil.sku, "quantity": 15, "line_total": "2142.00"}],
        ],
        "subtotal": ["1200.00", "1800.00"],
        "tax_total": ["285.00", "399.00"],
        "total": ["1785.00", "2499.00"],
    }


def test_cancellation_and_return_are_audited_with_their_reason(sales, shop, oil):
    cancelled, returned = place(shop, oil, "c"), place(shop, oil, "r")
    for status in ("confirmed", "processing", "shipped"):
        order_set_status(order=returned, actor=sales, status=status)

    order_cancel(order=cancelled, actor=sales, reason="Duplicate")
    order_return(order=returned, actor=sales, reason="Shop closed")

    assert order_rows(cancelled)[-1] == (
        "cancel",
        sales.pk,
        {"status": ["pending", "cancelled"], "cancel_reason": ["", "Duplicate"]},
    )
    assert [row[0] for row in order_rows(returned)] == ["create", "confirm", "process", "ship", "return"]
    assert order_rows(returned)[-1] == (
        "return",
        sales.pk,
        {"status": ["shipped", "returned"], "reason": [None, "Shop closed"]},
    )


def test_a_hold_release_over_the_limit_is_audited_as_an_override(finance, shop, oil, debt):
    BusinessSettings.objects.update_or_create(id=1, defaults={"credit_policy": "hold"})
    BusinessSettings.load().save()
    debt(shop.retailer, "99000.00")
    order = place(shop, oil)

    order_release_hold(order=order, actor=finance, note="Paid by cheque")

    assert [row[0] for row in order_rows(order)] == ["create", "hold", "release_hold"]
    assert order_rows(order)[-1] == (
        "release_hold",
        finance.pk,
        {
            "status": ["on_hold", "confirmed"],
            "override": [None, True],
            "available_credit_before": [None, "1000.00"],
            "note": [None, "Paid by cheque"],
        },
    )


def test_an_expired_hold_is_audited_without_an_actor(shop, oil, debt):
    from datetime import timedelta

    from django.utils import timezone, translation

    BusinessSettings.objects.update_or_create(id=1, defaults={"credit_policy": "hold"})
    BusinessSettings.load().save()
    debt(shop.retailer, "99000.00")
    order = place(shop, oil)
    Order.objects.filter(pk=order.pk).update(held_at=timezone.now() - timedelta(days=4))

    with translation.override("en"):
        orders_expire_holds()

    assert order_rows(order)[-1] == (
        "cancel",
        None,
        {"status": ["on_hold", "cancelled"], "cancel_reason": ["", "Credit hold expired"]},
    )
