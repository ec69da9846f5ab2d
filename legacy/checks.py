"""What the import reports: the README's quirks found in the source, and every count and money
total of the source compared with what the database holds for the same v1 ids."""

from collections import Counter, defaultdict
from decimal import Decimal

from django.db.models import Count, Q, Sum

from billing.models import Invoice, Payment
from deliveries.models import Delivery, Driver, Route, RouteStop
from livrili.accounts.models import User
from orders.models import CartItem, Order, OrderItem
from products.models import Category, Product, Tag, TagAlias
from retailers.models import LedgerEntry, Retailer

from . import mapping as m
from .models import ImportedRow

LATER = ("confirmed", "processing", "shipped", "delivered")


def find_quirks(src: dict) -> dict[str, list]:
    """The fixture README's deliberate quirks, by id, as the source shows them."""
    quirks = {}
    phones = []
    for table, column in (("retailers", "phone"), ("users", "phone"), ("drivers", "phone")):
        for row in src[table]:
            fmt = m.phone_format(row[column])
            if fmt and fmt != "e164":
                phones.append(f"{table}:{row['id']}:{fmt}")
    quirks["mixed_phone_formats"] = phones
    auth = {row["id"] for row in src["auth.users"]}
    quirks["profile_without_auth"] = [str(row["id"]) for row in src["user_profiles"] if row["id"] not in auth]
    quirks["category_empty_name_fr"] = [
        str(row["id"]) for row in src["categories"] if not all((row["name_ar"], row["name_fr"], row["name_en"]))
    ]
    skus = defaultdict(list)
    for row in src["products"]:
        skus[row["sku"].lower()].append(str(row["id"]))
    quirks["sku_case_duplicates"] = sorted(sorted(group) for group in skus.values() if len(group) > 1)
    items = Counter(row["product_id"] for row in src["order_items"])
    quirks["item_of_deactivated_product"] = [
        {"product_id": str(row["id"]), "items": items[row["id"]]}
        for row in src["products"]
        if not row["is_active"] and items[row["id"]]
    ]
    quirks["order_total_off_by_cent"] = [
        {
            "id": str(o["id"]),
            "order_number": o["order_number"],
            "total_amount": str(m.money(o["total_amount"])),
            "formula": str(_formula(o)),
        }
        for o in src["orders"]
        if m.money(o["total_amount"]) != _formula(o)
    ]
    quirks["prepaid_balance"] = [str(r["id"]) for r in src["retailers"] if m.money(r["current_balance"]) > 0]
    quirks["negative_adjustment_payments"] = sorted(str(p["id"]) for p in src["payments"] if m.money(p["amount"]) < 0)
    orders = {o["id"]: o for o in src["orders"]}
    quirks["delivery_for_cancelled_order"] = [
        str(d["id"])
        for d in src["deliveries"]
        if orders.get(d["order_id"], {}).get("status") == "cancelled" and d["status"] not in m.DELIVERY_FINAL
    ]
    delivered = {d["order_id"] for d in src["deliveries"]}
    quirks["confirmed_without_delivery"] = [
        str(o["id"]) for o in src["orders"] if o["status"] in LATER and o["id"] not in delivered
    ]
    return quirks


def _formula(order) -> Decimal:
    return (
        m.money(order["subtotal"])
        + m.money(order["tax_amount"])
        - m.money(order["discount_amount"])
        + m.money(order["delivery_fee"])
    )


def _sum(queryset, expression) -> Decimal:
    return m.money(queryset.aggregate(total=Sum(expression))["total"])


def _src_sum(rows, column) -> Decimal:
    return m.money(sum((Decimal(row[column] or 0) for row in rows), Decimal(0)))


def compare(src: dict) -> dict[str, dict]:
    """Per table, the source figure and the imported one (same v1 ids). Keys `table.figure`."""
    ids = {table: [row["id"] for row in rows] for table, rows in src.items() if table != "product_tags"}
    persons = {row["id"] for table in ("auth.users", "user_profiles", "users") for row in src[table]}
    figures = {}

    def put(name, source, imported):
        figures[name] = {"source": str(source), "imported": str(imported)}

    put("users.count", len(persons), User.objects.filter(pk__in=persons).count())
    retailers = Retailer.objects.filter(pk__in=ids["retailers"])
    put("retailers.count", len(ids["retailers"]), retailers.count())
    put("retailers.credit_limit", _src_sum(src["retailers"], "credit_limit"), _sum(retailers, "credit_limit"))
    put("retailers.balance", -_src_sum(src["retailers"], "current_balance"), _sum(retailers, "balance"))
    for row in src["retailers"]:
        put(
            f"retailers.balance.{row['id']}",
            -m.money(row["current_balance"]),
            m.money(Retailer.objects.filter(pk=row["id"]).values_list("balance", flat=True).first()),
        )
    put("drivers.count", len(ids["drivers"]), Driver.objects.filter(pk__in=ids["drivers"]).count())
    put("categories.count", len(ids["categories"]), Category.objects.filter(pk__in=ids["categories"]).count())
    products = Product.objects.filter(pk__in=ids["products"])
    put("products.count", len(ids["products"]), products.count())
    put("products.base_price", _src_sum(src["products"], "base_price"), _sum(products, "base_price"))
    put(
        "products.stock",
        sum(max(0, r["stock_quantity"] or 0) for r in src["products"]),
        products.aggregate(s=Sum("stock_quantity"))["s"] or 0,
    )
    put("tags.count", len(ids["tags"]), Tag.objects.filter(pk__in=ids["tags"]).count())
    put("tag_aliases.count", len(ids["tag_aliases"]), TagAlias.objects.filter(pk__in=ids["tag_aliases"]).count())
    pairs = {(r["product_id"], r["tag_id"]) for r in src["product_tags"]}
    through = Product.tags.through.objects.filter(product_id__in=ids["products"]).values_list("product_id", "tag_id")
    put("product_tags.count", len(pairs), len(pairs & set(through)))
    carts = CartItem.objects.filter(pk__in=ids["shopping_carts"])
    put("shopping_carts.count", len(ids["shopping_carts"]), carts.count())
    put(
        "shopping_carts.quantity",
        sum(r["quantity"] for r in src["shopping_carts"]),
        carts.aggregate(q=Sum("quantity"))["q"] or 0,
    )
    orders = Order.objects.filter(pk__in=ids["orders"])
    put("orders.count", len(ids["orders"]), orders.count())
    put("orders.total_amount", _src_sum(src["orders"], "total_amount"), _sum(orders, "total"))
    put(
        "orders.subtotal",
        _src_sum(src["orders"], "subtotal"),
        _sum(orders, "subtotal") + _sum(orders, "discount_total"),
    )
    put("orders.tax_amount", _src_sum(src["orders"], "tax_amount"), _sum(orders, "tax_total"))
    put("orders.discount_amount", _src_sum(src["orders"], "discount_amount"), _sum(orders, "discount_total"))
    put("orders.delivery_fee", _src_sum(src["orders"], "delivery_fee"), _sum(orders, "delivery_fee"))
    items = OrderItem.objects.filter(pk__in=ids["order_items"])
    put("order_items.count", len(ids["order_items"]), items.count())
    put(
        "order_items.quantity",
        sum(r["quantity"] for r in src["order_items"]),
        items.aggregate(q=Sum("quantity"))["q"] or 0,
    )
    put("order_items.total_price", _src_sum(src["order_items"], "total_price"), _sum(items, "line_total"))
    put("order_items.tax_amount", _src_sum(src["order_items"], "tax_amount"), _sum(items, "line_tax"))
    put("order_items.discount_amount", _src_sum(src["order_items"], "discount_amount"), _sum(items, "discount"))
    kept = set(ids["deliveries"])
    deliveries = Delivery.objects.filter(pk__in=kept)
    second = ImportedRow.objects.filter(source_table="deliveries", target="").count()
    put("deliveries.count", len(kept) - second, deliveries.count())
    kept_rows = (
        [r for r in src["deliveries"] if deliveries.filter(pk=r["id"]).exists()] if second else src["deliveries"]
    )
    put("deliveries.cash_to_collect", _src_sum(kept_rows, "cash_to_collect"), _sum(deliveries, "cash_to_collect"))
    put("deliveries.cash_collected", _src_sum(kept_rows, "cash_collected"), _sum(deliveries, "cash_collected"))
    put(
        "delivery_routes.count",
        len(ids["delivery_routes"]),
        Route.objects.filter(pk__in=ids["delivery_routes"]).count(),
    )
    put(
        "delivery_routes.stops",
        sum(len(r["delivery_ids"] or []) for r in src["delivery_routes"]),
        RouteStop.objects.filter(route_id__in=ids["delivery_routes"]).count(),
    )
    # payments: every money-received row is a Payment (its v1 id), allocated to the invoices of
    # the delivered orders; the cash of a delivered stop without a row is a Payment too
    received = [p for p in src["payments"] if not m.is_adjustment(p)]
    payments = Payment.objects.filter(pk__in=[p["id"] for p in received])
    put("payments.money_received.count", len(received), payments.count())
    put("payments.money_received", _src_sum(received, "amount"), _sum(payments, "amount"))
    methods = Counter(m.payment_method(p) for p in received)
    imported_methods = Counter(payments.values_list("method", flat=True))
    for method in sorted(set(methods) | set(imported_methods)):
        put(f"payments.method.{method}.count", methods[method], imported_methods[method])
    kept_by_order = m.kept_deliveries(src["deliveries"])
    with_row = {p["order_id"] for p in received if p["order_id"]}
    stop_cash = [
        kept_by_order[o["id"]]
        for o in src["orders"]
        if o["status"] == "delivered" and o["payment_method"] == "cash" and o["id"] not in with_row
        and o["id"] in kept_by_order and m.money(kept_by_order[o["id"]]["cash_collected"])
    ]  # fmt: skip
    collected = Payment.objects.filter(pk__in=[m.derived_id("payment", "cash_collected", d["id"]) for d in stop_cash])
    put("payments.cash_collected_without_row.count", len(stop_cash), collected.count())
    put("payments.cash_collected_without_row", _src_sum(stop_cash, "cash_collected"), _sum(collected, "amount"))
    delivered = [o for o in src["orders"] if o["status"] == "delivered"]
    invoices = Invoice.objects.filter(order_id__in=[o["id"] for o in delivered])
    put("invoices.count", len(delivered), invoices.count())
    put("invoices.total", _src_sum(delivered, "total_amount"), _sum(invoices, "total"))
    by_kind = defaultdict(lambda: [0, Decimal(0)])
    orders_of, payments_of = defaultdict(list), defaultdict(list)
    for order in src["orders"]:
        orders_of[order["retailer_id"]].append(order)
    for payment in src["payments"]:
        payments_of[payment["retailer_id"]].append(payment)
    for retailer in src["retailers"]:
        plan = m.ledger_plan(retailer, orders_of[retailer["id"]], payments_of[retailer["id"]], kept_by_order)
        for line in plan.lines:
            by_kind[line.kind][0] += 1
            by_kind[line.kind][1] += line.amount
    imported = (
        LedgerEntry.objects.filter(retailer_id__in=ids["retailers"])
        .values("kind")
        .annotate(n=Count("id"), s=Sum("amount"))
        .order_by()
    )
    actual = {row["kind"]: (row["n"], m.money(row["s"])) for row in imported}
    for kind, (count, total) in sorted(by_kind.items()):
        put(f"ledger.{kind}.count", count, actual.get(kind, (0, 0))[0])
        put(f"ledger.{kind}.sum", m.money(total), actual.get(kind, (0, m.money(0)))[1])
    logs = ImportedRow.objects.filter(source_table="audit_logs").aggregate(
        events=Count("id", filter=Q(target="orders.OrderEvent")), kept=Count("id", filter=Q(target=""))
    )
    put("audit_logs.count", len(ids["audit_logs"]), logs["events"] + logs["kept"])
    return figures


def differences(figures: dict) -> list[str]:
    return [
        f"{name}: source {figure['source']} imported {figure['imported']}"
        for name, figure in figures.items()
        if figure["source"] != figure["imported"]
    ]
