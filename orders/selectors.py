"""Order-to-cash reads, joins prepared: constant query counts whatever the page or cart size."""

import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from livrili.core import rows
from livrili.core.errors import DomainError
from livrili.core.models import BusinessSettings
from livrili.core.money import ZERO, to_money
from products.models import PriceTier, Product, ProductImage
from products.pricing import LinePrice, PricingContext, line_price
from products.selectors import hidden_category_ids
from retailers.models import Retailer

from . import hooks
from .models import CartItem, Order, OrderItem, OrderStatus
from .pricing import OrderTotals, order_totals
from .rules import RETAILER_CANCELLABLE, check_line, product_available, quantity_error


@dataclass
class CartLine:
    item: CartItem
    price: LinePrice
    problems: list[str]


@dataclass
class CartSummary:
    lines: list[CartLine]
    totals: OrderTotals
    cash_totals: OrderTotals
    minimum_order_value: Decimal
    available_credit: Decimal

    @property
    def item_count(self) -> int:
        return len(self.lines)

    @property
    def min_order_remaining(self) -> Decimal:
        return max(self.minimum_order_value - self.totals.goods_with_tax, ZERO)

    @property
    def credit_after_order(self) -> Decimal:
        return self.available_credit - self.totals.total


def cart_items(retailer: Retailer) -> list[CartItem]:
    """The lines, oldest first, each with its product, the product's tiers (`tier_list`) and
    images (`image_list`) as lists: one statement on PostgreSQL, the ORM's query and prefetches
    elsewhere (the same objects; orders/tests/test_cart_statement.py compares them)."""
    if connection.vendor == "postgresql":
        return _cart_items_statement(retailer.pk)
    return _cart_items_orm(retailer)


def _cart_items_orm(retailer: Retailer) -> list[CartItem]:
    return list(
        CartItem.objects.filter(retailer=retailer)
        .select_related("product")
        .prefetch_related(
            Prefetch("product__price_tiers", queryset=PriceTier.objects.order_by("min_quantity"), to_attr="tier_list"),
            Prefetch("product__images", queryset=ProductImage.objects.order_by(*IMAGE_ORDER), to_attr="image_list"),
        )
        .order_by("added_at")
    )


# The cart on PostgreSQL in ONE statement: every cart answer (add, set, view, sync, reorder)
# reads it, and the ORM's three queries (lines with products, tiers, images) and its prefetching
# cost ~2 ms of CPU, most of a cart add's own read (docs/performance.md, pass 2). Tiers and
# images come as JSON (prices as text: exact decimals), in the ORM path's order.
IMAGE_ORDER = ("-is_primary", "sort_order", "created_at")
_CART_ITEMS_SQL = """SELECT {items}, {products},
       (SELECT json_agg(json_build_object('id', t.id, 'min_quantity', t.min_quantity,
                                          'unit_price', t.unit_price::text) ORDER BY t.min_quantity)::text
          FROM products_pricetier t WHERE t.product_id = p.id),
       (SELECT json_agg(json_build_object('id', i.id, 'image', i.image, 'alt_text', i.alt_text,
                                          'is_primary', i.is_primary, 'sort_order', i.sort_order)
                        ORDER BY i.is_primary DESC, i.sort_order, i.created_at)::text
          FROM products_productimage i WHERE i.product_id = p.id)
  FROM orders_cartitem c JOIN products_product p ON p.id = c.product_id
 WHERE c.retailer_id = %s
 ORDER BY c.added_at
"""


def _cart_items_statement(retailer_id) -> list[CartItem]:
    db = connections[DEFAULT_DB_ALIAS]
    sql = _CART_ITEMS_SQL.format(
        items=rows.columns(CartItem, "c", db.vendor), products=rows.columns(Product, "p", db.vendor)
    )
    with db.cursor() as cursor:
        cursor.execute(sql, [retailer_id])
        found = cursor.fetchall()
    split, items = len(CartItem._meta.concrete_fields), []
    for row in found:
        item = rows.from_row(CartItem, row[:split], db)
        item.product = product = rows.from_row(Product, row[split:-2], db)
        tiers, images = (json.loads(value) if value else [] for value in row[-2:])
        product.tier_list = [
            _partial(
                PriceTier,
                db,
                id=uuid.UUID(t["id"]),
                product_id=product.pk,
                min_quantity=t["min_quantity"],
                unit_price=Decimal(t["unit_price"]),
            )
            for t in tiers
        ]
        product.image_list = [
            _partial(ProductImage, db, **{**i, "id": uuid.UUID(i["id"]), "product_id": product.pk}) for i in images
        ]
        items.append(item)
    return items


def _partial(model, db, **values):
    """A `model` instance with only these fields loaded (the others deferred), as `.only()` gives."""
    names = [field.attname for field in model._meta.concrete_fields if field.attname in values]
    return model.from_db(db.alias, names, [values[name] for name in names])


def line_problems(item: CartItem, hidden: frozenset) -> list[str]:
    """What would stop this line from being ordered now (codes of api.md)."""
    product = item.product
    if not product_available(product, hidden):
        return ["PRODUCT_UNAVAILABLE"]
    problems = []
    if item.quantity > product.stock_quantity:
        problems.append("INSUFFICIENT_STOCK")
    error = quantity_error(product, item.quantity)
    if error:
        problems.append(error.code)
    return problems


def cart_summary(retailer: Retailer) -> CartSummary:
    """The server-computed cart: current prices, per-line problems, fee, minimum-order progress
    and credit after this order (the total without stamp duty; `cash_totals` adds it)."""
    settings = BusinessSettings.load()
    hidden = hidden_category_ids()
    context = PricingContext(retailer=retailer)
    lines = [
        CartLine(
            item=item,
            price=line_price(item.product, item.quantity, context=context),
            problems=line_problems(item, hidden),
        )
        for item in cart_items(retailer)
    ]
    prices = [line.price for line in lines]
    return CartSummary(
        lines=lines,
        totals=order_totals(prices, payment_method=None, settings=settings),
        cash_totals=order_totals(prices, payment_method="cash", settings=settings),
        minimum_order_value=settings.minimum_order_value,
        available_credit=retailer.available_credit,
    )


@dataclass
class QuotedLine:
    product_id: object
    price: LinePrice
    problem: str  # what placement would refuse on this line, in the active language ("" if none)


@dataclass
class Quote:
    lines: list[QuotedLine]
    totals: OrderTotals


def order_quote(*, retailer: Retailer, lines: list, payment_method: str) -> Quote:
    """What placing these lines (`LineRequest`s) for the retailer would cost now, priced as
    placement prices them, with each line's problem named instead of refused: the manual order
    page's live preview. Writes nothing."""
    settings = BusinessSettings.load()
    hidden = hidden_category_ids()
    context = PricingContext(retailer=retailer)
    products = Product.objects.prefetch_related(
        Prefetch("price_tiers", queryset=PriceTier.objects.order_by("min_quantity"))
    ).in_bulk([line.product_id for line in lines])
    quoted = []
    for line in lines:
        product = products.get(line.product_id)
        if product is None:
            continue
        problem = ""
        try:
            check_line(product, line.quantity, hidden)
        except DomainError as exc:
            problem = exc.message
        price = line_price(product, line.quantity, to_money(line.discount or ZERO), context=context)
        quoted.append(QuotedLine(product_id=product.pk, price=price, problem=problem))
    totals = order_totals([line.price for line in quoted], payment_method=payment_method, settings=settings)
    return Quote(lines=quoted, totals=totals)


# The columns of an order list's answer (orders.api.serializers.OrderSerializer): its rows are
# built from these and the retailer's name, not from every column of both rows.
ORDER_LIST_COLUMNS = (
    "number",
    "status",
    "channel",
    "payment_method",
    "subtotal",
    "tax_total",
    "delivery_fee",
    "discount_total",
    "stamp_duty",
    "total",
    "delivery_address",
    "delivery_commune",
    "delivery_wilaya_code",
    "delivery_latitude",
    "delivery_longitude",
    "delivery_contact_name",
    "delivery_contact_phone",
    "requested_delivery_date",
    "time_slot",
    "notes",
    "cancel_reason",
    "created_at",
    "confirmed_at",
    "shipped_at",
    "delivered_at",
    "cancelled_at",
    "retailer__business_name",
)


def order_list() -> QuerySet:
    """Orders with their line count, for the list answers. The count is a correlated subquery,
    not an aggregate: the page evaluates it for its own rows only and the pagination COUNT(*)
    stays a plain count."""
    lines = OrderItem.objects.filter(order=OuterRef("pk")).order_by().values("order").annotate(n=Count("pk"))
    return (
        Order.objects.select_related("retailer")
        .only(*ORDER_LIST_COLUMNS)
        .annotate(item_count=Coalesce(Subquery(lines.values("n")), 0))
        .order_by("-created_at")
    )


def retailer_orders(retailer: Retailer) -> QuerySet:
    """`retailer` may be a reference (its key only)."""
    return order_list().filter(retailer=retailer)


def order_detail(*, with_events: bool = False) -> QuerySet:
    queryset = Order.objects.select_related("retailer", "created_by").prefetch_related("items")
    return queryset.prefetch_related("events__actor") if with_events else queryset


TRACKING_STEPS = [
    (OrderStatus.PENDING, "placed", "created_at"),
    (OrderStatus.CONFIRMED, "confirmed", "confirmed_at"),
    (OrderStatus.PROCESSING, "processing", "processing_at"),
    (OrderStatus.SHIPPED, "shipped", "shipped_at"),
    (OrderStatus.DELIVERED, "delivered", "delivered_at"),
]


def order_tracking(order: Order) -> dict:
    """The retailer's timeline from the order's milestones (stamped by its events); a
    cancelled or returned order ends with that step. Driver and ETA come from deliveries
    (`hooks.TRACKING_SOURCES`)."""
    steps = [
        {"key": key, "at": getattr(order, stamp), "done": getattr(order, stamp) is not None}
        for _status, key, stamp in TRACKING_STEPS
    ]
    if order.status in (OrderStatus.CANCELLED, OrderStatus.RETURNED):
        steps = [step for step in steps if step["done"]]
        stamp = order.cancelled_at if order.status == OrderStatus.CANCELLED else order.returned_at
        steps.append({"key": order.status, "at": stamp, "done": True})
    return {
        "status": order.status,
        "can_cancel": order.status in RETAILER_CANCELLABLE,
        "steps": steps,
        "driver": None,
        "eta": None,
        **hooks.order_tracking_extras(order),
    }


def order_stats(*, date_from=None, date_to=None, retailer_id=None) -> list[dict]:
    """Count and total per status over the period (one aggregate query)."""
    queryset = Order.objects.all()
    if date_from:
        queryset = queryset.filter(created_at__date__gte=date_from)
    if date_to:
        queryset = queryset.filter(created_at__date__lte=date_to)
    if retailer_id:
        queryset = queryset.filter(retailer_id=retailer_id)
    rows = {
        row["status"]: row
        for row in queryset.values("status").annotate(count=Count("id"), total=Sum("total")).order_by("status")
    }
    return [
        {
            "status": status,
            "count": rows.get(status, {}).get("count", 0),
            "total": rows.get(status, {}).get("total") or ZERO,
        }
        for status in OrderStatus.values
    ]


POPULAR_DAYS, RECOMMENDATION_DAYS, SUGGESTED = 30, 90, 20


def popular_product_ids(*, exclude=(), limit: int = SUGGESTED) -> list:
    """Products by units sold in non-cancelled orders over the last 30 days (cached 10 minutes)."""
    key = "orders:popular-products"
    ranked = cache.get(key)
    if ranked is None:
        since = timezone.now() - timedelta(days=POPULAR_DAYS)
        ranked = list(
            OrderItem.objects.filter(order__created_at__gte=since)
            .exclude(order__status=OrderStatus.CANCELLED)
            .values("product_id")
            .annotate(units=Sum("quantity"))
            .order_by("-units", "product_id")
            .values_list("product_id", flat=True)[:200]
        )
        cache.set(key, ranked, 600)
    excluded = set(exclude)
    return [pk for pk in ranked if pk not in excluded][:limit]


def recommended_product_ids(retailer: Retailer, *, limit: int = SUGGESTED) -> list:
    """Products co-ordered (last 90 days) with what this retailer bought, excluding what it
    already buys, by number of orders they appear in; topped up with popular products."""
    since = timezone.now() - timedelta(days=RECOMMENDATION_DAYS)
    lines = OrderItem.objects.filter(order__created_at__gte=since).exclude(order__status=OrderStatus.CANCELLED)
    bought = lines.filter(order__retailer=retailer).values("product_id")
    baskets = lines.filter(product_id__in=bought).values("order_id")
    ranked = list(
        lines.filter(order_id__in=baskets)
        .exclude(product_id__in=bought)
        .values("product_id")
        .annotate(orders=Count("order_id", distinct=True))
        .order_by("-orders", "product_id")
        .values_list("product_id", flat=True)[:limit]
    )
    if len(ranked) < limit:
        already = set(ranked) | set(lines.filter(order__retailer=retailer).values_list("product_id", flat=True))
        ranked += popular_product_ids(exclude=already, limit=limit - len(ranked))
    return ranked


# Orders whose total is not (or no longer) owed: month_spend leaves them out (decisions.md).
NOT_SPEND_STATUSES = (OrderStatus.CANCELLED, OrderStatus.RETURNED, OrderStatus.ON_HOLD)


def retailer_month_figures(retailer: Retailer) -> dict:
    """This calendar month's (Africa/Algiers) orders: the count of those not cancelled, and
    the spend — the total of those neither cancelled, returned nor on hold."""
    start = timezone.localdate().replace(day=1)
    figures = (
        Order.objects.filter(retailer=retailer, created_at__date__gte=start)
        .exclude(status=OrderStatus.CANCELLED)
        .aggregate(count=Count("id"), spend=Sum("total", filter=~Q(status__in=NOT_SPEND_STATUSES), default=ZERO))
    )
    return {"month_order_count": figures["count"], "month_spend": f"{to_money(figures['spend']):.2f}"}
