from datetime import date
from decimal import Decimal as D

import pytest
from django.contrib import messages

from livrili.core.admin import money_display
from livrili.core.models import AuditLog, BusinessSettings
from orders.models import CartItem, Order, OrderEvent
from orders.rules import earliest_delivery_date
from orders.services.edit import order_edit
from orders.services.lifecycle import order_set_status
from orders.services.placement import LineRequest, order_place
from orders.tasks import expire_credit_holds
from products.models import Product
from retailers.models import LedgerEntry, Retailer

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
    oil = make_product(stock=50, base_price=D("120.00"), tax_rate=D("19.00"))
    CartItem.objects.create(retailer=shop.retailer, product=oil, quantity=10)
    order, _ = order_place(
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


# --- The order change page: its own action buttons, same services and permissions as the API ---


@pytest.fixture
def oil(make_product):
    return make_product(stock=50, base_price=D("120.00"), tax_rate=D("19.00"))


@pytest.fixture
def place(shop, oil, place_cart):
    def make(quantity=10, payment_method="credit"):
        return place_cart(shop, oil, quantity=quantity, payment_method=payment_method)

    return make


@pytest.fixture
def held(shop, place, debt):
    """An order on credit hold: the retailer owes 99 000.00 of its 100 000.00."""
    BusinessSettings.objects.update_or_create(id=1, defaults={"credit_policy": "hold"})
    BusinessSettings.load().save()
    debt(shop.retailer, "99000.00")
    order = place()
    assert order.status == "on_hold"
    return order


def change_url(order):
    return f"/admin/orders/order/{order.pk}/change/"


def action_url(order, action):
    return f"/admin/orders/order/{order.pk}/{action}/"


def test_finance_releases_a_hold_from_the_change_page_with_a_reason(client, make_user, shop, held):
    finance_only = make_user(role="admin", groups=["Finance"])
    client.force_login(finance_only)

    page = client.get(change_url(held))
    ask = client.get(action_url(held, "release-hold"))
    refused = client.post(action_url(held, "release-hold"), {"reason": "  "})
    status_after_refusal = Order.objects.get(pk=held.pk).status
    done = client.post(action_url(held, "release-hold"), {"reason": "Cheque received"})

    assert page.status_code == 200 and action_url(held, "release-hold").encode() in page.content
    assert ask.status_code == 200 and b'name="reason"' in ask.content
    assert (refused.status_code, status_after_refusal) == (200, "on_hold")
    assert (done.status_code, done["Location"]) == (302, change_url(held))
    held.refresh_from_db()
    assert held.status == "confirmed"
    event = OrderEvent.objects.get(order=held, type="hold_released")
    assert (event.actor, event.note, event.data["override"]) == (finance_only, "Cheque received", True)
    assert list(LedgerEntry.objects.filter(order=held).values_list("kind", "amount")) == [
        ("order_charge", D("1785.00"))
    ]
    audit = AuditLog.objects.get(object_id=str(held.pk), action="release_hold")
    assert (audit.actor, audit.changes["override"], audit.changes["note"]) == (
        finance_only,
        [None, True],
        [None, "Cheque received"],
    )


def test_a_sales_only_user_cannot_release_a_hold_and_nothing_is_written(client, sales, held):
    client.force_login(sales)
    audits = AuditLog.objects.count()

    page = client.get(change_url(held))
    ask = client.get(action_url(held, "release-hold"))
    post = client.post(action_url(held, "release-hold"), {"reason": "Trust me"})

    assert page.status_code == 200 and b"release-hold" not in page.content
    assert (ask.status_code, post.status_code) == (403, 403)
    assert Order.objects.get(pk=held.pk).status == "on_hold"
    assert list(OrderEvent.objects.filter(order=held).values_list("type", flat=True)) == ["placed", "held"]
    assert not LedgerEntry.objects.filter(order=held).exists()
    assert AuditLog.objects.count() == audits


def test_bulk_confirm_skips_held_orders_and_reports_them(client, finance, shop, place, held):
    pending = place(payment_method="cash")  # given: one pending, one held
    client.force_login(finance)  # Finance and Sales: may release a hold, one order at a time only

    response = client.post(
        "/admin/orders/order/",
        {"action": "confirm_orders", "_selected_action": [str(pending.pk), str(held.pk)]},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    statuses = dict(Order.objects.values_list("pk", "status"))
    assert (statuses[pending.pk], statuses[held.pk]) == ("confirmed", "on_hold")
    assert not LedgerEntry.objects.filter(order=held).exists()
    warnings = [str(m) for m in response.context["messages"] if m.level == messages.WARNING]
    assert warnings == [f"{held.number} skipped: on credit hold; release it from the order's page."]


def test_status_buttons_are_post_only_and_follow_the_table(client, sales, place):
    order = place()
    client.force_login(sales)

    page = client.get(change_url(order)).content
    got = client.get(action_url(order, "confirm"))
    posted = client.post(action_url(order, "confirm"))
    after = client.get(change_url(order)).content

    assert action_url(order, "confirm").encode() in page and action_url(order, "process").encode() not in page
    assert got.status_code == 405 and posted.status_code == 302
    assert Order.objects.get(pk=order.pk).status == "confirmed"
    assert action_url(order, "process").encode() in after and action_url(order, "confirm").encode() not in after


def test_an_illegal_button_post_writes_nothing_and_says_why(client, sales, place):
    order = place()
    client.force_login(sales)

    response = client.post(action_url(order, "ship"), follow=True)

    assert Order.objects.get(pk=order.pk).status == "pending"
    assert list(OrderEvent.objects.filter(order=order).values_list("type", flat=True)) == ["placed"]
    assert len(list(response.context["messages"])) == 1


def test_cancel_and_return_from_the_change_page_need_a_reason(client, sales, oil, place):
    order, shipped = place(), place()
    for status in ("confirmed", "processing", "shipped"):
        order_set_status(order=shipped, actor=sales, status=status)
    client.force_login(sales)

    blank = client.post(action_url(order, "cancel"), {"reason": ""})
    cancelled = client.post(action_url(order, "cancel"), {"reason": "Duplicate"})
    returned = client.post(action_url(shipped, "return"), {"reason": "Shop closed"})

    assert blank.status_code == 200 and b"errorlist" in blank.content
    assert (cancelled.status_code, returned.status_code) == (302, 302)
    assert dict(Order.objects.values_list("pk", "status")) == {order.pk: "cancelled", shipped.pk: "returned"}
    assert Order.objects.get(pk=order.pk).cancel_reason == "Duplicate"


def test_pending_order_lines_are_edited_from_the_admin(client, sales, oil, place):
    order = place()
    client.force_login(sales)
    form = {
        "notes": "Call first",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "1",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-product": str(oil.pk),
        "lines-0-quantity": "15",
        "lines-0-discount": "",
        "lines-0-discount_reason": "",
    }

    page = client.get(action_url(order, "edit"))
    done = client.post(action_url(order, "edit"), form)

    assert page.status_code == 200 and b'value="10"' in page.content  # the current lines, prefilled
    assert done.status_code == 302
    order.refresh_from_db()
    assert (order.total, order.notes, order.items.get().quantity) == (D("2499.00"), "Call first", 15)
    assert OrderEvent.objects.filter(order=order, type="edited").count() == 1


def test_bulk_actions_are_offered_only_with_the_apis_permission(client, make_user, sales, held):
    finance_only = make_user(role="admin", groups=["Finance"])

    client.force_login(finance_only)
    finance_page = client.get("/admin/orders/order/").content
    client.force_login(sales)
    sales_page = client.get("/admin/orders/order/").content

    assert b'value="confirm_orders"' not in finance_page
    assert b'value="confirm_orders"' in sales_page


def test_a_line_is_removed_from_the_admin_edit(client, sales, shop, oil, place, make_product):
    sugar = make_product(stock=20, base_price=D("250.00"), tax_rate=D("9.00"))
    order = place()
    order_edit(
        order=order,
        actor=sales,
        lines=[
            LineRequest(product_id=oil.pk, quantity=10),
            LineRequest(product_id=sugar.pk, quantity=4),
        ],
    )
    client.force_login(sales)
    line = {"product": "", "quantity": "", "discount": "", "discount_reason": ""}
    form = {"notes": "", "lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "2", "lines-MIN_NUM_FORMS": "1"}
    form["lines-MAX_NUM_FORMS"] = "1000"
    for index, (product, quantity, delete) in enumerate([(oil, 10, ""), (sugar, 4, "on")]):
        form.update({f"lines-{index}-{k}": v for k, v in line.items()})
        form.update({f"lines-{index}-product": str(product.pk), f"lines-{index}-quantity": str(quantity)})
        form[f"lines-{index}-DELETE"] = delete

    response = client.post(action_url(order, "edit"), form)

    assert response.status_code == 302
    assert list(Order.objects.get(pk=order.pk).items.values_list("sku", "quantity")) == [(oil.sku, 10)]
    assert Product.objects.get(pk=sugar.pk).stock_quantity == 20


def test_the_manual_order_page_loads_its_autocompletes(client, sales):
    # given a sales agent opening manual order entry
    client.force_login(sales)
    page = client.get("/admin/orders/order/place/").content.decode()
    # then the product and retailer pickers are autocompletes with their scripts on the page
    assert "admin/js/autocomplete.js" in page
    assert page.count('data-ajax--url="/admin/autocomplete/"') == 1 + 6  # the retailer, six lines (1 + 5 extra)
    assert "orders/admin/place.js" in page


def test_the_manual_order_page_offers_the_allowed_delivery_days_and_slots(client, sales, shop, make_product):
    settings = BusinessSettings.load()
    settings.working_days = [1, 2, 3, 4, 7]
    settings.time_slots = ["08:00-12:00", "14:00-18:00"]
    settings.save()
    client.force_login(sales)
    # when the page is shown
    page = client.get("/admin/orders/order/place/")
    # then the day is chosen among the next working days from the earliest, and the slot among the slots
    days = [value for value, _label in page.context["form"].fields["requested_delivery_date"].choices]
    assert days[0] == ""  # the earliest
    assert len(days) == 1 + 14
    chosen = [date.fromisoformat(value) for value in days[1:]]
    assert chosen[0] == earliest_delivery_date(settings)
    assert all(day.isoweekday() in (1, 2, 3, 4, 7) for day in chosen)
    assert chosen == sorted(chosen)
    slots = [value for value, _label in page.context["form"].fields["time_slot"].choices]
    assert slots == ["", "08:00-12:00", "14:00-18:00"]
    # and the chosen day and slot are the order's
    oil = make_product(stock=50, base_price=D("120.00"))
    response = client.post(
        "/admin/orders/order/place/",
        {
            "retailer": str(shop.retailer.pk),
            "payment_method": "credit",
            "requested_delivery_date": chosen[2].isoformat(),
            "time_slot": "14:00-18:00",
            "idempotency_key": "form-slot",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "1",
            "lines-MAX_NUM_FORMS": "1000",
            "lines-0-product": str(oil.pk),
            "lines-0-quantity": "10",
        },
    )
    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.requested_delivery_date, order.time_slot) == (chosen[2], "14:00-18:00")


def _quote_form(retailer, payment_method, *lines):
    form = {
        "retailer": str(retailer.pk),
        "payment_method": payment_method,
        "lines-TOTAL_FORMS": str(len(lines) + 1),
        "lines-INITIAL_FORMS": "0",
    }
    for index, (product, quantity, discount) in enumerate(lines):
        form[f"lines-{index}-product"] = str(product.pk)
        form[f"lines-{index}-quantity"] = str(quantity)
        form[f"lines-{index}-discount"] = discount
    return form


def test_the_quote_prices_the_lines_as_placement_will(client, sales, shop, make_product):
    # given two products, one with a discounted line, paid in cash (stamp duty)
    oil = make_product(stock=500, base_price=D("120.00"), tax_rate=D("19.00"))
    rice = make_product(stock=500, base_price=D("85.50"), tax_rate=D("9.00"))
    client.force_login(sales)
    form = _quote_form(shop.retailer, "cash", (oil, 40, "20.00"), (rice, 12, ""))
    # when the page asks for a quote
    quote = client.post("/admin/orders/order/place/quote/", form)
    # then its figures are those of the order placed with the same lines
    assert quote.status_code == 200
    body = quote.json()
    lines = [
        LineRequest(product_id=oil.pk, quantity=40, discount=D("20.00"), discount_reason="x"),
        LineRequest(product_id=rice.pk, quantity=12),
    ]
    order, _replayed = order_place(
        retailer=shop.retailer,
        actor=sales,
        payment_method="cash",
        idempotency_key="q",
        fingerprint="q",
        channel="admin",
        lines=lines,
    )
    assert body["totals"]["total"] == str(order.total)
    assert body["totals"]["stamp_duty"] == str(order.stamp_duty)
    assert body["totals"]["subtotal"] == str(order.subtotal)
    assert body["totals"]["tax_total"] == str(order.tax_total)
    assert body["totals"]["delivery_fee"] == str(order.delivery_fee)
    placed = order.items.order_by("-line_total")  # oil's line is the larger, and the first asked for
    assert [line["total"] for line in body["lines"]] == [str(item.line_total) for item in placed]
    assert body["lines"][0]["total_display"] == money_display(placed[0].line_total)


def test_the_quote_names_a_bad_line_and_writes_nothing(client, sales, shop, make_product):
    oil = make_product(stock=5, base_price=D("120.00"))
    client.force_login(sales)
    quote = client.post("/admin/orders/order/place/quote/", _quote_form(shop.retailer, "credit", (oil, 9, "")))
    assert quote.status_code == 200
    assert quote.json()["lines"][0]["problem"]
    assert quote.json()["totals"]["subtotal"] == "1080.00"  # priced all the same, the problem shown beside it
    assert Order.objects.count() == 0


def test_the_quote_needs_the_placement_permission(client, make_user, shop, make_product):
    oil = make_product(stock=5, base_price=D("120.00"))
    client.force_login(make_user(role="admin", groups=["Support"]))
    quote = client.post("/admin/orders/order/place/quote/", _quote_form(shop.retailer, "credit", (oil, 1, "")))
    assert quote.status_code == 403


def test_the_manual_order_pickers_offer_only_active_retailers_and_products(
    client, sales, shop, make_user, make_product
):
    # given a suspended retailer and an inactive product beside active ones
    suspended = make_user(role="retailer", username="closed.shop").retailer
    Retailer.objects.filter(pk=suspended.pk).update(status="suspended")
    oil = make_product(stock=5, base_price=D("120.00"))
    gone = make_product(stock=5, base_price=D("99.00"))
    Product.objects.filter(pk=gone.pk).update(is_active=False)
    client.force_login(sales)

    def found(model_name, field_name):
        answer = client.get(
            "/admin/autocomplete/",
            {"app_label": "orders", "model_name": model_name, "field_name": field_name, "term": ""},
        )
        return {row["id"] for row in answer.json()["results"]}

    # then the order's retailer picker lists the active one only, the line's product picker too
    assert found("order", "retailer") == {str(shop.retailer.pk)}
    assert found("orderitem", "product") == {str(oil.pk)}
