"""The demo drivers and deliveries: one delivery per confirmed order, in agreement with it."""

import io
from collections import defaultdict
from decimal import Decimal
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from deliveries import rules
from deliveries import seed as deliveries_seed
from deliveries.models import Delivery, DeliveryEvent, Driver, ProofOfDelivery
from deliveries.selectors import driver_performance
from livrili.accounts import seed as accounts_seed
from livrili.accounts.models import User
from livrili.accounts.phones import normalize_phone
from livrili.core.models import BusinessSettings
from livrili.core.numbering import next_number
from orders import seed as orders_seed
from orders.models import Order, OrderItem
from products.models import Product
from products.services.categories import category_create
from products.services.products import product_create
from products.services.stock import stock_adjust
from retailers.models import DeliveryAddress, Retailer

ORDERS = 500  # orders seeded for the small size here, to keep the test fast
DRIVERS = 6  # deliveries_seed.SIZES["small"]
WILAYAS = ["16", "31", "25", "09"]

pytestmark = pytest.mark.django_db


def _world() -> None:
    """The accounts seed (staff, the demo `driver` user), 20 products weighing 0.5–2.5 kg (one
    without a weight) and seven retailers in four wilayas with their default addresses; the
    owner `retailer` (the walkthrough's) is in Blida (09)."""
    accounts_seed.run(size="small", out=io.StringIO())
    grocery = category_create(actor=None, name_ar="بقالة", name_fr="Épicerie", name_en="Grocery", slug="grocery")
    for n in range(20):
        product = product_create(
            actor=None,
            sku=f"SKU-{n:04d}",
            name_ar=f"منتج {n}",
            name_fr=f"Produit {n}",
            name_en=f"Product {n}",
            category=grocery,
            base_price=Decimal(["45.00", "120.00", "250.00", "890.50"][n % 4]),
            tax_rate=Decimal("19.00"),
        )
        stock_adjust(actor=None, product=product, operation="set", quantity=500)
        if n:
            Product.objects.filter(pk=product.pk).update(weight_kg=Decimal("0.500") * (n % 5 + 1))
    for n in range(7):
        wilaya = WILAYAS[n % len(WILAYAS)] if n else "09"
        retailer = Retailer.objects.create(
            business_name=f"Shop {n}", wilaya_id=wilaya, status="active", credit_limit=Decimal("100000.00")
        )
        username = "retailer" if n == 0 else f"owner{n}"
        owner = User.objects.create_user(username=username, password="x", role="retailer", retailer=retailer)
        Retailer.objects.filter(pk=retailer.pk).update(owner=owner)
        DeliveryAddress.objects.create(
            retailer=retailer,
            label="Magasin",
            address=f"{n + 1} rue Larbi Ben M'hidi",
            commune="Commune",
            wilaya_id=wilaya,
            latitude=Decimal("36.700000") + n,
            longitude=Decimal("3.050000"),
            contact_name=f"Contact {n}",
            contact_phone=f"+21355500000{n}",
            is_default=True,
        )


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seeded once for the module inside a transaction rolled back at the end; each test runs
    in a savepoint of it."""
    original = orders_seed.SIZES["small"]
    orders_seed.SIZES["small"] = ORDERS
    with django_db_blocker.unblock(), transaction.atomic():
        _world()
        orders_seed.run(size="small", out=io.StringIO())
        out = io.StringIO()
        accounts = deliveries_seed.run(size="small", out=out)
        yield {"out": out.getvalue(), "accounts": accounts}
        transaction.set_rollback(True)
    orders_seed.SIZES["small"] = original


def test_every_confirmed_order_has_exactly_one_delivery_and_no_other_order_has_one(seeded):
    confirmed = set(Order.objects.filter(confirmed_at__isnull=False).values_list("pk", flat=True))
    delivered_orders = list(Delivery.objects.values_list("order_id", flat=True))
    assert len(delivered_orders) == len(set(delivered_orders)) == len(confirmed) > ORDERS * 0.9
    assert set(delivered_orders) == confirmed


def test_each_delivery_agrees_with_its_order_and_snapshots_it(seeded):
    weights = defaultdict(Decimal)
    for order_id, quantity, weight in OrderItem.objects.values_list("order_id", "quantity", "product__weight_kg"):
        weights[order_id] += quantity * (weight or 0)
    statuses = set()
    for delivery in Delivery.objects.select_related("order"):
        order = delivery.order
        statuses.add((delivery.status, order.status))
        assert rules.agrees(delivery.status, order.status), (delivery.number, delivery.status, order.status)
        assert (
            delivery.scheduled_date,
            delivery.address,
            delivery.commune,
            delivery.wilaya_code,
            delivery.latitude,
            delivery.longitude,
            delivery.contact_name,
            delivery.contact_phone,
            delivery.weight_kg,
        ) == (
            order.requested_delivery_date,
            order.delivery_address,
            order.delivery_commune,
            order.delivery_wilaya_code,
            order.delivery_latitude,
            order.delivery_longitude,
            order.delivery_contact_name,
            order.delivery_contact_phone,
            weights[order.pk],
        )
        assert delivery.cash_to_collect == (order.total if order.payment_method == "cash" else Decimal("0.00"))
        assert delivery.created_at == order.confirmed_at
        assert delivery.number.startswith(f"DEL-{timezone.localtime(order.confirmed_at).year}-")
    # the history's shapes: delivered and cancelled orders, returns after a failure
    assert {("delivered", "delivered"), ("cancelled", "cancelled"), ("cancelled", "returned")} <= statuses


def test_milestones_come_in_order_and_equal_the_orders(seeded):
    next_day = timezone.localdate() + timezone.timedelta(days=1)
    while next_day.isoweekday() not in BusinessSettings.load().working_days:
        next_day += timezone.timedelta(days=1)
    for delivery in Delivery.objects.select_related("order"):
        order = delivery.order
        if delivery.status in ("picked_up", "in_transit", "delivered") or order.status == "returned":
            assert delivery.assigned_at < delivery.picked_up_at == order.shipped_at
            assert delivery.attempts == 1
        if delivery.status == "delivered":
            assert delivery.picked_up_at < delivery.delivered_at == order.delivered_at
            assert delivery.estimated_at is not None
        else:
            assert delivery.delivered_at is None and delivery.rating is None
        if order.status == "returned":
            assert delivery.picked_up_at < delivery.failed_at < delivery.cancelled_at == order.returned_at
            assert delivery.failure_reason != "" and delivery.failure_note == order.cancel_reason
        if order.status == "cancelled":
            assert (delivery.status, delivery.cancelled_at) == ("cancelled", order.cancelled_at)
            assert (delivery.driver_id, delivery.assigned_at) == (None, None)
        if delivery.status == "pending":
            assert (delivery.driver_id, delivery.assigned_at, delivery.attempts) == (None, None, 0)
        if delivery.status == "assigned":  # planned: due by the next working day
            assert delivery.assigned_at > order.confirmed_at
            assert delivery.scheduled_date <= next_day
        if delivery.rating is not None:
            assert 1 <= delivery.rating <= 5 and delivery.rated_at > delivery.delivered_at


def test_events_chain_at_their_historical_times(seeded):
    events = defaultdict(list)
    for event in DeliveryEvent.objects.order_by("created_at"):
        events[event.delivery_id].append(event)
    now = timezone.now()
    for delivery in Delivery.objects.all():
        story = events[delivery.pk]
        assert (story[0].from_status, story[0].to_status, story[0].created_at) == ("", "pending", delivery.created_at)
        assert story[-1].to_status == delivery.status
        for before, after in pairwise(story):
            assert after.from_status == before.to_status
            assert after.to_status in rules.TRANSITIONS[before.to_status]
            assert after.created_at > before.created_at
        milestones = {"assigned": "assigned_at", "picked_up": "picked_up_at", "delivered": "delivered_at"}
        milestones |= {"failed": "failed_at", "cancelled": "cancelled_at"}
        for event in story[1:]:
            if event.to_status in milestones:  # in_transit has no milestone
                assert event.created_at == getattr(delivery, milestones[event.to_status])
        assert story[-1].created_at <= now
    assert sum(len(story) for story in events.values()) == DeliveryEvent.objects.count()


def test_delivered_deliveries_collected_their_cash_and_have_a_proof(seeded):
    delivered = Delivery.objects.filter(status="delivered")
    assert delivered.count() > ORDERS * 0.7
    for delivery in delivered.select_related("proof"):
        expected = delivery.cash_to_collect if delivery.cash_to_collect > 0 else None
        assert delivery.cash_collected == expected
        assert delivery.proof.recipient_name != ""
        assert delivery.proof.received_at < delivery.delivered_at
    assert ProofOfDelivery.objects.count() == delivered.count()
    assert delivered.filter(cash_to_collect__gt=0).exists() and delivered.filter(cash_to_collect=0).exists()
    rated = delivered.filter(rating__isnull=False).count()
    assert 0.15 * delivered.count() <= rated <= 0.45 * delivered.count()


def test_drivers_serve_the_wilayas_of_their_deliveries_and_every_retailers(seeded):
    served = defaultdict(set)
    for driver_id, code in Driver.wilayas.through.objects.values_list("driver_id", "wilaya_id"):
        served[driver_id].add(code)
    with_driver = Delivery.objects.exclude(status__in=["pending", "cancelled"]) | Delivery.objects.filter(
        driver__isnull=False
    )
    assert with_driver.exists()
    for driver_id, wilaya in with_driver.values_list("driver_id", "wilaya_code"):
        assert driver_id is not None and wilaya in served[driver_id]
    available = Driver.objects.filter(status="available")
    for code in Retailer.objects.values_list("wilaya_id", flat=True):
        assert available.filter(wilayas=code).exists(), code


def test_the_drivers_and_the_demo_drivers_row(seeded):
    seeded_drivers = Driver.objects.filter(user__username__startswith="driver.")
    assert seeded_drivers.count() == DRIVERS
    assert sorted(seeded_drivers.values_list("user__username", flat=True)) == [
        f"driver.{n:03d}" for n in range(1, DRIVERS + 1)
    ]
    statuses = dict(seeded_drivers.values_list("status").annotate(n=Count("id")).order_by())
    assert statuses == {"available": 4, "off_duty": 1, "suspended": 1}
    for driver in seeded_drivers.select_related("user"):
        assert driver.user.role == "driver" and driver.user.is_active
        assert driver.user.check_password(accounts_seed.DEMO_PASSWORD)
        assert normalize_phone(driver.phone) == driver.phone == driver.user.phone
        assert driver.license_expiry > timezone.localdate()
        assert driver.capacity_kg > 0 and driver.max_stops >= 1
    phones = list(Driver.objects.values_list("phone", flat=True))
    assert len(set(phones)) == len(phones)
    demo = Driver.objects.select_related("user").get(user__username="driver")
    assert (demo.status, demo.user.full_name, demo.phone) == ("available", "Karim Benali", "+213770123456")
    assert set(demo.wilayas.values_list("code", flat=True)) == {"16", "09"}  # Algiers and the demo shop's
    assert Delivery.objects.filter(driver=demo).exists()
    assert seeded["accounts"] == [("drivers (seeded)", "driver.001 … driver.006", accounts_seed.DEMO_PASSWORD)]


def test_driver_performance_is_plausible(seeded):
    totals = defaultdict(int)
    for driver in Driver.objects.all():
        figures = driver_performance(driver)
        for key in ("delivered", "failed", "on_time"):
            totals[key] += figures[key]
    assert totals["delivered"] > ORDERS * 0.7
    assert totals["delivered"] / (totals["delivered"] + totals["failed"]) >= 0.9
    assert 0.85 <= totals["on_time"] / totals["delivered"] <= 0.97


def test_numbers_are_unique_and_numbering_continues_after_them(seeded):
    numbers = list(Delivery.objects.values_list("number", flat=True))
    assert len(set(numbers)) == len(numbers)
    year = timezone.localdate().year
    highest = max(n for n in numbers if n.startswith(f"DEL-{year}-"))
    assert next_number("DEL", gap_free=False) > highest


def test_a_second_run_writes_nothing(seeded):
    tables = (User, Driver, Driver.wilayas.through, Delivery, DeliveryEvent, ProofOfDelivery)
    counts = [model.objects.count() for model in tables]
    out = io.StringIO()
    assert deliveries_seed.run(size="small", out=out) == seeded["accounts"]
    assert [model.objects.count() for model in tables] == counts
    assert "demo drivers already present" in out.getvalue() and "deliveries already present" in out.getvalue()


def test_the_ledger_checks_still_pass(seeded):
    call_command("check_ledgers", stdout=io.StringIO())
    assert "deliveries:" in seeded["out"]


def test_the_demo_warehouse_is_set_once_and_a_set_one_is_kept():
    from deliveries import seed as deliveries_seed
    from livrili.core.models import BusinessSettings

    deliveries_seed._warehouse()
    settings = BusinessSettings.load()
    assert (settings.warehouse_latitude, settings.warehouse_longitude) == deliveries_seed.WAREHOUSE

    settings.warehouse_latitude = settings.warehouse_longitude = Decimal("1.000000")
    settings.save()
    deliveries_seed._warehouse()
    settings = BusinessSettings.load()
    assert (settings.warehouse_latitude, settings.warehouse_longitude) == (Decimal("1.000000"), Decimal("1.000000"))
