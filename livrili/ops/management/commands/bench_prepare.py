"""Prepare the benchmark (`make bench`, bench/run.py): make every scripted request valid and
write what the load generator needs; `--verify` checks the ledgers of what the run wrote.

Through the real services: bench retailers are active with an ample credit limit and an
empty cart, bench products have ample stock (a `stock_adjust` movement). The JSON file
holds the base URL, one access token per retailer user (minted here with a lifetime that
covers the run: the server checks signature and expiry exactly as for a login token), a
staff token, the product pool with a valid quantity per product (minimum, multiple and a
line value of at least a tenth of the minimum order value, so any 10 lines pass the
minimum), product ids for detail views and catalog queries (Arabic word + category) that
match at least one product. For the driver scenario: bench drivers (one per client), each with
a planned route of `--driver-deliveries` deliveries of placed, confirmed and assigned orders
(every status update of the run moves one of them: picked up → in transit → failed).
"""

import json
import math
import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import F, Sum
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from deliveries.models import Delivery, Driver, Route
from deliveries.seed import WAREHOUSE
from deliveries.services.drivers import driver_create
from deliveries.services.lifecycle import delivery_assign
from deliveries.services.routes import route_plan
from livrili.accounts.models import Role, User
from livrili.accounts.seed import DEMO_PASSWORD
from livrili.core.models import BusinessSettings, Wilaya
from orders.models import CartItem, Order, OrderItem, PaymentMethod
from orders.rules import earliest_delivery_date
from orders.services.cart import cart_clear
from orders.services.lifecycle import order_confirm
from orders.services.placement import LineRequest, order_place
from products import selectors as product_selectors
from products.models import Category, Product, StockMovement
from products.search import normalize
from products.services.categories import category_create
from products.services.products import product_create
from products.services.stock import stock_adjust
from retailers import services as retailer_services
from retailers.models import LedgerEntry, LedgerEntryKind, Retailer, RetailerStatus

BENCH_NOTE = "bench"
BENCH_CREDIT_LIMIT = Decimal("900000000.00")
BENCH_STOCK = 5_000_000  # per pool product; a full run takes a few hundred thousand units at most
BENCH_DRIVER = "bench.driver."  # the bench drivers' usernames: bench.driver.000, …
DRIVER_COMMUNE = "Bench"  # the bench drivers' zone: seeded deliveries never land on their routes
MIN_BENCH_PRODUCTS = 40  # below this many visible products (no catalog seed yet) the bench adds its own
LINES_PER_ORDER = 10


def valid_quantity(product: Product, line_floor: Decimal) -> int:
    """Smallest quantity ≥ min_order_quantity, a multiple of order_multiple, whose value at the
    cheapest applicable unit price reaches `line_floor`."""
    multiple = product.order_multiple
    quantity = max(product.min_order_quantity, 1)
    quantity = math.ceil(quantity / multiple) * multiple
    cheapest = min([product.base_price, *[tier.unit_price for tier in product.price_tiers.all()]])
    while quantity * cheapest < line_floor:
        quantity += multiple
    return quantity


def arabic_words(text: str) -> list[str]:
    """Words of an Arabic name as a retailer would type them (the server normalises them)."""
    return [word for word in text.split() if len(normalize(word)) >= 3 and not word.isascii()]


class Command(BaseCommand):
    help = "Prepare bench retailers, stock, credit and tokens (writes a JSON file), or --verify after a run."

    def add_arguments(self, parser):
        parser.add_argument("--out", default="bench-results/prepared.json")
        parser.add_argument("--base-url", default="http://127.0.0.1:8010")
        parser.add_argument("--retailers", type=int, default=32, help="active retailers with their own user")
        parser.add_argument("--products", type=int, default=300, help="size of the orderable product pool")
        parser.add_argument("--detail-products", type=int, default=2000)
        parser.add_argument("--drivers", type=int, default=0, help="bench drivers with a planned route each")
        parser.add_argument("--driver-deliveries", type=int, default=10, help="deliveries on each bench route")
        parser.add_argument("--token-hours", type=float, default=3.0)
        parser.add_argument("--size", default="", help="dataset size label written to the file")
        parser.add_argument("--verify", metavar="PREPARED_JSON", help="check stock and credit ledgers after a run")
        parser.add_argument("--orders-placed", type=int, help="with --verify: placements answered 201")
        parser.add_argument("--orders-attempted", type=int, help="with --verify: placements sent")

    def handle(self, *args, **options):
        if options["verify"]:
            return self.verify(Path(options["verify"]), options["orders_placed"], options["orders_attempted"])
        admin = User.objects.filter(is_superuser=True, is_active=True).order_by("date_joined").first()
        if admin is None:
            raise CommandError("No active superuser: run `manage.py seed_demo` first.")
        settings = BusinessSettings.load()
        rng = random.Random(6)
        self.ensure_catalog(admin)
        retailers = self.retailers(options["retailers"], admin)
        pool = self.product_pool(options["products"], settings, admin)
        lifetime = timedelta(hours=options["token_hours"])
        visible = product_selectors.visible_products(retail=True)
        detail_ids = [
            str(pk) for pk in visible.order_by("?").values_list("id", flat=True)[: options["detail_products"]]
        ]
        drivers = self.drivers(options["drivers"], options["driver_deliveries"], pool, admin, settings, lifetime)
        stock = dict(Product.objects.filter(pk__in=[p["id"] for p in pool]).values_list("id", "stock_quantity"))
        data = {
            "base_url": options["base_url"].rstrip("/"),
            "size": options["size"],
            "prepared_at": timezone.now().isoformat(),
            "token_expires_at": (timezone.now() + lifetime).isoformat(),
            "minimum_order_value": str(settings.minimum_order_value),
            "lines_per_order": LINES_PER_ORDER,
            "staff_token": self.token(admin, lifetime),
            "retailers": [
                {"retailer_id": str(r.pk), "username": r.owner.username, "token": self.token(r.owner, lifetime)}
                for r in retailers
            ],
            "products": pool,
            "drivers": drivers,
            "detail_product_ids": detail_ids,
            "catalog_queries": self.catalog_queries(rng),
            "stock_before": {str(pk): quantity for pk, quantity in stock.items()},
        }
        out = Path(options["out"])
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(data, indent=1, ensure_ascii=False))
        self.stdout.write(
            f"bench_prepare: {len(retailers)} retailers, {len(pool)} pool products, "
            f"{len(detail_ids)} detail ids, {len(data['catalog_queries'])} catalog queries, "
            f"{len(drivers)} drivers × {options['driver_deliveries']} deliveries → {out}"
        )

    # --- Tokens ---------------------------------------------------------------------------

    @staticmethod
    def token(user: User, lifetime: timedelta) -> str:
        token = AccessToken.for_user(user)
        token.set_exp(lifetime=lifetime)
        return str(token)

    # --- Catalog --------------------------------------------------------------------------

    def ensure_catalog(self, admin: User) -> None:
        """Without a catalog seed the bench adds a small catalog of its own (BENCH-xxxx)."""
        missing = MIN_BENCH_PRODUCTS - product_selectors.visible_products(retail=True).count()
        if missing <= 0:
            return
        category = Category.objects.filter(slug="bench").first() or category_create(
            actor=admin, slug="bench", name_ar="مواد غذائية", name_fr="Épicerie (bench)", name_en="Grocery (bench)"
        )
        names = [("زيت زيتون", "Huile d'olive"), ("سكر أبيض", "Sucre blanc"), ("حليب مجفف", "Lait en poudre")]
        start = Product.objects.filter(sku__startswith="BENCH-").count()
        for index in range(start, start + missing):
            name_ar, name_fr = names[index % len(names)]
            product_create(
                actor=admin,
                sku=f"BENCH-{index:04d}",
                name_ar=f"{name_ar} {index}",
                name_fr=f"{name_fr} {index}",
                name_en=f"Bench product {index}",
                category=category,
                base_price=Decimal(120 + index * 7),
                order_multiple=1 + index % 3,
                min_order_quantity=1 + index % 4,
                price_tiers=[{"min_quantity": 50, "unit_price": Decimal(100 + index * 7)}],
            )
        self.stdout.write(f"bench_prepare: added {missing} bench products (no catalog seed)")

    def product_pool(self, size: int, settings: BusinessSettings, admin: User) -> list[dict]:
        """Visible products spread over the catalog, with ample stock and a valid quantity."""
        line_floor = settings.minimum_order_value / LINES_PER_ORDER + Decimal("1")
        visible = product_selectors.visible_products(retail=True).prefetch_related("price_tiers").order_by("sku")
        total = visible.count()
        if total < LINES_PER_ORDER:
            raise CommandError(f"Only {total} visible products: an order needs {LINES_PER_ORDER} distinct lines.")
        step = max(total // size, 1)
        products = list(visible[: step * size])[::step][:size]
        pool = []
        for product in products:
            quantity = valid_quantity(product, line_floor)
            if product.stock_quantity < BENCH_STOCK // 2:
                stock_adjust(actor=admin, product=product, operation="set", quantity=BENCH_STOCK, note="bench prepare")
            pool.append({"id": str(product.pk), "quantity": quantity})
        return pool

    def catalog_queries(self, rng: random.Random, count: int = 60) -> list[dict]:
        """(root category, Arabic word) pairs that match at least one visible product."""
        roots = {c.pk.hex: c for c in Category.objects.filter(parent__isnull=True)}  # path segments are hex
        paths = dict(Category.objects.values_list("id", "path"))
        candidates = list(
            product_selectors.visible_products(retail=True)
            .order_by("?")
            .values_list("category_id", "name_ar")[: count * 3]
        )
        queries, seen = [], set()
        for category_id, name_ar in candidates:
            words = arabic_words(name_ar or "")
            root_id = paths.get(category_id, "").split("/")[0]
            root = roots.get(root_id)
            if not words or root is None:
                continue
            query = (str(root.pk), rng.choice(words))
            if query in seen:
                continue
            matching = product_selectors.product_list(retail=True, search=query[1]).filter(
                product_selectors.category_descendant_q(root)
            )
            if matching.exists():
                seen.add(query)
                queries.append({"category": query[0], "search": query[1]})
            if len(queries) == count:
                break
        if not queries:
            raise CommandError("No Arabic product name to search for: the catalog has no name_ar.")
        return queries

    # --- Retailers ------------------------------------------------------------------------

    def retailers(self, count: int, admin: User) -> list[Retailer]:
        """`count` active retailers whose owner is an active retailer user (seeded ones first,
        bench ones created through signup + approval when the dataset has too few), each with
        an ample credit limit and an empty cart."""
        active = Retailer.objects.filter(
            status=RetailerStatus.ACTIVE, owner__is_active=True, owner__role=Role.RETAILER, owner__retailer=F("pk")
        )
        chosen = list(active.select_related("owner").order_by("owner__username")[:count])
        index = Retailer.objects.filter(notes=BENCH_NOTE).count()
        wilaya = Wilaya.objects.order_by("code").first()
        while len(chosen) < count:
            index += 1
            _owner, retailer = retailer_services.retailer_signup(
                full_name=f"Bench Owner {index}",
                password=DEMO_PASSWORD,
                business_name=f"Bench retailer {index:04d}",
                business_type="grocery",
                wilaya=wilaya,
                commune="Bench",
                address=f"{index} rue du Banc",
                phone=f"+2135990{index:05d}",
                rc_number=f"16/00-9{index:06d}B26",
                nif=f"0099{index:011d}",
                notes=BENCH_NOTE,
            )
            retailer = retailer_services.retailer_transition(retailer=retailer, action="approve", actor=admin)
            chosen.append(Retailer.objects.select_related("owner").get(pk=retailer.pk))
        for retailer in chosen:
            retailer_services.retailer_credit_limit_change(
                retailer=retailer, credit_limit=BENCH_CREDIT_LIMIT, reason="bench", actor=admin
            )
            if CartItem.objects.filter(retailer=retailer).exists():
                cart_clear(retailer=retailer)
        return chosen

    # --- Drivers ----------------------------------------------------------------------------

    def drivers(self, count, per_driver, pool, admin, settings, lifetime) -> list[dict]:
        """`count` available bench drivers, each with a planned route of `per_driver` deliveries
        for a day of its own (`route_day`): cash orders of one bench shop, placed, confirmed and
        assigned through the services, then ordered by the route planner."""
        if not count:
            return []
        if settings.warehouse_latitude is None or settings.warehouse_longitude is None:
            settings.warehouse_latitude, settings.warehouse_longitude = WAREHOUSE
            settings.save(update_fields=["warehouse_latitude", "warehouse_longitude"])
        shop = self.driver_shop(admin)
        day = self.route_day(settings)
        run = timezone.now().strftime("%Y%m%d%H%M%S")  # the bench database is reused: keys per run
        product = Product.objects.get(pk=pool[0]["id"])
        quantity = valid_quantity(product, settings.minimum_order_value + Decimal("1"))
        prepared = []
        for index in range(count):
            driver = self.bench_driver(index, admin)
            deliveries = []
            for stop in range(per_driver):
                order, _replayed = order_place(
                    retailer=shop,
                    actor=admin,
                    payment_method="cash",
                    idempotency_key=f"bench-driver-{run}-{index}-{stop}",
                    fingerprint="bench",
                    channel="admin",
                    lines=[LineRequest(product_id=product.pk, quantity=quantity)],
                    requested_delivery_date=day,
                )
                order = order_confirm(order=order, actor=admin)
                deliveries.append(str(delivery_assign(delivery=order.delivery, driver=driver, actor=admin).pk))
            plan = route_plan(day=day, driver_ids=[driver.pk], actor=admin, time_limit_seconds=1)
            own = [item for item in plan.unassigned if str(item.delivery.pk) in deliveries]  # not the seed's
            if own:
                left = ", ".join(f"{item.delivery.number} ({item.reason})" for item in own)
                raise CommandError(f"bench driver {driver}: left off the route: {left}")
            prepared.append(
                {
                    "driver_id": str(driver.pk),
                    "token": self.token(driver.user, lifetime),
                    "route_date": day.isoformat(),
                    "deliveries": deliveries,
                }
            )
        return prepared

    def route_day(self, settings) -> date:
        """The first working day from the earliest delivery date that no earlier run gave the bench
        drivers a route or a delivery: the database is reused, and a day already used would refuse
        this run's routes (a route the scenario started) or overfill them (deliveries it left)."""
        day = earliest_delivery_date(settings)
        bench = {"driver__user__username__startswith": BENCH_DRIVER}
        while (
            day.isoweekday() not in settings.working_days
            or Route.objects.filter(date=day, **bench).exists()
            or Delivery.objects.filter(scheduled_date=day, **bench).exists()
        ):
            day += timedelta(days=1)
        return day

    def driver_shop(self, admin: User) -> Retailer:
        shop = Retailer.objects.filter(notes=f"{BENCH_NOTE}-drivers").first()
        if shop is None:
            _owner, shop = retailer_services.retailer_signup(
                full_name="Bench Driver Shop",
                password=DEMO_PASSWORD,
                business_name="Bench driver shop",
                business_type="grocery",
                wilaya=Wilaya.objects.get(code="16"),
                commune=DRIVER_COMMUNE,
                address="1 rue du Banc",
                phone="+213599100000",
                latitude=WAREHOUSE[0] + Decimal("0.02"),
                longitude=WAREHOUSE[1] + Decimal("0.03"),
                rc_number="16/00-9100000B26",
                nif="009910000000000",
                notes=f"{BENCH_NOTE}-drivers",
            )
            shop = retailer_services.retailer_transition(retailer=shop, action="approve", actor=admin)
        return shop

    def bench_driver(self, index: int, admin: User) -> Driver:
        username = f"{BENCH_DRIVER}{index:03d}"
        driver = Driver.objects.select_related("user").filter(user__username=username).first()
        if driver is None:
            driver = driver_create(
                actor=admin,
                username=username,
                full_name=f"Bench Driver {index}",
                password=DEMO_PASSWORD,
                phone=f"+2135992{index:05d}",
                vehicle_type="van",
                vehicle_plate=f"B{index:05d}-116-16",
                capacity_kg=Decimal("100000.00"),
                max_stops=500,
                communes=[DRIVER_COMMUNE],
                license_expiry=timezone.localdate() + timedelta(days=365),
                status="available",
            )
        return driver

    # --- Verification ---------------------------------------------------------------------

    def verify(self, path: Path, placed: int | None, attempted: int | None) -> None:
        """After a run: every order placed since prepare has its stock movements (Σ −quantity
        per product, reference = order number) and, on credit, its one ledger charge equal to
        its total; pool products' stock equals the prepared stock plus the movements since;
        the number of orders is at least the placements answered 201 (none lost) and at most
        the placements sent (none duplicated: a request cut off when the load generator stops
        may still be committed by the server)."""
        data = json.loads(path.read_text())
        since = data["prepared_at"]
        problems = []
        orders = list(
            Order.objects.filter(created_at__gte=since).values_list("id", "number", "total", "payment_method")
        )
        numbers = [number for _pk, number, _total, _method in orders]
        if placed is not None and not placed <= len(orders) <= (attempted if attempted is not None else placed):
            problems.append(
                f"{len(orders)} orders since prepare; the load generator sent {attempted}, got 201 for {placed}"
            )
        items: dict = {}
        for number, product_id, quantity in OrderItem.objects.filter(order__number__in=numbers).values_list(
            "order__number", "product_id", "quantity"
        ):
            key = (number, product_id)
            items[key] = items.get(key, 0) + quantity
        moved: dict = {}
        for reference, product_id, delta in StockMovement.objects.filter(reference__in=numbers).values_list(
            "reference", "product_id", "delta"
        ):
            moved[(reference, product_id)] = moved.get((reference, product_id), 0) + delta
        for key, quantity in items.items():
            if moved.get(key, 0) != -quantity:
                problems.append(f"order {key[0]} product {key[1]}: ordered {quantity}, stock moved {moved.get(key, 0)}")
        charges = dict(
            LedgerEntry.objects.filter(order__number__in=numbers, kind=LedgerEntryKind.ORDER_CHARGE)
            .values_list("order__number")
            .annotate(total=Sum("amount"))
            .order_by()
        )
        for _pk, number, total, method in orders:
            if method == PaymentMethod.CREDIT and charges.get(number) != total:
                problems.append(f"order {number}: total {total}, charged {charges.get(number)}")
        stock_before = data["stock_before"]
        deltas = dict(
            StockMovement.objects.filter(product_id__in=stock_before, created_at__gte=since)
            .values_list("product_id")
            .annotate(total=Sum("delta"))
            .order_by()
        )
        for pk, quantity in Product.objects.filter(pk__in=stock_before).values_list("id", "stock_quantity"):
            expected = stock_before[str(pk)] + (deltas.get(pk) or 0)
            if expected != quantity:
                problems.append(
                    f"product {pk}: stock {quantity}, prepared {stock_before[str(pk)]} + moves = {expected}"
                )
        for problem in problems[:50]:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"bench verify: {len(problems)} problem(s).")
        self.stdout.write(
            self.style.SUCCESS(
                f"bench verify: {len(orders)} orders (201: {placed}, sent: {attempted}), {len(items)} lines; "
                "stock and charges exact "
                f"({len(stock_before)} pool products)."
            )
        )
