"""Demo drivers and deliveries for `manage.py seed_demo`, consistent with the seeded order history
(small 6 drivers, standard 50, large 100).

- Drivers: users `driver.NNN` (role driver, the demo password, not listed one by one) with
  their Driver row: vehicle, capacity and stops by vehicle type, a licence valid for years,
  mostly available (a few off duty, one suspended). Every wilaya a retailer is in is served by
  at least one available driver. The demo `driver` account gets its Driver row too (Algiers and
  the demo retailer's wilaya), so the driver app has a driver behind it.
- Deliveries: one per order that reached `confirmed`, the snapshot `delivery_open` takes, its
  status and milestones told from the order's own (rules.ORDER_STATUSES can never disagree):
  confirmed/processing → pending (assigned when due by the next working day), shipped → picked up
  or in transit, delivered → delivered (cash collected, proof of delivery, some rated),
  returned → failed then cancelled with the order, cancelled → cancelled. Every step has its
  DeliveryEvent at its historical time, written with `RowWriter` (no model instances), and the
  DEL sequences move past the numbers used.

Deterministic (fixed random seeds) and idempotent: seeded drivers are kept when `driver.001`
exists, deliveries when any delivery exists.
"""

import random
import uuid
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db.models import DecimalField, F, Sum
from django.utils import timezone

from livrili.accounts.models import Language, Role, User
from livrili.accounts.phones import try_normalize_phone
from livrili.accounts.seed import DEMO_PASSWORD
from livrili.core.models import BusinessSettings, Wilaya
from livrili.core.numbering import document_number
from livrili.core.seeding import RowWriter, advance_numbering, numbers_in_use
from orders.models import Order, OrderItem, OrderStatus, PaymentMethod
from products.models import Product
from retailers.models import DeliveryAddress, Retailer

from .models import (
    Delivery,
    DeliveryEvent,
    DeliveryStatus,
    Driver,
    DriverStatus,
    FailureReason,
    Priority,
    ProofOfDelivery,
    VehicleType,
)

S = DeliveryStatus
SIZES = {"small": 6, "standard": 50, "large": 100}
USERNAME = "driver.{:03d}"
DEMO_DRIVER = "driver"
ALGIERS = "16"
WAREHOUSE = (Decimal("36.753800"), Decimal("3.058800"))  # Algiers, where demo routes start and end
CHUNK = 5_000  # orders read per query
ZERO = Decimal("0.00")
WEIGHT = DecimalField(max_digits=12, decimal_places=3)
NO_WEIGHT = Decimal("0.000")

FIRST_NAMES = [
    "Mohamed", "Ahmed", "Abdelkader", "Youcef", "Mustapha", "Omar", "Bilal", "Hamza", "Walid", "Sofiane",
    "Riad", "Farid", "Nassim", "Mehdi", "Amine", "Rachid", "Lyes", "Islam", "Tarek", "Hichem", "Djamel",
    "Salim", "Mourad", "Fodil", "Redouane", "Khaled", "Aissa", "Nadir", "Zakaria", "Abdelhak",
]  # fmt: skip
LAST_NAMES = [
    "Benali", "Bouzid", "Haddad", "Saidi", "Belkacem", "Mansouri", "Khelifi", "Zerrouki", "Cherif",
    "Meziane", "Hamidi", "Boudiaf", "Benyahia", "Brahimi", "Ait Ahmed", "Bensalem", "Touati", "Ouali",
    "Lounis", "Rahmani", "Belaid", "Ghozali", "Kaci", "Amrani", "Djebbar", "Slimani", "Hadjadj",
]  # fmt: skip
# (type, share of the fleet, capacity range kg, max stops, plate category digit, models)
VEHICLES = [
    (VehicleType.VAN, 55, (900, 1500), 25, 3, ("Renault Master", "Peugeot Boxer", "Hyundai H100", "Fiat Ducato")),
    (VehicleType.TRUCK, 20, (3500, 7000), 15, 2, ("Isuzu NPR", "Hyundai HD65", "JAC 1040", "Mercedes Atego")),
    (VehicleType.CAR, 15, (350, 500), 15, 1, ("Dacia Logan", "Renault Symbol", "Peugeot 301")),
    (VehicleType.MOTORCYCLE, 10, (60, 90), 30, 5, ("Yamaha Crypton", "SYM Orbit", "Honda Wave")),
]
RETURN_FAILURES = {  # orders/seed.py RETURN_REASONS → why the delivery failed
    "Refusé à la livraison": FailureReason.REFUSED,
    "Magasin fermé": FailureReason.CLOSED,
    "Produits endommagés": FailureReason.DAMAGED,
}
RATINGS = {5: 55, 4: 30, 3: 9, 2: 4, 1: 2}
FEEDBACK = {
    5: ("Livreur très aimable, merci", "Rapide et soigneux", "شكرا، التوصيل في الوقت"),
    4: ("Bien, un peu en retard", "Bon service", "Livraison correcte"),
    3: ("Carton abîmé", "Livreur pressé"),
    2: ("Retard important", "Pas prévenu avant d'arriver"),
    1: ("Livraison très en retard", "Livreur impoli"),
}
RECIPIENTS = ("Vendeur", "Gérant", "Employé du magasin")


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _at(day: date, hour: float) -> datetime:
    """An aware local (Africa/Algiers) datetime `hour` hours after midnight of `day`."""
    return timezone.make_aware(datetime.combine(day, time(0))) + timedelta(hours=hour)


def _minutes(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(minutes=rng.uniform(low, high))


# --- Drivers ----------------------------------------------------------------------------------


def _served_wilayas() -> list[str]:
    """Every wilaya a retailer, one of its addresses or a confirmed order's delivery is in."""
    codes = set(Retailer.objects.exclude(wilaya_id=None).values_list("wilaya_id", flat=True).distinct())
    codes |= set(DeliveryAddress.objects.exclude(wilaya_id=None).values_list("wilaya_id", flat=True).distinct())
    codes |= set(
        Order.objects.filter(confirmed_at__isnull=False)
        .exclude(delivery_wilaya_code="")
        .values_list("delivery_wilaya_code", flat=True)
        .distinct()
    )
    return sorted(Wilaya.objects.filter(code__in=codes).values_list("code", flat=True))


def _demo_driver(since: datetime) -> bool:
    """The demo `driver` account's Driver row (available, Algiers and the demo retailer's
    wilaya); False when the account is missing or already has one."""
    user = User.objects.filter(username=DEMO_DRIVER, role=Role.DRIVER).first()
    if user is None or Driver.objects.filter(user=user).exists():
        return False
    demo_shop = (
        DeliveryAddress.objects.filter(retailer__owner__username="retailer", is_default=True)
        .values_list("wilaya_id", flat=True)
        .first()
    )
    driver_id = _uuid(random.Random(16))
    plate = "00016-324-16"  # a van first registered in 2024 in Algiers
    if Driver.objects.filter(vehicle_plate=plate).exists():
        plate = "00017-324-16"
    writer = _driver_writer()
    writer.add(
        (
            driver_id,
            since,
            since,
            user.pk,
            try_normalize_phone(user.phone or "") or "",
            "160012345678",
            timezone.localdate() + timedelta(days=900),
            VehicleType.VAN,
            plate,
            "Renault Master",
            Decimal("1200.00"),
            25,
            DriverStatus.AVAILABLE,
        )
    )
    writer.flush()
    codes = [code for code in {ALGIERS, demo_shop} if code and Wilaya.objects.filter(code=code).exists()]
    Driver.wilayas.through.objects.bulk_create(
        [Driver.wilayas.through(driver_id=driver_id, wilaya_id=code) for code in sorted(codes)]
    )
    return True


def _driver_writer() -> RowWriter:
    return RowWriter(
        Driver,
        (
            "id",
            "created_at",
            "updated_at",
            "user_id",
            "phone",
            "license_number",
            "license_expiry",
            "vehicle_type",
            "vehicle_plate",
            "vehicle_model",
            "capacity_kg",
            "max_stops",
            "status",
        ),
    )


def _seed_drivers(count: int, wilayas: list[str], since: datetime, rng: random.Random) -> int:
    """`count` drivers: the last one suspended, the few before it off duty, the others available
    and covering `wilayas` round robin; each serves up to two more. Returns how many were written."""
    password = make_password(DEMO_PASSWORD)
    today = timezone.localdate()
    taken_phones = set(User.objects.exclude(phone=None).values_list("phone", flat=True))
    taken_plates = set(Driver.objects.values_list("vehicle_plate", flat=True))
    off_duty = max(count // 10, 1)
    statuses = [DriverStatus.AVAILABLE] * (count - off_duty - 1) + [DriverStatus.OFF_DUTY] * off_duty
    statuses.append(DriverStatus.SUSPENDED)
    available = [i for i, status in enumerate(statuses) if status == DriverStatus.AVAILABLE]
    served = defaultdict(set)
    for n, code in enumerate(wilayas):  # coverage: each wilaya has an available driver
        served[available[n % len(available)]].add(code)
    users, drivers, links = [], _driver_writer(), []
    serial = 10_000
    for index in range(count):
        kind, _share, (low, high), stops, category, models = rng.choices(VEHICLES, weights=[v[1] for v in VEHICLES])[0]
        if not served[index] and wilayas:  # beyond the round robin: a home wilaya
            served[index].add(rng.choice(wilayas))
        extra = [code for code in wilayas if code not in served[index]]
        served[index] |= set(rng.sample(extra, min(len(extra), rng.randint(0, 2))))
        phone = f"+21377{1_000_000 + index * 37:07d}"
        while phone in taken_phones:
            phone = f"+21379{rng.randint(1_000_000, 9_999_999):07d}"
        taken_phones.add(phone)
        plate_wilaya = sorted(served[index])[0] if served[index] else ALGIERS
        plate = f"{serial + index:05d}-{category}{rng.randint(15, 25):02d}-{plate_wilaya}"
        while plate in taken_plates:
            serial += 1000
            plate = f"{serial + index:05d}-{category}{rng.randint(15, 25):02d}-{plate_wilaya}"
        taken_plates.add(plate)
        joined = since - timedelta(days=rng.uniform(5, 400))
        user_id = _uuid(rng)
        users.append(
            User(
                id=user_id,
                username=USERNAME.format(index + 1),
                full_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                phone=phone,
                role=Role.DRIVER,
                preferred_language=rng.choice([Language.AR, Language.FR]),
                is_active=True,
                date_joined=joined,
                password=password,
            )
        )
        driver_id = _uuid(rng)
        capacity = Decimal(rng.randrange(low, high + 1, 10)).quantize(Decimal("0.01"))
        drivers.add(
            (
                driver_id,
                joined,
                joined,
                user_id,
                phone,
                f"{rng.randint(10**11, 10**12 - 1)}",
                today + timedelta(days=rng.randint(60, 1800)),
                kind,
                plate,
                rng.choice(models),
                capacity,
                stops,
                statuses[index],
            )
        )
        links += [Driver.wilayas.through(driver_id=driver_id, wilaya_id=code) for code in sorted(served[index])]
    User.objects.bulk_create(users)
    drivers.flush()
    Driver.wilayas.through.objects.bulk_create(links)
    return drivers.written


# --- Deliveries -------------------------------------------------------------------------------

ORDER_COLUMNS = (
    "id",
    "status",
    "payment_method",
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
    "cancel_reason",
    "confirmed_at",
    "shipped_at",
    "delivered_at",
    "cancelled_at",
    "returned_at",
    "created_at",  # the page key
)
DELIVERY_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "number",
    "order_id",
    "status",
    "driver_id",
    "priority",
    "scheduled_date",
    "address",
    "commune",
    "wilaya_code",
    "latitude",
    "longitude",
    "contact_name",
    "contact_phone",
    "weight_kg",
    "cash_to_collect",
    "cash_collected",
    "attempts",
    "failure_reason",
    "failure_note",
    "estimated_at",
    "assigned_at",
    "picked_up_at",
    "delivered_at",
    "failed_at",
    "cancelled_at",
    "rating",
    "feedback",
    "rated_at",
)
PROOF_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "delivery_id",
    "recipient_name",
    "latitude",
    "longitude",
    "captured_at",
    "received_at",
)
EVENT_COLUMNS = ("id", "delivery_id", "from_status", "to_status", "actor_id", "latitude", "longitude", "note", "data")


class _Fleet:
    """The drivers by wilaya served, for choosing a delivery's driver."""

    def __init__(self):
        self.user = {}
        self.capacity = {}
        self.by_wilaya = defaultdict(list)
        self.available_by_wilaya = defaultdict(list)
        self.everyone, self.available = [], []
        rows = Driver.objects.order_by("user__username").values_list("pk", "user_id", "capacity_kg", "status")
        for pk, user_id, capacity, status in rows:
            self.user[pk], self.capacity[pk] = user_id, capacity
            self.everyone.append(pk)
            if status == DriverStatus.AVAILABLE:
                self.available.append(pk)
        self.smallest = min(self.capacity.values(), default=Decimal("0"))
        available = set(self.available)
        links = Driver.wilayas.through.objects.order_by("driver__user__username", "wilaya_id")
        for driver_id, code in links.values_list("driver_id", "wilaya_id"):
            self.by_wilaya[code].append(driver_id)
            if driver_id in available:
                self.available_by_wilaya[code].append(driver_id)

    def pick(self, rng: random.Random, wilaya: str, weight: Decimal, *, now: bool):
        """A driver serving `wilaya` (an available one for work due now), with room for the load
        when one has it; None when nobody does."""
        pool = (self.available_by_wilaya if now else self.by_wilaya).get(wilaya) or (
            self.available if now else self.everyone
        )
        if not pool:
            return None
        if weight > self.smallest:
            pool = [pk for pk in pool if self.capacity[pk] >= weight] or pool
        return rng.choice(pool)


class _Deliveries:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.ids = random.Random(11)  # ids from their own stream: the story does not depend on them
        self.now = timezone.now()
        self.zone = timezone.get_default_timezone()
        self.today = timezone.localdate(self.now)
        self.next_day = self.today + timedelta(days=1)  # the next delivery day: planned the day before
        working_days = set(BusinessSettings.load().working_days) or set(range(1, 8))
        while self.next_day.isoweekday() not in working_days:
            self.next_day += timedelta(days=1)
        self.fleet = _Fleet()
        self.staff = dict(
            User.objects.filter(username__in=("sales", "dispatch")).values_list("username", "pk")
        )  # the actors orders/seed.py uses for confirmations and returns
        self.numbers = numbers_in_use("DEL", Delivery.objects.values_list("number", flat=True))
        self.deliveries = RowWriter(Delivery, DELIVERY_COLUMNS)
        self.events = RowWriter(DeliveryEvent, (*EVENT_COLUMNS, "created_at"))
        self.proofs = RowWriter(ProofOfDelivery, PROOF_COLUMNS)
        self.stats = Counter()

    def run(self) -> None:
        """Confirmed orders in placement order (the indexed `created_at`), a page at a time."""
        orders = (
            Order.objects.filter(confirmed_at__isnull=False).order_by("created_at", "pk").values_list(*ORDER_COLUMNS)
        )
        weights = self._weights()
        last = None
        while True:
            chunk = list((orders.filter(created_at__gt=last) if last else orders)[:CHUNK])
            if not chunk:
                break
            last = chunk[-1][-1]
            if len(chunk) == CHUNK:  # orders placed at the same instant stay in one page
                seen = [row[0] for row in chunk]
                chunk += list(orders.filter(created_at=last).exclude(pk__in=seen))
            for row in chunk:
                self._deliver(row[:-1], weights.get(row[0], NO_WEIGHT).quantize(NO_WEIGHT))
        for writer in (self.deliveries, self.events, self.proofs):
            writer.flush()
        advance_numbering("DEL", self.numbers)

    @staticmethod
    def _weights() -> dict:
        """Σ quantity × product weight of every confirmed order with a weighed product, in one
        grouped query (an order without one weighs 0; so does every order of a catalog without
        weights, the demo one, which costs no query over the lines at all)."""
        weighed = Product.objects.filter(weight_kg__gt=0)
        if not weighed.exists():
            return {}
        return dict(
            OrderItem.objects.filter(order__confirmed_at__isnull=False, product__in=weighed)
            .values_list("order_id")
            .annotate(weight=Sum(F("quantity") * F("product__weight_kg"), output_field=WEIGHT))
            .order_by()
        )

    def _deliver(self, row: tuple, weight: Decimal) -> None:
        (
            order_id,
            order_status,
            method,
            total,
            address,
            commune,
            wilaya,
            latitude,
            longitude,
            contact_name,
            contact_phone,
            day,
            slot,
            reason,
            confirmed_at,
            shipped_at,
            delivered_at,
            cancelled_at,
            returned_at,
        ) = row
        rng = self.rng
        delivery_id = _uuid(self.ids)
        year = confirmed_at.astimezone(self.zone).year  # the year `next_number` would have used
        self.numbers[year] += 1
        cash = total if method == PaymentMethod.CASH else ZERO
        here = (latitude, longitude)
        nowhere = (None, None)
        # The delivery's story: (status reached, at, actor, event data, note, where), in time order.
        story = [(S.PENDING, confirmed_at, self.staff.get("sales"), {}, "", nowhere)]
        delivery = {
            "driver": None,
            "cash_collected": None,
            "attempts": 0,
            "failure_reason": "",
            "failure_note": "",
            "estimated_at": None,
            "rating": None,
            "feedback": "",
            "rated_at": None,
        }

        def assign(at: datetime, *, now: bool) -> None:
            driver = self.fleet.pick(rng, wilaya, weight, now=now)
            if driver is not None:  # else nobody drives: an operator's counter pickup
                delivery["driver"], delivery["attempts"] = driver, 1
                data = {"driver": str(driver), "attempts": "1"}
                story.append((S.ASSIGNED, at, self.staff.get("dispatch"), data, "", nowhere))

        def road(to_status: str, at: datetime, data=None, note="", where=nowhere) -> None:
            story.append((to_status, at, self.fleet.user.get(delivery["driver"]), data or {}, note, where))

        if order_status in (OrderStatus.CONFIRMED, OrderStatus.PROCESSING):
            if day <= self.today or (day == self.next_day and rng.random() < 0.7):  # dispatch planned it
                at = confirmed_at + _minutes(rng, 15, 180)
                if at >= self.now:
                    at = confirmed_at + (self.now - confirmed_at) * rng.uniform(0.3, 0.9)
                if at > confirmed_at:
                    assign(at, now=True)
                    if delivery["driver"] is not None:
                        hour = rng.uniform(9, 12) if slot != "afternoon" else rng.uniform(13.5, 16.5)
                        delivery["estimated_at"] = _at(day, hour)
        elif order_status == OrderStatus.CANCELLED:
            story.append((S.CANCELLED, cancelled_at, self.staff.get("sales"), {}, reason, nowhere))
        else:  # shipped, delivered or returned: its driver picked it up when the order shipped
            assigned_at = shipped_at - _minutes(rng, 20, 90)
            if assigned_at <= confirmed_at:
                assigned_at = confirmed_at + (shipped_at - confirmed_at) / 2
            assign(assigned_at, now=order_status == OrderStatus.SHIPPED)
            road(S.PICKED_UP, shipped_at)
            delivery["estimated_at"] = shipped_at + _minutes(rng, 45, 200)
            moving = shipped_at + _minutes(rng, 2, 15)
            if order_status == OrderStatus.SHIPPED:
                if moving <= self.now and rng.random() < 0.7:
                    road(S.IN_TRANSIT, moving)
            elif order_status == OrderStatus.DELIVERED:
                if rng.random() < 0.8:
                    road(S.IN_TRANSIT, moving)
                # on time (by its ETA, deliveries.selectors.on_time) but for a few
                if rng.random() < 0.08:
                    eta = max(delivered_at - _minutes(rng, 5, 45), shipped_at + timedelta(minutes=10))
                else:
                    eta = delivered_at + _minutes(rng, 0, 50)
                delivery["estimated_at"] = eta
                data = {}
                if cash:
                    delivery["cash_collected"] = cash
                    data["cash_collected"] = str(cash)
                received = delivered_at - timedelta(seconds=rng.uniform(30, 180))  # the proof comes first
                recipient = contact_name if contact_name and rng.random() < 0.7 else rng.choice(RECIPIENTS)
                self.proofs.add(
                    (_uuid(self.ids), received, received, delivery_id, recipient, *here, received, received)
                )
                road(S.DELIVERED, delivered_at, data, where=here)
                rated_at = delivered_at + _minutes(rng, 10, 2880)
                if rated_at <= self.now and rng.random() < 0.3:
                    rating = rng.choices(list(RATINGS), weights=list(RATINGS.values()))[0]
                    delivery["rating"], delivery["rated_at"] = rating, rated_at
                    if rng.random() < 0.4:
                        delivery["feedback"] = rng.choice(FEEDBACK[rating])
            else:  # returned: the delivery failed on the road, then followed the order's return
                road(S.IN_TRANSIT, moving)
                failure = RETURN_FAILURES.get(reason) or rng.choice(
                    [FailureReason.ABSENT, FailureReason.NO_CASH, FailureReason.OTHER]
                )
                delivery["failure_reason"], delivery["failure_note"] = failure, reason
                data = {"failure_reason": failure, "failure_note": reason}
                road(S.FAILED, moving + _minutes(rng, 20, 40), data, reason, where=here)
                story.append((S.CANCELLED, returned_at, self.staff.get("dispatch"), {}, reason, nowhere))

        status, last_at = story[-1][0], story[-1][1]
        at = {step[0]: step[1] for step in story}
        self.deliveries.add(
            (
                delivery_id,
                confirmed_at,
                max(last_at, delivery["rated_at"] or last_at),
                document_number("DEL", year, self.numbers[year]),
                order_id,
                status,
                delivery["driver"],
                Priority.HIGH if rng.random() < 0.05 else Priority.NORMAL,
                day,
                address,
                commune,
                wilaya,
                latitude,
                longitude,
                contact_name,
                contact_phone,
                weight,
                cash,
                delivery["cash_collected"],
                delivery["attempts"],
                delivery["failure_reason"],
                delivery["failure_note"],
                delivery["estimated_at"],
                at.get(S.ASSIGNED),
                at.get(S.PICKED_UP),
                at.get(S.DELIVERED),
                at.get(S.FAILED),
                at.get(S.CANCELLED),
                delivery["rating"],
                delivery["feedback"],
                delivery["rated_at"],
            )
        )
        previous = ""
        for to_status, moment, actor, data, note, (lat, lng) in story:
            self.events.add((_uuid(self.ids), delivery_id, previous, to_status, actor, lat, lng, note, data, moment))
            previous = to_status
        self.stats[status] += 1


def _warehouse() -> None:
    """Route planning starts at the warehouse: the demo's is in Algiers (kept when set)."""
    settings = BusinessSettings.load()
    if settings.warehouse_latitude is None or settings.warehouse_longitude is None:
        settings.warehouse_address = settings.warehouse_address or "Zone industrielle Oued Smar, Alger"
        settings.warehouse_latitude, settings.warehouse_longitude = WAREHOUSE
        settings.save(update_fields=["warehouse_address", "warehouse_latitude", "warehouse_longitude"])


def run(*, size: str, out) -> list[tuple[str, str, str]]:
    rng = random.Random(20260303)
    count = SIZES[size]
    _warehouse()
    first = Order.objects.order_by("created_at").values_list("created_at", flat=True).first()
    since = (first or timezone.now()) - timedelta(days=30)  # drivers were hired before the history
    wilayas = _served_wilayas()
    accounts = []
    demo = _demo_driver(since)
    if User.objects.filter(username=USERNAME.format(1)).exists():
        out.write("  deliveries: demo drivers already present, kept")
    else:
        written = _seed_drivers(count, wilayas, since, rng)
        demo_note = " and the demo driver's row" if demo else ""
        out.write(f"  deliveries: {written} drivers serving {len(wilayas)} wilayas{demo_note}")
    seeded = User.objects.filter(username__startswith="driver.", role=Role.DRIVER)
    last = seeded.order_by("-username").values_list("username", flat=True).first()
    if last:  # one line for them all: they are not walkthrough accounts
        accounts.append(("drivers (seeded)", f"{USERNAME.format(1)} … {last}", DEMO_PASSWORD))
    if Delivery.objects.exists():
        out.write("  deliveries: deliveries already present, kept")
        return accounts
    work = _Deliveries(random.Random(20260304))  # its own stream: the same whether drivers were kept or not
    work.run()
    statuses = ", ".join(f"{status} {work.stats[status]}" for status in S.values if work.stats[status])
    out.write(
        f"  deliveries: {work.deliveries.written} deliveries ({statuses}); {work.events.written} events, "
        f"{work.proofs.written} proofs of delivery"
    )
    return accounts
