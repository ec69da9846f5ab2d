"""Demo order history for `manage.py seed_demo`: twelve months ending today, for the seeded
retailers and products (small ≈ 2 000 orders, standard 200 000 with ~1.5 M lines, large 2×).

Deterministic (fixed random seeds), idempotent (a second run keeps the existing history) and
consistent by construction:

- money goes through `products.pricing.line_price` and `orders.pricing.order_totals` with the
  current BusinessSettings, exactly as placement does;
- the run is a discrete-event simulation in time order: placements in timestamp order, and
  every later consequence (cancellation or return restocking, ledger reversals, cash and
  credit settlements, hold expiries) waits in a heap until the clock reaches it. Stock and
  balances are therefore running values, so `stock_after` and `balance_after`/`position`
  chain exactly in time order, stock never goes below zero (a supplier delivery, `import`,
  arrives before a product would run out) and a credit order is charged only when it fits the
  available credit (otherwise it is paid cash, or held under the `hold` policy);
- rows are written in batches without model instances (`livrili.core.seeding.RowWriter`),
  with their real timestamps, then cached values (`Product.stock_quantity`,
  `Retailer.balance`) are set from the simulated ledgers with one bulk update each, and the
  ORD sequences are moved past the numbers used.
"""

import hashlib
import heapq
import math
import random
import sys
import uuid
from bisect import bisect_left
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate
from zoneinfo import ZoneInfo

from django.db.models import F, Max, Sum
from django.utils import timezone
from tqdm import tqdm

from livrili.accounts.models import Role, User
from livrili.core.models import BusinessSettings, CreditPolicy
from livrili.core.money import ZERO, to_money
from livrili.core.numbering import document_number
from livrili.core.seeding import RowWriter, advance_numbering, numbers_in_use
from products.models import Product, StockMovement, StockReason
from products.pricing import CATALOG, line_price
from products.selectors import hidden_category_ids
from products.services.stock import StockHistory
from retailers.models import DeliveryAddress, LedgerEntry, LedgerEntryKind, Retailer, RetailerStatus

from .events import (
    STATUS_EVENTS,
    order_cancelled_event,
    order_held_event,
    order_placed_event,
    order_returned_event,
)
from .models import Channel, Order, OrderEvent, OrderEventType, OrderItem, OrderStatus, PaymentMethod
from .pricing import order_totals
from .rules import earliest_delivery_date

SIZES = {"small": 2_000, "standard": 200_000, "large": 400_000}
SEED_KEY = "seed-"  # idempotency keys of seeded orders: "seed-000001", …
SEED_REASON = "seed"  # reason of the settlement payments (quality.md: "referenced `seed`")
DAYS = 365
# A suspended retailer traded before it was suspended: if its drawn window gave it fewer orders,
# it places the rest on the days after (never in the last two weeks).
SUSPENDED_FIRST_ORDERS = 3
ALGIERS = ZoneInfo("Africa/Algiers")

# Ramadan (first day, last day) and the two Eids, as observed in Algeria (approximate).
RAMADAN = {
    2024: (date(2024, 3, 11), date(2024, 4, 9)),
    2025: (date(2025, 3, 1), date(2025, 3, 30)),
    2026: (date(2026, 2, 18), date(2026, 3, 19)),
    2027: (date(2027, 2, 8), date(2027, 3, 9)),
    2028: (date(2028, 1, 28), date(2028, 2, 26)),
}
EID_ADHA = {2024: date(2024, 6, 16), 2025: date(2025, 6, 6), 2026: date(2026, 5, 27), 2027: date(2027, 5, 16)}
SUMMER_WORDS = ("drink", "beverage", "water", "juice", "soda", "boisson", "eau", "jus", "glace", "ice", "soft")
RAMADAN_WORDS = ("date", "datte", "milk", "lait", "oil", "huile", "flour", "farine", "semoule", "semolina", "sugar")
# Placement hour (local) → weight: mornings and early afternoons, little after the cut-off.
HOURS = {6: 1, 7: 4, 8: 9, 9: 11, 10: 11, 11: 9, 12: 6, 13: 5, 14: 7, 15: 8, 16: 6, 17: 4, 18: 3, 19: 2, 20: 2, 21: 1}
RETAILER_CANCEL_REASONS = ("Commande en double", "Erreur de quantité", "Je commande plus tard", "Changement d'avis")
STAFF_CANCEL_REASONS = ("Rupture de stock fournisseur", "Client injoignable", "Demande du client", "Adresse erronée")
RETURN_REASONS = ("Refusé à la livraison", "Magasin fermé", "Produits endommagés", "Erreur de préparation")
HOLD_EXPIRED = "Credit hold expired"


# --- Calendar -------------------------------------------------------------------------------


def _local(day: date, hour: float) -> datetime:
    """An aware Algiers datetime `hour` hours (fractional) after midnight of `day`."""
    return datetime.combine(day, time(0), tzinfo=ALGIERS) + timedelta(hours=hour)


def _day_weight(day: date, first: date, working_days: set) -> float:
    """Growth over the year × seasonality × the weekend (almost no orders Friday/Saturday)."""
    weight = 0.75 + 0.55 * (day - first).days / DAYS
    ramadan = RAMADAN.get(day.year)
    if ramadan:
        start, end = ramadan
        if start - timedelta(days=21) <= day < start:  # stocking up before Ramadan
            weight *= 1.45
        elif start <= day <= start + timedelta(days=14):
            weight *= 1.3
        elif end + timedelta(days=1) <= day <= end + timedelta(days=2):  # Eid el-Fitr
            weight *= 0.15
    adha = EID_ADHA.get(day.year)
    if adha and adha - timedelta(days=7) <= day < adha:
        weight *= 1.2
    elif adha and adha <= day <= adha + timedelta(days=1):
        weight *= 0.15
    if day.month == 8:  # holidays: slower trade, except drinks (see product weights)
        weight *= 0.9
    if day.isoweekday() not in working_days:
        weight *= 0.01
    elif day.isoweekday() == 4:  # Thursday afternoons are short
        weight *= 0.85
    return weight


def _season(day: date) -> str:
    ramadan = RAMADAN.get(day.year)
    if ramadan and ramadan[0] - timedelta(days=21) <= day <= ramadan[1]:
        return "ramadan"
    return "summer" if day.month in (6, 7, 8) else "normal"


class _Calendar:
    def __init__(self, settings, rng: random.Random):
        self.settings = settings
        self.rng = rng
        self.working_days = set(settings.working_days)
        self.slots = list(settings.time_slots) or ["morning"]

    def working(self, day: date) -> bool:
        return day.isoweekday() in self.working_days

    def next_working_day(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.working(day):
            day += timedelta(days=1)
        return day

    def office_time(self, moment: datetime) -> datetime:
        """`moment` if it falls in office hours (08:00–18:00 on a working day), else the next opening."""
        local = moment.astimezone(ALGIERS)
        if self.working(local.date()) and 8 <= local.hour < 18:
            return moment
        day = local.date() if self.working(local.date()) and local.hour < 8 else self.next_working_day(local.date())
        return _local(day, 8 + self.rng.uniform(0, 1.5))

    def plan(self, placed: datetime) -> dict:
        """Delivery date, slot and the natural milestone times of an order placed at `placed`."""
        rng = self.rng
        day = earliest_delivery_date(self.settings, placed)
        if rng.random() < 0.15:  # some retailers ask for a later day
            for _ in range(rng.randint(1, 3)):
                day = self.next_working_day(day)
        slot = self.slots[0] if rng.random() < 0.6 or len(self.slots) == 1 else rng.choice(self.slots[1:])
        morning = slot == self.slots[0]
        confirmed = self.office_time(placed + timedelta(minutes=rng.uniform(10, 180)))
        processing = _local(day, rng.uniform(6.0, 7.0))
        if processing <= confirmed:
            processing = confirmed + timedelta(minutes=rng.uniform(20, 60))
        shipped = _local(day, rng.uniform(7.5, 9.0) if morning else rng.uniform(12.5, 13.5))
        if shipped <= processing:
            shipped = processing + timedelta(minutes=rng.uniform(15, 45))
        delivered = shipped + timedelta(minutes=rng.uniform(30, 240))
        return {
            "day": day,
            "slot": slot,
            "confirmed": confirmed,
            "processing": processing,
            "shipped": shipped,
            "delivered": delivered,
        }


# --- The world the orders are placed in -----------------------------------------------------


class _Customer:
    __slots__ = (
        "address",
        "balance",
        "credit_share",
        "end",
        "fav_cum",
        "favourites",
        "id",
        "language",
        "limit",
        "orders",
        "position",
        "scale",
        "start",
        "terms",
        "users",
        "weight",
    )


def _story_event(order: Order, to_status: str, event_type: str, actor, *, reason: str, available_credit) -> OrderEvent:
    """The event of one step of a seeded order's story, from `orders.events` (as the services
    write it); `order.status` is the status before the step."""
    if event_type == OrderEventType.PLACED:
        return order_placed_event(order=order, actor=actor)
    if event_type == OrderEventType.HELD:
        return order_held_event(order=order, actor=actor, available_credit=available_credit)
    if to_status == OrderStatus.CANCELLED:
        return order_cancelled_event(order=order, actor=actor, reason=reason)
    if to_status == OrderStatus.RETURNED:
        return order_returned_event(order=order, actor=actor, reason=reason)
    return STATUS_EVENTS[to_status](order=order, actor=actor)


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _load_products() -> list:
    """The products a retailer can order (active, in a visible category), with their tiers."""
    hidden = hidden_category_ids()
    return [
        p
        for p in Product.objects.filter(is_active=True)
        .select_related("category")
        .prefetch_related("price_tiers")
        .order_by("pk")
        if p.category_id not in hidden
    ]


def _staff(username: str):
    return User.objects.filter(username=username).values_list("pk", flat=True).first()


def _addresses(retailer_ids) -> dict:
    """The default delivery address of each retailer, as the order's snapshot columns."""
    found = {}
    for address in DeliveryAddress.objects.filter(retailer_id__in=retailer_ids, is_default=True):
        found[address.retailer_id] = (
            address.address,
            address.commune,
            address.wilaya_id or "",
            address.latitude,
            address.longitude,
            address.contact_name,
            address.contact_phone,
        )
    return found


# --- The run ----------------------------------------------------------------------------------


def run(*, size: str, out) -> list[tuple[str, str, str]]:
    if Order.objects.filter(idempotency_key__startswith=SEED_KEY).exists():
        out.write("  orders: demo order history already present, kept")
        return []
    retailers = list(
        Retailer.objects.filter(status__in=(RetailerStatus.ACTIVE, RetailerStatus.SUSPENDED)).order_by("pk")
    )
    rng = random.Random(20260202)
    products = _load_products()
    if not retailers or not products:
        out.write("  orders: no active retailers or products to order, skipped")
        return []
    _Simulation(size=size, out=out, retailers=retailers, products=products, rng=rng).run()
    return []


class _Simulation:
    def __init__(self, *, size, out, retailers, products, rng):
        self.out = out
        self.rng = rng
        self.ids = random.Random(7)  # ids from their own stream: the story does not depend on them
        self.settings = BusinessSettings.load()
        self.calendar = _Calendar(self.settings, rng)
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.first_day = self.today - timedelta(days=DAYS - 1)
        self.history_start = _local(self.first_day, 0)
        self.count = SIZES[size]
        self.retailers = retailers
        self.products = products
        self.credit_policy = self.settings.credit_policy
        self.hold_days = self.settings.hold_expiry_days
        self.staff = {name: _staff(name) for name in ("sales", "dispatch", "finance", "driver", "admin")}
        self.actors: dict = {}
        self.story = Order()
        self.heap: list = []
        self.sequence = 0
        self.price_cache: dict = {}
        self.stats = Counter()
        self.revenue = ZERO
        self.orders = RowWriter(
            Order,
            (
                "id",
                "created_at",
                "updated_at",
                "number",
                "retailer_id",
                "created_by_id",
                "channel",
                "status",
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
                "idempotency_key",
                "request_fingerprint",
                "language",
                "cancel_reason",
                "cancelled_by_id",
                "held_at",
                "confirmed_at",
                "processing_at",
                "shipped_at",
                "delivered_at",
                "cancelled_at",
                "returned_at",
            ),
        )
        self.items = RowWriter(
            OrderItem,
            (
                "id",
                "order_id",
                "product_id",
                "sku",
                "name_ar",
                "name_fr",
                "name_en",
                "quantity",
                "unit_price",
                "tax_rate",
                "line_subtotal",
                "line_tax",
                "line_total",
            ),
        )
        self.events = RowWriter(
            OrderEvent, ("id", "order_id", "type", "from_status", "to_status", "actor_id", "note", "data", "created_at")
        )
        self.movements = RowWriter(
            StockMovement,
            ("id", "product_id", "delta", "reason", "stock_after", "reference", "actor_id", "note", "created_at"),
        )
        self.entries = RowWriter(
            LedgerEntry,
            (
                "id",
                "retailer_id",
                "position",
                "kind",
                "amount",
                "balance_after",
                "reason",
                "order_id",
                "actor_id",
                "created_at",
            ),
        )

    # --- setup ---------------------------------------------------------------------------

    def _backdate_existing(self) -> None:
        """Rows written moments ago by the earlier seed steps must come before the history:
        opening stock movements and opening balances (so their chains stay in time order), the
        products ordered and the retailers ordering. Each table moves back as a block, keeping
        the rows' relative order; demo retailers are spread over the months before."""
        floor = self.history_start - timedelta(days=2)
        recent = StockMovement.objects.filter(created_at__gte=self.history_start)
        latest = recent.aggregate(m=Max("created_at"))["m"]
        if latest and Order.objects.exists():  # real trade already happened: leave its history alone
            self.out.write("  orders: existing orders found; stock movements keep their dates")
        elif latest:
            # PostgreSQL refuses any UPDATE of a movement (append-only trigger), so the catalog
            # seed's opening movements are re-inserted identical but for their timestamp, in
            # this same transaction and before anything refers to them.
            shift = latest - floor
            writer = RowWriter(
                StockMovement,
                ("id", "product_id", "delta", "reason", "stock_after", "reference", "actor_id", "note", "created_at"),
            )
            rows = list(recent.values_list(*writer.columns).order_by("created_at", "pk"))
            recent.delete()
            for row in rows:
                writer.add((*row[:-1], row[-1] - shift))
            writer.flush()
        latest = LedgerEntry.objects.filter(created_at__gte=self.history_start).aggregate(m=Max("created_at"))["m"]
        if latest:
            # The LedgerEntry manager refuses every update (append-only) and the PostgreSQL
            # trigger lets only `created_at` move, for seeds that backdate their history.
            LedgerEntry._base_manager.filter(created_at__gte=self.history_start).update(
                created_at=F("created_at") - (latest - floor)
            )
        latest = Product.objects.filter(created_at__gte=floor).aggregate(m=Max("created_at"))["m"]
        if latest:
            Product.objects.filter(created_at__gte=floor).update(created_at=F("created_at") - (latest - floor))
        moved = []
        for retailer in self.retailers:
            if retailer.created_at >= floor:
                retailer.created_at = floor - timedelta(days=self.rng.uniform(1, 400))
                if retailer.approved_at is not None:
                    retailer.approved_at = retailer.created_at + timedelta(hours=self.rng.uniform(4, 72))
                moved.append(retailer)
        Retailer.objects.bulk_update(moved, ["created_at", "approved_at"], batch_size=1000)

    def _setup_stock(self) -> None:
        rng = self.rng
        self.history = StockHistory(
            product_ids=[p.pk for p in self.products], sink=self.movements, new_id=lambda: _uuid(self.ids)
        )
        self.multiple = {}
        opening_at = self.history_start - timedelta(days=1)
        for product in self.products:
            self.multiple[product.pk] = max(product.order_multiple, 1)
            stock = self.history.stock[product.pk]
            wanted = self.multiple[product.pk] * rng.randint(40, 400)
            if stock < wanted:
                self._move(product.pk, wanted - stock, StockReason.IMPORT, opening_at, "STOCK-INITIAL", "seed")

    def _setup_customers(self) -> None:
        rng = self.rng
        sums = dict(LedgerEntry.objects.values_list("retailer_id").annotate(total=Sum("amount")).order_by())
        positions = dict(LedgerEntry.objects.values_list("retailer_id").annotate(m=Max("position")).order_by())
        users = defaultdict(list)
        languages = {}
        for pk, retailer_id, language in (
            User.objects.filter(role=Role.RETAILER, retailer_id__in=[r.pk for r in self.retailers], is_active=True)
            .values_list("pk", "retailer_id", "preferred_language")
            .order_by("date_joined", "pk")
        ):
            users[retailer_id].append(pk)
            languages.setdefault(retailer_id, language)
        addresses = _addresses([r.pk for r in self.retailers])
        last_day = self.suspended_by = self.today - timedelta(days=14)
        self.customers = []
        for retailer in self.retailers:
            customer = _Customer()
            customer.id = retailer.pk
            customer.limit = retailer.credit_limit
            customer.terms = retailer.payment_terms_days
            customer.balance = to_money(sums.get(retailer.pk) or ZERO)
            customer.position = positions.get(retailer.pk) or 0
            customer.start = (
                self.first_day if rng.random() < 0.7 else self.first_day + timedelta(rng.randrange(DAYS - 30))
            )
            customer.end = None
            if retailer.status == RetailerStatus.SUSPENDED:
                # suspended a month or more before the last two weeks: time to catch up its first orders
                customer.start = min(customer.start, last_day - timedelta(days=60))
                span = (last_day - timedelta(days=30) - customer.start).days
                customer.end = customer.start + timedelta(days=rng.randint(30, span))
            customer.weight = rng.lognormvariate(0, 0.7)
            customer.credit_share = rng.uniform(0.45, 0.85) if customer.limit > 0 else 0.0
            # Order size: shops trusted with more credit buy more per order.
            size = min(max(float(customer.limit) / 150_000, 0.35), 1.6) if customer.limit > 0 else 0.8
            customer.scale = size * rng.lognormvariate(0, 0.3)
            customer.users = users.get(retailer.pk) or ([retailer.owner_id] if retailer.owner_id else [None])
            customer.language = languages.get(retailer.pk) or rng.choice(("ar", "ar", "fr"))
            customer.address = addresses.get(retailer.pk) or (
                retailer.address,
                retailer.commune,
                retailer.wilaya_id or "",
                retailer.latitude,
                retailer.longitude,
                "",
                retailer.phone or "",
            )
            favourites = sorted({self._popular("normal") for _ in range(rng.randint(25, 140))}, key=lambda p: p.pk)
            customer.favourites = favourites
            customer.fav_cum = list(accumulate(rng.paretovariate(1.2) for _ in favourites))
            customer.orders = 0
            self.customers.append(customer)
            if customer.balance > customer.limit:  # brought within its limit before the history starts
                target = to_money(customer.limit * Decimal(rng.uniform(0, 0.5)))
                self._ledger(
                    customer,
                    LedgerEntryKind.PAYMENT,
                    target - customer.balance,
                    self.history_start - timedelta(hours=rng.uniform(2, 20)),
                    reason=SEED_REASON,
                    actor=self.staff["finance"],
                )

    def _setup_catalog_weights(self) -> None:
        rng = self.rng
        ranks = list(range(len(self.products)))
        rng.shuffle(ranks)
        base = [1 / (rank + 10) ** 0.9 for rank in ranks]
        texts = [
            " ".join(
                str(value or "").lower()
                for value in (p.name_en, p.name_fr, p.category.name_en, p.category.name_fr, p.category.slug)
            )
            for p in self.products
        ]
        summer = [w * (2.5 if any(k in t for k in SUMMER_WORDS) else 1) for w, t in zip(base, texts, strict=True)]
        ramadan = [w * (2.2 if any(k in t for k in RAMADAN_WORDS) else 1) for w, t in zip(base, texts, strict=True)]
        self.catalog_cum = {
            "normal": list(accumulate(base)),
            "summer": list(accumulate(summer)),
            "ramadan": list(accumulate(ramadan)),
        }

    def _popular(self, season: str):
        cum = self.catalog_cum[season]
        return self.products[min(bisect_left(cum, self.rng.random() * cum[-1]), len(cum) - 1)]

    # --- placement times --------------------------------------------------------------------

    def _placements(self) -> list[datetime]:
        rng = self.rng
        days = [self.first_day + timedelta(days=i) for i in range(DAYS)]
        cum = list(accumulate(_day_weight(d, self.first_day, self.calendar.working_days) for d in days))
        hours = list(HOURS)
        hour_cum = list(accumulate(HOURS.values()))
        moments = []
        while len(moments) < self.count:
            day = days[min(bisect_left(cum, rng.random() * cum[-1]), DAYS - 1)]
            hour = hours[min(bisect_left(hour_cum, rng.random() * hour_cum[-1]), len(hours) - 1)]
            moment = _local(day, hour + rng.random())
            if moment < self.now - timedelta(minutes=2):
                moments.append(moment)
        moments.sort()
        for i in range(1, len(moments)):  # strictly increasing: placements never tie
            if moments[i] <= moments[i - 1]:
                moments[i] = moments[i - 1] + timedelta(microseconds=1)
        return moments

    # --- the simulated ledgers --------------------------------------------------------------

    def _later(self, moment: datetime, action: tuple) -> None:
        self.sequence += 1
        heapq.heappush(self.heap, (moment, self.sequence, action))

    def _run_until(self, moment: datetime) -> None:
        while self.heap and self.heap[0][0] < moment:
            at, _seq, action = heapq.heappop(self.heap)
            kind = action[0]
            if kind == "restock":
                _kind, lines, reason, reference, actor = action
                for product_id, quantity in lines:
                    self._move(product_id, quantity, reason, at, reference, "", actor)
            elif kind == "ledger":
                _kind, customer, entry_kind, amount, order_id, reason, actor = action
                self._ledger(customer, entry_kind, amount, at, reason=reason, order_id=order_id, actor=actor)
            elif kind == "cash":
                _kind, customer, total, order_id, number, driver = action
                self._ledger(customer, LedgerEntryKind.PAYMENT, -total, at, reason=SEED_REASON, actor=driver)
                self._ledger(
                    customer, LedgerEntryKind.ORDER_CHARGE, total, at, reason=number, order_id=order_id, actor=driver
                )
            elif kind == "settle":
                _kind, customer, key = action
                amount = self.pending_payments.pop(key)
                self._ledger(
                    customer, LedgerEntryKind.PAYMENT, -amount, at, reason=SEED_REASON, actor=self.staff["finance"]
                )

    def _move(self, product_id, delta: int, reason: str, at: datetime, reference: str, note: str = "", actor=None):
        self.history.move(
            product_id=product_id, delta=delta, reason=reason, at=at, reference=reference, note=note, actor_id=actor
        )
        self.stats[f"movement:{reason}"] += 1

    def _ledger(self, customer, kind, amount: Decimal, at: datetime, *, reason="", order_id=None, actor=None):
        customer.position += 1
        customer.balance += amount
        self.entries.add(
            (
                _uuid(self.ids),
                customer.id,
                customer.position,
                kind,
                amount,
                customer.balance,
                reason,
                order_id,
                actor,
                at,
            )
        )
        self.stats[f"ledger:{kind}"] += 1

    def _take(self, lines, at: datetime, reference: str, actor) -> None:
        """Take the order's stock; a supplier delivery arrives first when a product would run short."""
        rng = self.rng
        for product, price in lines:
            pid, quantity = product.pk, price.quantity
            if self.history.stock[pid] < quantity:
                batch = self.multiple[pid] * rng.randint(40, 300) + quantity
                arrival = at - timedelta(hours=rng.uniform(1, 30))
                self._move(pid, batch, StockReason.IMPORT, arrival, f"REAPPRO-{arrival:%Y%m%d}", "seed")
            self._move(pid, -quantity, StockReason.ORDER, at, reference, "", actor)

    # --- one order ----------------------------------------------------------------------------

    def _price(self, product, quantity: int):
        key = (product.pk, quantity)
        price = self.price_cache.get(key)
        if price is None:
            # List prices for every seeded customer (this cache is keyed by product and quantity).
            price = self.price_cache[key] = line_price(product, quantity, context=CATALOG)
        return price

    def _quantity(self, product, scale: float) -> int:
        """A line worth a few thousand dinars: cartons one or two at a time, cheap items by the
        dozen (which reaches the volume tiers). The float only draws a count, never money."""
        multiple = self.multiple[product.pk]
        units = max(1, round(scale * self.rng.lognormvariate(8.1, 0.8) / float(product.base_price)))
        wanted = max(units, product.min_order_quantity)
        return math.ceil(wanted / multiple) * multiple

    def _basket(self, customer, season: str) -> tuple[list, object]:
        rng = self.rng
        size = max(1, min(40, round(rng.gammavariate(2.5, 3.0))))
        size = min(size, len(self.products))
        chosen = {}
        attempts = 0
        while len(chosen) < size and attempts < size * 6:
            attempts += 1
            if rng.random() < 0.72:
                cum = customer.fav_cum
                product = customer.favourites[min(bisect_left(cum, rng.random() * cum[-1]), len(cum) - 1)]
            else:
                product = self._popular(season)
            if product.pk not in chosen:
                chosen[product.pk] = self._quantity(product, customer.scale)
        lines = [(self.by_id[pid], qty) for pid, qty in chosen.items()]
        while True:
            prices = [self._price(p, q) for p, q in lines]
            totals = order_totals(prices, payment_method=None, settings=self.settings)
            missing = self.settings.minimum_order_value - totals.goods_with_tax
            if missing <= 0:
                return list(zip((p for p, _q in lines), prices, strict=True)), totals
            product, _quantity = max(lines, key=lambda line: line[0].base_price)
            multiple = self.multiple[product.pk]
            steps = math.ceil(missing / (product.base_price * Decimal("1.19") * multiple)) or 1
            lines = [(p, q + steps * multiple if p is product else q) for p, q in lines]

    def _customer_for(self, day: date):
        if day != self.eligible_day:
            self.eligible_day = day
            self.eligible = [c for c in self.customers if c.start <= day and (c.end is None or day < c.end)]
            self.eligible_cum = list(accumulate(c.weight for c in self.eligible))
            self.owing = [
                c
                for c in self.customers
                if c.end is not None and c.end <= day < self.suspended_by and c.orders < SUSPENDED_FIRST_ORDERS
            ]
        for customer in self.owing:  # its drawn window was too short for its first orders
            if customer.orders < SUSPENDED_FIRST_ORDERS:
                return customer
        cum = self.eligible_cum
        if not cum:
            return None
        return self.eligible[min(bisect_left(cum, self.rng.random() * cum[-1]), len(cum) - 1)]

    def _place(self, placed: datetime, index: int) -> None:
        rng = self.rng
        day = timezone.localtime(placed, ALGIERS).date()
        customer = self._customer_for(day)
        if customer is None:
            return
        customer.orders += 1
        self._run_until(placed)  # everything due before this placement has happened
        lines, _goods = self._basket(customer, _season(day))
        prices = [price for _product, price in lines]
        method = PaymentMethod.CREDIT if rng.random() < customer.credit_share else PaymentMethod.CASH
        totals = order_totals(prices, payment_method=method, settings=self.settings)
        held = False
        if method == PaymentMethod.CREDIT and totals.total > customer.limit - customer.balance:
            if self.credit_policy == CreditPolicy.HOLD and rng.random() < 0.5:
                held = True
            else:  # the retailer pays this one cash on delivery instead
                method = PaymentMethod.CASH
                totals = order_totals(prices, payment_method=method, settings=self.settings)

        order_id = _uuid(self.ids)
        year = day.year
        self.numbers[year] += 1
        number = document_number("ORD", year, self.numbers[year])
        channel = Channel.ADMIN if rng.random() < 0.1 else Channel.PWA
        author = self.staff["sales"] if channel == Channel.ADMIN else rng.choice(customer.users)
        plan = self.calendar.plan(placed)
        staff, dispatch, driver = self.staff["sales"], self.staff["dispatch"], self.staff["driver"]

        # The order's story: (status reached, at, event type, actor, note).
        steps = [(OrderStatus.PENDING, placed, OrderEventType.PLACED, author, "")]
        cancel_reason, cancelled_by = "", None
        fate = rng.random()
        if held:
            steps.append((OrderStatus.ON_HOLD, placed, OrderEventType.HELD, None, ""))
            steps.append(
                (
                    OrderStatus.CANCELLED,
                    placed + timedelta(days=self.hold_days, minutes=rng.uniform(5, 90)),
                    "",
                    None,
                    "",
                )
            )
            cancel_reason = HOLD_EXPIRED
        elif fate < 0.045:  # the retailer cancels before confirmation
            cancel_reason, cancelled_by = rng.choice(RETAILER_CANCEL_REASONS), rng.choice(customer.users)
            steps.append((OrderStatus.CANCELLED, placed + timedelta(minutes=rng.uniform(5, 150)), "", cancelled_by, ""))
        else:
            steps.append((OrderStatus.CONFIRMED, plan["confirmed"], "", staff, ""))
            if fate < 0.09:  # cancelled by the back office after confirmation
                cancel_reason, cancelled_by = rng.choice(STAFF_CANCEL_REASONS), staff
                if rng.random() < 0.4:
                    steps.append((OrderStatus.PROCESSING, plan["processing"], "", dispatch, ""))
                    cancel_at = plan["processing"] + timedelta(minutes=rng.uniform(5, 60))
                else:
                    cancel_at = plan["confirmed"] + timedelta(minutes=rng.uniform(10, 180))
                    cancel_at = min(cancel_at, plan["processing"] - timedelta(minutes=1))
                    cancel_at = max(cancel_at, plan["confirmed"] + timedelta(minutes=1))
                steps.append((OrderStatus.CANCELLED, cancel_at, "", staff, ""))
            else:
                steps.append((OrderStatus.PROCESSING, plan["processing"], "", dispatch, ""))
                steps.append((OrderStatus.SHIPPED, plan["shipped"], "", dispatch, ""))
                if fate < 0.105:
                    cancel_reason = rng.choice(RETURN_REASONS)
                    returned_at = plan["shipped"] + timedelta(minutes=rng.uniform(60, 300))
                    steps.append((OrderStatus.RETURNED, returned_at, "", dispatch, ""))
                else:
                    steps.append((OrderStatus.DELIVERED, plan["delivered"], "", driver, ""))
        reached = [step for step in steps if step[1] <= self.now]
        status = reached[-1][0]
        at = {step[0]: step[1] for step in reached}

        # Stock now, and what comes back later.
        self._take(lines, placed, number, author)
        restock = [(product.pk, price.quantity) for product, price in lines]
        if OrderStatus.CANCELLED in at:
            self._later(at[OrderStatus.CANCELLED], ("restock", restock, StockReason.ORDER_CANCEL, number, cancelled_by))
        if OrderStatus.RETURNED in at:
            self._later(at[OrderStatus.RETURNED], ("restock", restock, StockReason.RETURN, number, dispatch))

        # Money: credit charged at placement (reversed on cancel/return), cash at delivery.
        total = totals.total
        if method == PaymentMethod.CREDIT and not held:
            self._ledger(
                customer, LedgerEntryKind.ORDER_CHARGE, total, placed, reason=number, order_id=order_id, actor=author
            )
            for undo in (OrderStatus.CANCELLED, OrderStatus.RETURNED):
                if undo in at:
                    self._later(
                        at[undo],
                        (
                            "ledger",
                            customer,
                            LedgerEntryKind.ORDER_REVERSAL,
                            -total,
                            order_id,
                            cancel_reason,
                            cancelled_by,
                        ),
                    )
            if OrderStatus.DELIVERED in at:  # settled after the payment terms, if that day has come
                terms = customer.terms + rng.randint(-5, 10) if customer.terms else rng.randint(1, 5)
                settle_day = timezone.localtime(at[OrderStatus.DELIVERED], ALGIERS).date() + timedelta(
                    days=max(terms, 1)
                )
                while not self.calendar.working(settle_day):
                    settle_day += timedelta(days=1)
                settle_at = _local(settle_day, 10 + (hash(customer.id) % 6))
                if settle_at <= self.now:
                    key = (customer.id, settle_day)
                    if key not in self.pending_payments:
                        self.pending_payments[key] = ZERO
                        self._later(settle_at, ("settle", customer, key))
                    self.pending_payments[key] += total
        elif method == PaymentMethod.CASH and OrderStatus.DELIVERED in at:
            # The driver collects the cash and closes the delivery, which posts the charge: the
            # payment comes first so a cash delivery never lifts the balance above the limit.
            self._later(at[OrderStatus.DELIVERED], ("cash", customer, total, order_id, number, driver))

        # Rows: the order, its lines and its events.
        address = customer.address
        last = reached[-1][1]
        self.orders.add(
            (
                order_id,
                placed,
                last,
                number,
                customer.id,
                author,
                channel,
                status,
                method,
                totals.subtotal,
                totals.tax_total,
                totals.delivery_fee,
                totals.discount_total,
                totals.stamp_duty,
                total,
                *address,
                plan["day"],
                plan["slot"],
                f"{SEED_KEY}{index + 1:07d}",
                hashlib.sha256(f"{SEED_KEY}{index}".encode()).hexdigest(),
                customer.language,
                cancel_reason if status in (OrderStatus.CANCELLED, OrderStatus.RETURNED) else "",
                cancelled_by if status == OrderStatus.CANCELLED else None,
                placed if held else None,
                at.get(OrderStatus.CONFIRMED),
                at.get(OrderStatus.PROCESSING),
                at.get(OrderStatus.SHIPPED),
                at.get(OrderStatus.DELIVERED),
                at.get(OrderStatus.CANCELLED),
                at.get(OrderStatus.RETURNED),
            )
        )
        for product, price in lines:
            self.items.add(
                (
                    _uuid(self.ids),
                    order_id,
                    product.pk,
                    product.sku,
                    product.name_ar or "",
                    product.name_fr or "",
                    product.name_en or "",
                    price.quantity,
                    price.unit_price,
                    price.tax_rate,
                    price.subtotal,
                    price.tax,
                    price.total,
                )
            )
        # The events come from the builders the services use (status before each step, total,
        # channel read from the order); the rows keep their own timestamps.
        story = self.story  # one unsaved order reused: the builders read pk, status, total, channel
        story.pk, story.status, story.total, story.channel = order_id, "", total, channel
        for to_status, moment, event_type, actor, _note in reached:
            event = _story_event(
                story,
                to_status,
                event_type,
                self._actor(actor),
                reason=cancel_reason,
                available_credit=customer.limit - customer.balance,
            )
            self.events.add(
                (
                    _uuid(self.ids),
                    order_id,
                    event.type,
                    event.from_status,
                    event.to_status,
                    event.actor_id,
                    event.note,
                    event.data,
                    moment,
                )
            )
            story.status = to_status
        self.stats[f"status:{status}"] += 1
        self.stats[f"method:{method}"] += 1
        self.stats["lines"] += len(lines)
        if status == OrderStatus.DELIVERED:
            self.revenue += total

    def _actor(self, user_id) -> User | None:
        """An unsaved user standing for `user_id` (the event builders take users, the seed ids)."""
        if user_id is None:
            return None
        if user_id not in self.actors:
            self.actors[user_id] = User(pk=user_id)
        return self.actors[user_id]

    # --- finishing --------------------------------------------------------------------------

    def _write_caches(self) -> None:
        """Product stock and retailer balances from the simulated ledgers, one bulk update each."""
        self.history.write_stock()
        retailers = [Retailer(pk=c.id, balance=c.balance) for c in self.customers]
        Retailer.objects.bulk_update(retailers, ["balance"], batch_size=2000)

    def run(self) -> None:
        self.by_id = {p.pk: p for p in self.products}
        self.numbers = numbers_in_use(
            "ORD", Order.objects.filter(number__startswith="ORD-").values_list("number", flat=True)
        )
        self.pending_payments: dict = {}
        self.eligible_day = None
        self._backdate_existing()
        self._setup_catalog_weights()
        self._setup_stock()
        self._setup_customers()
        moments = self._placements()
        progress = tqdm(total=len(moments), desc="orders", unit="order", file=sys.stderr, disable=None)
        for index, placed in enumerate(moments):
            self._place(placed, index)
            if index % 1000 == 999:
                progress.update(1000)
        progress.update(len(moments) % 1000)
        self._run_until(self.now)
        progress.close()
        for writer in (self.orders, self.items, self.events, self.movements, self.entries):
            writer.flush()
        self._write_caches()
        advance_numbering("ORD", self.numbers)
        statuses = ", ".join(
            f"{status} {self.stats[f'status:{status}']}"
            for status in OrderStatus.values
            if self.stats[f"status:{status}"]
        )
        self.out.write(
            f"  orders: {self.orders.written} orders ({statuses}); {self.items.written} lines; "
            f"{self.stats['method:credit']} on credit, {self.stats['method:cash']} cash; "
            f"delivered revenue {self.revenue:,.2f} DZD; {self.events.written} events, "
            f"{self.movements.written} stock movements, {self.entries.written} ledger entries "
            f"({self.stats['ledger:payment']} payments)"
        )
