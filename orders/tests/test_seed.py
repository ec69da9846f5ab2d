"""The demo order history: consistent ledgers, realistic shape, idempotent."""

import io
from collections import defaultdict
from decimal import Decimal
from itertools import pairwise

import pytest
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from livrili.accounts.models import User
from livrili.core.models import BusinessSettings
from livrili.core.money import to_money
from orders import seed
from orders.ledger_checks import order_charge_mismatches, stock_mismatches
from orders.models import Order, OrderEvent, OrderItem, OrderStatus
from orders.pricing import order_totals
from products.models import Product, StockMovement
from products.pricing import CATALOG, line_price
from products.services.categories import category_create
from products.services.products import product_create
from products.services.stock import stock_adjust
from retailers.models import LedgerEntry, Retailer
from retailers.selectors import ledger_mismatches
from retailers.services import ledger_post

ORDERS = 600  # the small size shape on a smaller volume, to keep the test fast

pytestmark = pytest.mark.django_db


def _world() -> dict:
    """A catalog of 40 products (tiers, multiples, tax rates, one drink category) and eight
    retailers: credit limits from 0 to 200 000, opening debts (one above its limit), a prepaid
    one, a suspended one and a pending one (which must not order)."""
    grocery = category_create(actor=None, name_ar="بقالة", name_fr="Épicerie", name_en="Grocery", slug="grocery")
    drinks = category_create(actor=None, name_ar="مشروبات", name_fr="Boissons", name_en="Drinks", slug="drinks")
    products = []
    for n in range(40):
        fields = {
            "sku": f"SKU-{n:04d}",
            "name_ar": f"منتج {n}",
            "name_fr": f"Produit {n}",
            "name_en": f"Product {n}",
            "category": drinks if n % 7 == 0 else grocery,
            "base_price": Decimal(["45.00", "120.00", "250.00", "890.50", "1500.00"][n % 5]),
            "tax_rate": Decimal(["19.00", "9.00", "0.00"][n % 3]),
            "order_multiple": [1, 1, 6, 12][n % 4],
            "min_order_quantity": [1, 2, 6, 12][n % 4],
        }
        if n % 5 == 1:
            fields["price_tiers"] = [
                {"min_quantity": 10, "unit_price": Decimal("110.00")},
                {"min_quantity": 24, "unit_price": Decimal("99.90")},
            ]
        product = product_create(actor=None, **fields)
        if n % 3:
            stock_adjust(actor=None, product=product, operation="set", quantity=[0, 5, 300][n % 3])
        products.append(product)
    limits = ["0", "20000", "50000", "100000", "200000", "100000", "0"]
    openings = [None, "30000.00", "-5000.00", "40000.00", None, "150000.00", "1200.00"]
    retailers = []
    for n, (limit, opening) in enumerate(zip(limits, openings, strict=True)):
        retailer = Retailer.objects.create(
            business_name=f"Shop {n}", wilaya_id="16", status="active", credit_limit=Decimal(limit)
        )
        owner = User.objects.create_user(username=f"owner{n}", password="x", role="retailer", retailer=retailer)
        Retailer.objects.filter(pk=retailer.pk).update(owner=owner)
        if opening:
            ledger_post(retailer=retailer, kind="opening_balance", amount=Decimal(opening), actor=None)
        retailers.append(retailer)
    Retailer.objects.filter(pk=retailers[-1].pk).update(status="suspended")
    pending = Retailer.objects.create(business_name="Pending", wilaya_id="16", status="pending")
    return {"products": products, "retailers": retailers, "pending": pending}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seeded once for the module inside a transaction rolled back at the end; each test runs
    in a savepoint of it, so a test that corrupts data leaves the others untouched."""
    original = seed.SIZES["small"]
    seed.SIZES["small"] = ORDERS
    with django_db_blocker.unblock(), transaction.atomic():
        world = _world()
        out = io.StringIO()
        seed.run(size="small", out=out)
        yield {**world, "out": out.getvalue()}
        transaction.set_rollback(True)
    seed.SIZES["small"] = original


def test_the_history_passes_every_ledger_check(seeded):
    # given the seed ran on the world; then stock, balances and order charges all check out
    assert stock_mismatches() == []
    assert ledger_mismatches() == []
    assert order_charge_mismatches() == []


def test_stock_after_chains_in_time_order_and_never_goes_negative(seeded):
    running = defaultdict(int)
    for product_id, delta, stock_after in StockMovement.objects.order_by("product_id", "created_at").values_list(
        "product_id", "delta", "stock_after"
    ):
        running[product_id] += delta
        assert stock_after == running[product_id] >= 0
    reasons = set(StockMovement.objects.values_list("reason", flat=True))
    assert {"order", "order_cancel", "import"} <= reasons


def test_ledgers_chain_in_time_order_and_balances_stay_within_limits(seeded):
    retailers = {r.pk: r for r in Retailer.objects.all()}
    previous = {}
    for entry in LedgerEntry.objects.order_by("retailer_id", "position"):
        before = previous.get(entry.retailer_id)
        if before is not None:
            assert entry.position == before.position + 1
            assert entry.created_at >= before.created_at
            # the history never takes a retailer beyond its credit limit (an opening balance may start there)
            assert entry.balance_after <= retailers[entry.retailer_id].credit_limit
        previous[entry.retailer_id] = entry
    for retailer in retailers.values():
        assert retailer.balance <= retailer.credit_limit
    assert LedgerEntry.objects.filter(kind="payment", reason="seed").count() > 50
    assert Retailer.objects.filter(balance__gt=0, credit_limit__gt=0).exists()  # some credit stays open


def test_orders_have_a_realistic_shape(seeded):
    orders = Order.objects.all()
    total = orders.count()
    assert ORDERS * 0.95 <= total <= ORDERS
    statuses = dict(orders.values_list("status").annotate(n=Count("id")).order_by())
    assert statuses["delivered"] > total * 0.7
    assert 0.05 * total <= statuses["cancelled"] <= 0.14 * total
    assert {"delivered", "cancelled", "returned"} <= set(statuses)
    assert not orders.filter(retailer=seeded["pending"]).exists()
    assert orders.filter(payment_method="credit").exists() and orders.filter(payment_method="cash").exists()
    weekend = sum(1 for o in orders.only("created_at") if timezone.localtime(o.created_at).isoweekday() in (5, 6))
    assert weekend <= total * 0.02
    dates = list(orders.values_list("requested_delivery_date", flat=True))
    assert all(day.isoweekday() in BusinessSettings.load().working_days for day in dates)
    first = orders.order_by("created_at").first().created_at
    assert (timezone.now() - first).days >= 330
    lines = OrderItem.objects.count()
    assert 5 <= lines / total <= 10
    suspended = seeded["retailers"][-1]
    assert orders.filter(retailer=suspended).exists()
    assert not orders.filter(retailer=suspended, created_at__gte=timezone.now() - timezone.timedelta(days=14)).exists()
    assert "orders:" in seeded["out"]


def test_prices_and_totals_follow_the_pricing_rules(seeded):
    settings = BusinessSettings.load()
    products = {p.pk: p for p in Product.objects.prefetch_related("price_tiers")}
    for order in Order.objects.prefetch_related("items")[:150]:
        prices = []
        for item in order.items.all():
            price = line_price(products[item.product_id], item.quantity, context=CATALOG)
            assert (item.unit_price, item.line_subtotal, item.line_tax, item.line_total) == (
                price.unit_price,
                price.subtotal,
                price.tax,
                price.total,
            )
            assert item.sku == products[item.product_id].sku
            prices.append(price)
        totals = order_totals(prices, payment_method=order.payment_method, settings=settings)
        assert (order.subtotal, order.tax_total, order.delivery_fee, order.stamp_duty, order.total) == (
            totals.subtotal,
            totals.tax_total,
            totals.delivery_fee,
            totals.stamp_duty,
            totals.total,
        )
        assert totals.goods_with_tax >= settings.minimum_order_value
    assert Order.objects.filter(payment_method="cash", stamp_duty__gt=0).exists()


def test_events_follow_the_milestones(seeded):
    milestones = {
        "confirmed": "confirmed_at",
        "processing": "processing_at",
        "shipped": "shipped_at",
        "delivered": "delivered_at",
        "cancelled": "cancelled_at",
        "returned": "returned_at",
    }
    events = defaultdict(list)
    for event in OrderEvent.objects.order_by("created_at"):
        events[event.order_id].append(event)
    for order in Order.objects.all():
        story = events[order.pk]
        assert story[0].type == "placed" and story[0].created_at == order.created_at
        assert story[-1].to_status == order.status
        for before, after in pairwise(story):
            assert after.from_status == before.to_status
            assert after.created_at >= before.created_at
        for event in story[1:]:
            if event.type in milestones:
                assert getattr(order, milestones[event.type]) == event.created_at
        if order.status == "delivered":
            assert order.delivered_at.date() >= order.requested_delivery_date - timezone.timedelta(days=1)
            assert timezone.localdate(order.delivered_at) == order.requested_delivery_date
    # the story stops at now: nothing happened later, and an order due after today has not
    # started its delivery (600 orders are ~1.6 a day: "some recent order is still open"
    # depended on the day the test ran)
    now = timezone.now()
    assert not OrderEvent.objects.filter(created_at__gt=now).exists()
    due_later = Order.objects.filter(requested_delivery_date__gt=timezone.localdate(now))
    assert set(due_later.values_list("status", flat=True)) <= {"pending", "on_hold", "confirmed", "cancelled"}


def test_numbers_are_unique_per_year_and_placement_continues_after_them(seeded):
    from livrili.core.numbering import next_number

    numbers = list(Order.objects.values_list("number", "created_at"))
    assert len({n for n, _at in numbers}) == len(numbers)
    for number, created_at in numbers:
        assert number.startswith(f"ORD-{timezone.localtime(created_at).year}-")
    year = timezone.localdate().year
    highest = Order.objects.filter(number__startswith=f"ORD-{year}-").aggregate(m=Max("number"))["m"]
    assert next_number("ORD", gap_free=False) > highest


def test_a_second_run_adds_nothing(seeded):
    counts = (Order.objects.count(), StockMovement.objects.count(), LedgerEntry.objects.count())
    out = io.StringIO()
    assert seed.run(size="small", out=out) == []
    assert (Order.objects.count(), StockMovement.objects.count(), LedgerEntry.objects.count()) == counts
    assert "already present" in out.getvalue()


def test_every_order_charge_is_posted_once(seeded):
    charged = (
        LedgerEntry.objects.filter(kind="order_charge")
        .values("order_id")
        .annotate(n=Count("id"))
        .filter(Q(n__gt=1) | Q(order_id__isnull=True))
    )
    assert not charged.exists()
    reversal = LedgerEntry.objects.filter(kind="order_reversal").select_related("order").first()
    assert reversal is None or reversal.order.status in (OrderStatus.CANCELLED, OrderStatus.RETURNED)
    assert to_money(reversal.amount) == -reversal.order.total if reversal else True


def test_corrupting_the_seeded_data_fails_check_ledgers(seeded):
    from django.core.management import CommandError, call_command

    call_command("check_ledgers", stdout=io.StringIO())
    # when a stock cache and an order total are changed behind the ledgers' backs
    product = StockMovement.objects.filter(reason="order").select_related("product").first().product
    Product.objects.filter(pk=product.pk).update(stock_quantity=product.stock_quantity + 7)
    order = Order.objects.filter(status="delivered").first()
    Order.objects.filter(pk=order.pk).update(total=order.total + 1, subtotal=order.subtotal + 1)
    # then both are named and the command fails
    assert stock_mismatches() == [
        f"product {product.pk} ({product.sku}): stock {product.stock_quantity + 7} != movements sum "
        f"{product.stock_quantity}"
    ]
    assert [p.split(":")[0] for p in order_charge_mismatches()] == [
        f"order {order.number} (delivered, {order.payment_method})"
    ]
    with pytest.raises(CommandError, match="2 ledger mismatch"):
        call_command("check_ledgers", stdout=io.StringIO(), stderr=io.StringIO())
