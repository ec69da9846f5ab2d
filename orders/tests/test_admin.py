from decimal import Decimal as D

import pytest

from orders.models import Order
from orders.tasks import expire_credit_holds

pytestmark = pytest.mark.django_db


def test_admin_places_a_manual_order_once_even_if_submitted_twice(client, sales, shop, make_product):
    oil = make_product(stock=50, base_price=D("120.00"), tax_rate=D("19.00"))
    client.force_login(sales)
    form = {
        "retailer": str(shop.retailer.pk),
        "payment_method": "cash",
        "idempotency_key": "form-1",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-product": str(oil.pk),
        "lines-0-quantity": "10",
        "lines-0-discount": "20.00",
        "lines-0-discount_reason": "Promo",
    }

    first = client.post("/admin/orders/order/place/", form)
    second = client.post("/admin/orders/order/place/", form)

    order = Order.objects.get()
    assert first.status_code == second.status_code == 302
    assert (order.channel, order.subtotal, order.discount_total, order.created_by) == (
        "admin",
        D("1180.00"),
        D("20.00"),
        sales,
    )
    assert client.get(f"/admin/orders/order/{order.pk}/change/").status_code == 200


def test_admin_cancel_action_asks_for_a_reason_then_uses_the_service(client, sales, shop, make_product):
    from orders import services
    from orders.models import CartItem

    oil = make_product(stock=50, base_price=D("120.00"), tax_rate=D("19.00"))
    CartItem.objects.create(retailer=shop.retailer, product=oil, quantity=10)
    order, _ = services.order_place(
        retailer=shop.retailer, actor=shop, payment_method="cash", idempotency_key="k", fingerprint="f"
    )
    client.force_login(sales)
    action = {"action": "cancel_orders", "_selected_action": [str(order.pk)]}

    ask = client.post("/admin/orders/order/", action)
    done = client.post("/admin/orders/order/", {**action, "apply": "1", "reason": "Duplicate"})

    assert ask.status_code == 200 and b"Duplicate" not in ask.content
    assert done.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == ("cancelled", "Duplicate")
    oil.refresh_from_db()
    assert oil.stock_quantity == 50


def test_the_periodic_task_expires_old_holds(db):
    assert expire_credit_holds() == []
