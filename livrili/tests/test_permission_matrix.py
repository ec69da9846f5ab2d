"""The permission matrix (quality.md "Security"), declared in `permission_matrix.py`.

One test per operation builds a small world (two active retailers A and B, a pending
retailer P, a suspended one, two drivers, two staff users, a catalog, carts, orders,
addresses, documents, members) and calls the operation as each identity, each call in its
own savepoint rolled back afterwards, so every identity meets the same world. It checks:
- the status (and error code) declared for that identity;
- a refused call (any non-2xx outcome) changed no table: row counts and max(updated_at) of
  every model table, read in one query before and after;
- a successful answer to anyone but "staff with it" carries no id of another tenant's rows
  (retailers, their members, addresses, documents, orders, ledger, cart) nor of another user.
"""

import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from drf_spectacular.generators import EndpointEnumerator
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from analytics.models import Alert
from analytics.services import report_schedule_create
from billing.models import Invoice, Payment
from billing.services.handovers import handover_create
from billing.services.payments import payment_record
from deliveries.models import Delivery, Driver
from deliveries.services.lifecycle import delivery_assign, delivery_report
from livrili.accounts import services as account_services
from livrili.accounts.models import PasswordResetCode, User
from livrili.core.models import BusinessSettings, Wilaya
from livrili.tests.permission_matrix import (
    ALL,
    IDENTITIES,
    IDENTITY_NAMES,
    MATRIX,
    PASSWORD,
    TENANT_OWNED,
    WORLD_KEY,
    pdf,
    place_body,
    png,
)
from notifications.models import Broadcast, NotificationTemplate
from notifications.services import notify
from orders.models import CartItem, Order
from orders.services.cart import cart_add
from orders.services.lifecycle import order_confirm
from orders.services.placement import LineRequest, order_place
from products.services.categories import category_create
from products.services.images import product_image_add
from products.services.products import product_create, product_view_record
from products.services.stock import stock_adjust
from products.services.suppliers import supplier_save
from products.services.tags import tag_save
from retailers import services as retailer_services
from retailers.models import LedgerEntry, Retailer

API_PREFIX = "/api/v1/"
DEFAULT_CODES = {400: "VALIDATION_ERROR", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "CONFLICT"}


# --- The operations of the URL conf -------------------------------------------------------------


class AllApiEndpoints(EndpointEnumerator):
    """drf-spectacular's enumerator, keeping every /api/v1/ route, even one hidden from the
    schema or served by a plain Django view (its methods then come from its handlers)."""

    def should_include_endpoint(self, path, callback):
        return path.startswith(API_PREFIX)

    def get_allowed_methods(self, callback):
        if hasattr(callback, "cls"):
            return super().get_allowed_methods(callback)
        view_class = getattr(callback, "view_class", None)
        if view_class is None:
            return ["ANY"]  # a function view: no way to know its methods, declare them by hand
        return [
            m.upper() for m in view_class.http_method_names if m not in ("options", "head") and hasattr(view_class, m)
        ]


def api_operations() -> set[tuple[str, str]]:
    return {(method, path) for path, _regex, method, _callback in AllApiEndpoints().get_api_endpoints()}


def shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


# --- The world ----------------------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, User | None]
    spare: User  # whose account the anonymous caller uses on public endpoints
    objects: dict[str, object]  # name → object or id, for path templates and bodies
    own: dict[str, dict[str, object]]  # identity → its own tenant-owned objects
    private: dict[str, set[str]]  # tenant → ids only that tenant (or staff) may see
    tenant_of: dict[str, str | None]  # identity → its tenant
    clients: dict[str, APIClient] = field(default_factory=dict)

    def resolve(self, name: str, identity: str) -> str:
        if name in TENANT_OWNED and name in self.own.get(identity, {}):
            value = self.own[identity][name]
        else:
            value = self.objects[name]
        return str(getattr(value, "pk", value))


def _owner(username: str, phone: str, **retailer_fields) -> User:
    retailer = Retailer.objects.create(
        business_name=f"Shop {username}",
        wilaya_id="16",
        status="active",
        credit_limit=Decimal("100000.00"),
        rc_number=f"RC-{username}",
        nif=f"NIF-{username}",
        **retailer_fields,
    )
    user = User.objects.create_user(
        username=username, password=PASSWORD, role="retailer", retailer=retailer, phone=phone
    )
    Retailer.objects.filter(pk=retailer.pk).update(owner=user)
    retailer.owner = user
    return user


def _tenant(owner: User, product, *, member_phone: str, key: str) -> dict[str, object]:
    """A retailer's own rows: a default address, a document, a member, an order, a cart line."""
    retailer = owner.retailer
    address = retailer_services.address_create(retailer=retailer, actor=owner, address=f"{key} street", wilaya_id="16")
    document = retailer_services.document_upload(retailer=retailer, actor=owner, type="business_license", file=pdf())
    member = User.objects.create_user(
        username=f"member.{key}", password=PASSWORD, role="retailer", retailer=retailer, phone=member_phone
    )
    order, _replayed = order_place(
        retailer=retailer,
        actor=owner,
        payment_method="cash",
        idempotency_key=f"world-{key}",
        fingerprint="world",
        channel="admin",
        lines=[LineRequest(product_id=product.pk, quantity=20)],
    )
    cart_add(retailer=retailer, actor=owner, product_id=product.pk, quantity=20)
    return {"address": address, "document": document, "member": member, "order": order}


def _routes_world(users: dict, owner: User, product) -> tuple[dict[str, object], dict[str, set[str]]]:
    """Routes (d-routes): drivers A and B serving wilaya 16, the warehouse's location, and driver
    A's planned route of today over one delivery (an order of `owner`, confirmed). Returns the
    world objects and each driver's private ids."""
    from deliveries.models import Delivery, Driver
    from deliveries.services.routes import route_plan
    from orders.services.lifecycle import order_confirm

    settings = BusinessSettings.load()
    settings.warehouse_latitude, settings.warehouse_longitude = Decimal("36.753800"), Decimal("3.058800")
    settings.save()
    today = timezone.localdate()
    drivers = {}
    for identity, plate in (("drv_a", "00001-116-16"), ("drv_b", "00002-116-16")):
        drivers[identity] = Driver.objects.create(
            user=users[identity],
            vehicle_type="van",
            vehicle_plate=plate,
            capacity_kg=Decimal("800.00"),
            status="available",
            license_expiry=today + timedelta(days=365),
        )
        drivers[identity].wilayas.set(["16"])
    order, _replayed = order_place(
        retailer=owner.retailer,
        actor=owner,
        payment_method="cash",
        idempotency_key="world-route",
        fingerprint="world",
        channel="admin",
        lines=[LineRequest(product_id=product.pk, quantity=20)],
    )
    order_confirm(order=order, actor=None)
    delivery = Delivery.objects.get(order=order)
    Delivery.objects.filter(pk=delivery.pk).update(
        scheduled_date=today, wilaya_code="16", latitude=Decimal("36.737200"), longitude=Decimal("3.086500")
    )
    [route] = route_plan(day=today, driver_ids=[drivers["drv_a"].pk], actor=None, time_limit_seconds=0.2).routes
    objects = {"route": route, "route_date": today.isoformat(), "route_delivery": delivery}
    private = {"drv_a": {str(drivers["drv_a"].pk), str(route.pk)}, "drv_b": {str(drivers["drv_b"].pk)}}
    return objects, private


def build_world() -> World:
    Wilaya.objects.get_or_create(code="16", defaults={"name_ar": "الجزائر", "name_fr": "Alger", "name_en": "Algiers"})
    settings = BusinessSettings.load()
    settings.credit_policy = "hold"
    settings.save()

    category = category_create(actor=None, name_ar="بقالة", name_fr="Épicerie", name_en="Grocery")
    category_empty = category_create(actor=None, name_ar="فارغ", name_fr="Vide", name_en="Empty")
    product = product_create(
        actor=None,
        sku="MX-0001",
        barcode="4006381333931",
        name_ar="منتج",
        name_fr="Produit",
        name_en="Product",
        category=category,
        base_price=Decimal("100.00"),
    )
    stock_adjust(actor=None, product=product, operation="set", quantity=10_000)
    product_spare = product_create(
        actor=None,
        sku="MX-0002",
        name_ar="آخر",
        name_fr="Autre",
        name_en="Other",
        category=category,
        base_price=Decimal("50.00"),
    )
    image = product_image_add(actor=None, product=product, image=png())
    tag = tag_save(actor=None, name_ar="عضوي", name_fr="Bio", name_en="Organic")
    tag_target = tag_save(actor=None, name_ar="طبيعي", name_fr="Naturel", name_en="Natural")
    supplier = supplier_save(actor=None, name="Ifri", code="IFR")

    owner_a = _owner("owner.a", "0661000001")
    owner_b = _owner("owner.b", "0661000002")
    owner_p = _owner("owner.p", "0661000003")
    suspended = Retailer.objects.create(business_name="Suspended", wilaya_id="16", status="suspended")
    own_a = _tenant(owner_a, product, member_phone="0661000011", key="a")
    own_b = _tenant(owner_b, product, member_phone="0661000012", key="b")
    # P placed its order while it was active; it is pending now (a non-active retailer's own rows).
    own_p = _tenant(owner_p, product, member_phone="0661000013", key="p")
    Retailer.objects.filter(pk=owner_p.retailer_id).update(status="pending", approved_at=None)
    owner_p.retailer.refresh_from_db()
    # A credit order over A's limit waits on hold (credit policy "hold").
    Retailer.objects.filter(pk=owner_a.retailer_id).update(credit_limit=Decimal("0.00"))
    on_hold, _replayed = order_place(
        retailer=owner_a.retailer,
        actor=owner_a,
        payment_method="credit",
        idempotency_key="world-hold",
        fingerprint="world",
        channel="admin",
        lines=[LineRequest(product_id=product.pk, quantity=20)],
    )
    assert on_hold.status == "on_hold"
    Retailer.objects.filter(pk=owner_a.retailer_id).update(credit_limit=Decimal("100000.00"))
    product_view_record(user=owner_a, product=product)

    users = {
        "anon": None,
        "ret_a": owner_a,
        "ret_b": owner_b,
        "pend": owner_p,
        "drv_a": User.objects.create_user(username="driver.a", password=PASSWORD, role="driver"),
        "drv_b": User.objects.create_user(username="driver.b", password=PASSWORD, role="driver"),
        "st_no": User.objects.create_user(username="staff.none", password=PASSWORD, role="admin"),
        "st_ok": User.objects.create_user(username="staff.perm", password=PASSWORD, role="admin"),
    }
    spare = User.objects.create_user(username="spare.driver", password=PASSWORD, role="driver")

    # Retailer A places an order through the API with WORLD_KEY; its cart is then filled again.
    clients = {}
    for index, identity in enumerate(IDENTITIES, start=1):
        client = APIClient(REMOTE_ADDR=f"10.0.0.{index}")  # own throttle buckets per identity
        if users[identity] is not None:
            token = RefreshToken.for_user(users[identity]).access_token
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        clients[identity] = client
    placed = clients["ret_a"].post(
        "/api/v1/retailers/orders",
        place_body(str(own_a["address"].pk)),
        format="json",
        HTTP_IDEMPOTENCY_KEY=WORLD_KEY,
    )
    assert placed.status_code == 201, placed.content
    cart_add(retailer=owner_a.retailer, actor=owner_a, product_id=product.pk, quantity=20)

    route_objects, route_private = _routes_world(users, owner_b, product)

    def tenant_ids(owner, own) -> set[str]:
        retailer_id = owner.retailer_id
        ids = {retailer_id, owner.pk, *(getattr(obj, "pk", obj) for obj in own.values())}
        ids |= set(LedgerEntry.objects.filter(retailer_id=retailer_id).values_list("pk", flat=True))
        ids |= set(Order.objects.filter(retailer_id=retailer_id).values_list("pk", flat=True))
        ids |= set(CartItem.objects.filter(retailer_id=retailer_id).values_list("pk", flat=True))
        ids |= set(User.objects.filter(retailer_id=retailer_id).values_list("pk", flat=True))
        return {str(i) for i in ids}

    private = {
        "A": tenant_ids(owner_a, own_a),
        "B": tenant_ids(owner_b, own_b),
        "P": tenant_ids(owner_p, own_p),
        "S": {str(suspended.pk)},
        **{identity: {str(users[identity].pk)} for identity in ("drv_a", "drv_b", "st_no", "st_ok")},
    }
    for identity, ids in route_private.items():
        private[identity] |= ids
    tenant_of = {"anon": None, "ret_a": "A", "ret_b": "B", "pend": "P"}
    tenant_of.update({identity: identity for identity in ("drv_a", "drv_b", "st_no", "st_ok")})

    delivery_objects = _deliveries_world(users, owner_a, product, private)
    # Retailer A's inbox holds one notification (nobody else may read it)
    notified = notify("order_shipped", [owner_a], {"order_number": "W-1"})
    notification = next(row for row in notified if row.channel == "in_app")
    private["A"] |= {str(n.pk) for n in owner_a.notifications.all()}

    world = World(
        users=users,
        spare=spare,
        objects={
            **delivery_objects,
            **own_a,
            "category": category,
            "category_empty": category_empty,
            "product": product,
            "product_spare": product_spare,
            "sku": product.sku,
            "barcode": product.barcode,
            "image": image,
            "tag": tag,
            "tag_target": tag_target,
            "supplier": supplier,
            "user": users["drv_b"],
            "retailer_a": owner_a.retailer_id,
            "retailer_pending": owner_p.retailer_id,
            "retailer_suspended": suspended,
            "order_on_hold": on_hold,
            "notification": notification,
            "notification_template": NotificationTemplate.objects.get(event="order_shipped", channel="email"),
            "broadcast": Broadcast.objects.create(body_fr="Promo", channels=["in_app"], segment={"wilayas": ["16"]}),
            "report_type": "sales",
            "report_schedule": report_schedule_create(
                actor=None,
                report_type="sales",
                frequency="daily",
                file_format="csv",
                recipients=["direction@example.dz"],
                language="fr",
            ),
            "alert": Alert.objects.create(
                type="low_stock",
                severity="warning",
                key=f"low_stock:{product.pk}",
                object_type="products.product",
                object_id=str(product.pk),
                object_repr=product.sku,
                data={"sku": product.sku, "stock": 0, "threshold": 10},
            ),
            **route_objects,
        },
        own={"pend": own_p},
        private=private,
        tenant_of=tenant_of,
    )
    world.clients = clients
    return world


def _order(owner: User, product, key: str) -> Order:
    order, _replayed = order_place(
        retailer=owner.retailer,
        actor=owner,
        payment_method="cash",
        idempotency_key=f"world-{key}",
        fingerprint="world",
        channel="admin",
        lines=[LineRequest(product_id=product.pk, quantity=20)],
    )
    return order


def _deliveries_world(users: dict, owner: User, product, private: dict[str, set[str]]) -> dict[str, object]:
    """Deliveries API: drivers A and B as Driver rows (kept when the routes world made them), and
    two confirmed orders of `owner`: one delivery waits for a driver, the other is driver A's,
    picked up (so a proof, a status update and the operator's status all apply to it)."""
    drivers = {}
    for identity, plate in (("drv_a", "00001-116-16"), ("drv_b", "00002-116-16")):
        drivers[identity], _created = Driver.objects.get_or_create(
            user=users[identity],
            defaults={
                "vehicle_type": "van",
                "vehicle_plate": plate,
                "capacity_kg": Decimal("800.00"),
                "status": "available",
                "license_expiry": timezone.localdate() + timedelta(days=365),
            },
        )
    delivery_pending, delivery, delivered = (
        Delivery.objects.get(order=order_confirm(order=_order(owner, product, key), actor=users["st_ok"]))
        for key in ("dispatch-1", "dispatch-2", "dispatch-3")
    )
    for moving in (delivery, delivered):
        delivery_assign(delivery=moving, driver=drivers["drv_a"], actor=None)
    delivery = delivery_report(delivery=delivery, actor=users["drv_a"], status="picked_up", operator=False)
    for status in ("picked_up", "delivered"):  # the retailer's to rate
        delivered = delivery_report(
            delivery=delivered, actor=users["st_ok"], status=status, operator=True, override_reason="At the counter"
        )
    private["drv_a"] |= {str(drivers["drv_a"].pk), str(delivery.pk)}
    private["drv_b"] |= {str(drivers["drv_b"].pk)}
    invoice = Invoice.objects.get(order_id=delivered.order_id)  # issued on delivery (billing)
    private["A"] |= {str(delivery_pending.order_id), str(delivery.order_id), str(delivered.order_id), str(invoice.pk)}
    return {
        "delivery": delivery,
        "delivery_pending": delivery_pending,
        "driver_a": drivers["drv_a"],
        "order_delivered": delivered.order_id,
        "invoice": invoice,
        **_payments_world(users, owner, product, drivers["drv_a"], private),
    }


def _payments_world(users: dict, owner: User, product, driver: Driver, private: dict[str, set[str]]) -> dict:
    """Billing's payments: a confirmed cheque of `owner` (to bounce or cancel), and two cash stops
    of driver A today: one already counted in a handover (to approve), one still to hand over."""
    cheque, _replayed = payment_record(
        retailer=owner.retailer, amount=Decimal("100.00"), method="cheque", actor=users["st_ok"]
    )
    stops = []
    for key in ("cash-1", "cash-2"):
        stop = Delivery.objects.get(order=order_confirm(order=_order(owner, product, key), actor=users["st_ok"]))
        delivery_assign(delivery=stop, driver=driver, actor=None)
        for status in ("picked_up", "delivered"):
            stop = delivery_report(
                delivery=stop,
                actor=users["st_ok"],
                status=status,
                operator=True,
                override_reason="At the counter",
                cash_collected=stop.cash_to_collect if status == "delivered" else None,
            )
        stops.append(Payment.objects.get(delivery=stop))
        private["A"] |= {str(stop.order_id), str(Invoice.objects.get(order_id=stop.order_id).pk)}
    handover = handover_create(
        driver=driver,
        day=timezone.localdate(),
        counted_amount=stops[0].amount,
        actor=users["st_ok"],
        payment_ids=[stops[0].pk],
    )
    private["A"] |= {str(cheque.pk), *(str(p.pk) for p in stops)}
    return {"payment": cheque, "handover": handover, "today": timezone.localdate().isoformat()}


def grant(user: User, perms: tuple[str, ...]) -> None:
    for perm in perms:
        if perm.startswith("group:"):
            user.groups.add(Group.objects.get(name=perm.removeprefix("group:")))
        else:
            app_label, codename = perm.split(".")
            user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


class Call:
    """What a row's body builder sees: world ids resolved for the caller, and its account."""

    def __init__(self, world: World, identity: str):
        self.world, self.identity = world, identity
        self.user = world.users[identity] or world.spare

    def __getitem__(self, name: str) -> str:
        return self.world.resolve(name, self.identity)

    @property
    def username(self) -> str:
        return self.user.username

    def refresh_token(self) -> str:
        return str(RefreshToken.for_user(self.user))

    def reset_code(self) -> str:
        code = "246810"
        PasswordResetCode.objects.create(
            user=self.user,
            code_hash=account_services._code_hash(self.user, code),
            expires_at=timezone.now() + timedelta(minutes=15),
        )
        return code


# --- Side effects -------------------------------------------------------------------------------


def _tables() -> list[tuple[str, bool]]:
    seen, tables = set(), []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table in seen:
            continue
        seen.add(meta.db_table)
        has_updated = any(f.column == "updated_at" for f in meta.concrete_fields)
        tables.append((meta.db_table, has_updated))
    return sorted(tables)


def fingerprint() -> dict[str, tuple]:
    """Row count and max(updated_at) of every model table, in one query."""
    quote = connection.ops.quote_name
    latest = f"MAX({quote('updated_at')})"
    parts = [  # table names come from the model registry, not from input
        f"SELECT '{table}', COUNT(*), {latest if has_updated else 'NULL'} FROM {quote(table)}"  # noqa: S608
        for table, has_updated in _tables()
    ]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        return {table: (count, str(latest)) for table, count, latest in cursor.fetchall()}


def changed_tables(before: dict, after: dict) -> dict:
    return {t: (before.get(t), after.get(t)) for t in sorted(set(before) | set(after)) if before.get(t) != after.get(t)}


# --- One case -----------------------------------------------------------------------------------


def expected_status_and_code(outcome: str) -> tuple[int | None, str | None]:
    if outcome == "ok":
        return None, None
    status, _sep, code = outcome.partition(":")
    return int(status), code or DEFAULT_CODES[int(status)]


def run_case(world: World, key: tuple[str, str], identity: str) -> list[str]:
    """Call the operation as `identity`; the problems found (empty when the case holds)."""
    method, _route = key
    row = MATRIX[key]
    expected = row.outcomes()[identity]
    call = Call(world, identity)
    path = re.sub(r"\{(\w+)\}", lambda m: call[m.group(1)], row.path or key[1])
    if row.query:  # world names too: `driver={driver_a}`
        query = re.sub(r"\{(\w+)\}", lambda m: call[m.group(1)], row.query)
        path = f"{path}?{query}"
    kwargs = {"format": "multipart" if row.multipart else "json"}
    body = row.body(call) if row.body else None
    if row.idempotent:
        kwargs["HTTP_IDEMPOTENCY_KEY"] = row.idempotent if isinstance(row.idempotent, str) else uuid.uuid4().hex
    client = world.clients[identity]

    before = fingerprint()
    response = getattr(client, method.lower())(path, body, **kwargs)
    after = fingerprint()

    label = f"{method} {path} as {IDENTITY_NAMES[identity]}: expected {expected}, "
    problems = []
    status, code = expected_status_and_code(expected)
    is_json = response.get("Content-Type", "").startswith("application/json")
    payload = response.json() if is_json and response.content else None
    if status is None:
        if not 200 <= response.status_code < 300:
            problems.append(label + f"got {response.status_code} {payload}")
        elif identity != "st_ok" and not getattr(response, "streaming", False):
            text = response.content.decode()
            foreign = {
                tenant: sorted(i for i in ids if i in text)
                for tenant, ids in world.private.items()
                if tenant != world.tenant_of[identity]
            }
            leaked = {tenant: ids for tenant, ids in foreign.items() if ids}
            if leaked:
                problems.append(label + f"the answer carries other tenants' ids {leaked}")
    else:
        got_code = payload.get("error_code") if isinstance(payload, dict) else None
        if (response.status_code, got_code) != (status, code):
            problems.append(label + f"got {response.status_code} {got_code} {payload}")
        if changed := changed_tables(before, after):
            problems.append(label + f"the refused call wrote {changed}")
    return problems


# --- Tests --------------------------------------------------------------------------------------


def case_params():
    """One test per operation; a case declared as a known defect runs alone, as strict xfail."""
    params = []
    for key, row in MATRIX.items():
        name = f"{key[0]} {key[1]}"
        clean = tuple(i for i in IDENTITIES if i not in row.defects)
        params.append(pytest.param(key, clean, id=name))
        for identity, reason in row.defects.items():
            mark = pytest.mark.xfail(strict=True, reason=reason)
            params.append(pytest.param(key, (identity,), id=f"{name} [{identity}]", marks=mark))
    return params


def test_every_api_route_has_a_row_and_every_row_a_route():
    operations = api_operations()

    missing = sorted(operations - set(MATRIX))
    stale = sorted(set(MATRIX) - operations)

    assert missing == [], f"add these operations to livrili/tests/permission_matrix.py: {missing}"
    assert stale == [], f"these rows name operations that no longer exist: {stale}"


def test_rows_are_well_formed():
    for (method, route), row in MATRIX.items():
        assert set(row.outcomes()) == set(IDENTITIES), route
        for outcome in row.outcomes().values():
            assert outcome == "ok" or expected_status_and_code(outcome)[0] >= 400, (route, outcome)
        if "{" in route or row.path:
            assert row.path and shape(row.path) == shape(route), f"{method} {route}: path {row.path!r}"
        assert set(row.defects) <= set(IDENTITIES), route


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction rolled back at its end; each test runs
    in a savepoint within it (pytest-django's `db`), each call in a savepoint of its own."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = build_world()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "identities"), case_params())
def test_permission_matrix(world, key, identities):
    # Given the world, and "staff with it" holding exactly what the row declares
    row = MATRIX[key]
    grant(world.users["st_ok"], row.perms)
    problems = []
    for identity in identities:
        # When the identity calls the operation (in a savepoint: the next identity sees the same world)
        with transaction.atomic():
            problems += run_case(world, key, identity)
            transaction.set_rollback(True)
        cache.clear()  # cache entries written by the rolled-back call would outlive it
    if "st_no" in identities and len(row.perms) > 1 and row.outcomes()["st_no"] != "ok" and row.perms != ALL:
        # (and every declared permission is needed: staff holding all but one get the st_no outcome)
        for missing in row.perms:
            with transaction.atomic():
                grant(world.users["st_no"], tuple(p for p in row.perms if p != missing))
                problems += [f"(holding all but {missing}) {p}" for p in run_case(world, key, "st_no")]
                transaction.set_rollback(True)
            cache.clear()
    # Then every identity got its declared outcome, refusals wrote nothing, nothing leaked
    assert problems == [], "\n".join(problems)


@pytest.mark.django_db
def test_the_foreign_id_check_reads_ids_as_answers_spell_them(world):
    # Given retailer A's own address (its id is in A's private set)
    address_id = world.resolve("address", "ret_a")
    assert address_id in world.private["A"]

    # When retailer A lists its addresses
    text = world.clients["ret_a"].get("/api/v1/retailers/addresses").content.decode()

    # Then the id appears exactly as the check looks for it
    assert address_id in text
