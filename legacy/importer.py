"""The v1 import: every v1 row mapped to this project's models (docs/decisions.md, Legacy import).

`LegacyImport(source).run()` works in the caller's transaction. Each table is a step: the v1
rows not yet in `ImportedRow` are mapped and written (in bulk through `RowWriter`, with their
historical timestamps, keeping v1's uuids), each with its `ImportedRow` (the source row kept
verbatim). What has an owner goes through it: stock through `products.services.stock.stock_set`
(an `import` movement), balances through `retailers.services.ledger_post`, the delivery of a
confirmed order through `deliveries.services.lifecycle.delivery_open`. A second run finds every
row done and writes nothing."""

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Max
from tqdm import tqdm

from billing.history import history_invoices, history_open, history_payment, history_payments_write
from billing.models import PaymentMethodKind, PaymentStatus
from deliveries.models import Delivery, DeliveryEvent, Driver, ProofOfDelivery, Route, RouteStop
from deliveries.services.lifecycle import delivery_open
from livrili.accounts.models import User
from livrili.core.models import Wilaya
from livrili.core.money import MONEY_LIMIT
from livrili.core.seeding import RowWriter
from orders.models import CartItem, Order, OrderEvent, OrderItem, OrderStatus
from products.models import Category, Product, StockReason, Tag, TagAlias
from products.search import product_search_text
from products.services.cache import catalog_changed
from products.services.stock import stock_set
from retailers.models import LedgerEntry, LedgerEntryKind, Retailer

from . import mapping as m
from .checks import find_quirks
from .models import ImportedRow

LOCAL = ZoneInfo("Africa/Algiers")
SUPERADMIN = "Superadmin"
UNCLASSIFIED_SLUG = "unclassified"
UNCLASSIFIED_NAMES = {"name_ar": "غير مصنف", "name_fr": "Non classé", "name_en": "Unclassified"}
STAFF_GROUP = SUPERADMIN  # v1's admin guard checked the role only: every v1 admin could do everything

# The quirks of the fixture's README, by id, with what the import does about each.
QUIRKS = {
    "mixed_phone_formats": "phones normalised to E.164 (users, retailers, drivers)",
    "profile_without_auth": "profile imported as a user with an unusable password (cannot log in, as in v1)",
    "category_empty_name_fr": "empty name filled from another language",
    "sku_case_duplicates": "both products kept; the later one's SKU suffixed (-DUP<n>), the v1 SKU in metadata",
    "item_of_deactivated_product": "lines and the inactive product kept",
    "order_total_off_by_cent": "stored total kept; the cent beyond subtotal + fee + tax carried as stamp_duty",
    "prepaid_balance": "positive v1 balance becomes a negative (prepaid) ledger balance",
    "negative_adjustment_payments": "negative ADJ- payments become adjustment_debit ledger entries, not payments",
    "delivery_for_cancelled_order": "the cancelled order's open delivery becomes cancelled",
    "confirmed_without_delivery": "the confirmed order's delivery opened by delivery_open",
}


def _plain(row: dict) -> dict:
    return json.loads(json.dumps(row, cls=DjangoJSONEncoder))


def _local_time(value: datetime | None):
    return value.astimezone(LOCAL).time() if value else None


class ImportProblem(Exception):
    """A v1 row the import cannot map without a rule (reported; the run fails)."""


@dataclass
class Step:
    name: str
    source: int = 0
    imported: int = 0  # written by this run
    present: int = 0  # done before this run
    kept_only: int = 0  # kept in ImportedRow only (no target model)
    notes: list[str] = field(default_factory=list)


@dataclass
class Report:
    steps: dict[str, Step] = field(default_factory=dict)
    quirks: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    problems: list[str] = field(default_factory=list)  # unexplained: the command fails
    money: dict[str, dict] = field(default_factory=dict)
    balances: dict[str, dict] = field(default_factory=dict)
    formula_differences: dict[str, object] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def step(self, name: str) -> Step:
        return self.steps.setdefault(name, Step(name))

    @property
    def written(self) -> int:
        return sum(step.imported for step in self.steps.values())


class LegacyImport:
    def __init__(self, source: dict[str, list[dict]], *, progress: bool = True):
        self.src = source
        self.progress = progress
        self.report = Report()
        self.done = {(table, sid) for table, sid in ImportedRow.objects.values_list("source_table", "source_id")}
        self.records = RowWriter(
            ImportedRow, ("id", "source_table", "source_id", "target", "target_id", "data", "created_at")
        )
        self.now = datetime.now(UTC)
        self.user_ids = set(User.objects.values_list("id", flat=True))
        self.deliveries_by_order = m.kept_deliveries(source["deliveries"])
        self.by_id = {
            table: {row["id"]: row for row in rows} for table, rows in source.items() if table != "product_tags"
        }

    # -- helpers ---------------------------------------------------------------------------
    def _pending(self, table: str, rows=None) -> list[dict]:
        rows = self.src[table] if rows is None else rows
        step = self.report.step(table)
        step.source = len(self.src[table])
        pending = [row for row in rows if (table, str(row["id"])) not in self.done]
        step.present = len(rows) - len(pending)
        return pending

    def _bar(self, rows, table):
        return tqdm(rows, desc=table, unit="row", disable=not self.progress, leave=False)

    def _record(self, table: str, source_id, target: str = "", target_id="", row: dict | None = None):
        key = (table, str(source_id))
        if key in self.done:
            return
        self.done.add(key)
        self.records.add(
            (
                m.derived_id("record", *key),
                table,
                str(source_id),
                target,
                str(target_id or ""),
                _plain(row or {}),
                self.now,
            )
        )

    def _user(self, user_id):
        return user_id if user_id in self.user_ids else None

    def problem(self, text: str):
        self.report.problems.append(text)

    # -- run -------------------------------------------------------------------------------
    def run(self) -> Report:
        self.wilayas = self._wilaya_index()
        self.report.quirks.update(find_quirks(self.src))
        self.import_retailers()
        self.import_users()
        self.link_retailers()
        self.import_drivers()
        self.import_categories()
        self.import_tags()
        self.import_products()
        self.import_product_tags()
        self.import_carts()
        self.import_orders()
        self.import_order_items()
        self.import_deliveries()
        self.import_routes()
        self.import_audit_logs()
        self.import_payments()
        self.import_ledgers()
        self.import_billing()
        self.open_missing_deliveries()
        self.records.flush()
        return self.report

    def _wilaya_index(self) -> dict[str, str]:
        index = {}
        for wilaya in Wilaya.objects.all():
            for name in (wilaya.name_ar, wilaya.name_fr, wilaya.name_en, wilaya.name):
                if name:
                    index[m.fold(name)] = wilaya.code
        return index

    # -- retailers -------------------------------------------------------------------------
    def import_retailers(self):
        rows = self._pending("retailers")
        writer = RowWriter(
            Retailer,
            (
                "id",
                "business_name",
                "business_type",
                "rc_number",
                "nif",
                "phone",
                "email",
                "address",
                "commune",
                "wilaya_id",
                "postal_code",
                "status",
                "status_reason",
                "approved_at",
                "credit_limit",
                "created_at",
                "updated_at",
            ),
        )
        phones = set(Retailer.objects.exclude(phone=None).values_list("phone", flat=True))
        for row in self._bar(rows, "retailers"):
            phone = m.phone(row["phone"])
            if row["phone"] and phone is None:
                self.report.step("retailers").notes.append(f"{row['id']}: phone {row['phone']!r} not a phone, dropped")
            if phone in phones:
                self.report.step("retailers").notes.append(f"{row['id']}: phone {phone} duplicate, dropped")
                phone = None
            phones.add(phone)
            wilaya = self.wilayas.get(m.fold(row["state"] or ""))
            if wilaya is None:
                self.problem(f"retailers {row['id']}: wilaya {row['state']!r} unknown")
                continue
            status = m.RETAILER_STATUS.get(row["status"])
            if status is None:
                self.problem(f"retailers {row['id']}: status {row['status']!r} unmapped")
                continue
            business_type = row["business_type"] if row["business_type"] in m.BUSINESS_TYPES else "other"
            writer.add(
                (
                    row["id"],
                    row["business_name"][:200],
                    business_type,
                    (row["registration_number"] or "")[:50],
                    (row["tax_number"] or "")[:50],
                    phone,
                    (row["email"] or "").strip().lower(),
                    row["address"] or "",
                    (row["city"] or "")[:100],
                    wilaya,
                    (row["postal_code"] or "")[:10],
                    status,
                    row["rejection_reason"] or "",
                    None if status == "pending" else row["approval_date"],
                    m.money(row["credit_limit"]),
                    row["created_at"],
                    row["updated_at"] or row["created_at"],
                )
            )
            self._record("retailers", row["id"], "retailers.Retailer", row["id"], row)
            self.report.step("retailers").imported += 1
            if row["documents"]:
                self.report.step("retailers").notes.append(
                    f"{row['id']}: {len(row['documents'])} document URL(s) kept in ImportedRow (files not fetched)"
                )
        writer.flush()
        self.new_retailers = {row["id"] for row in rows}

    def link_retailers(self):
        """Owner and approver, once the users exist (only on the retailers this run wrote)."""
        for rid in self.new_retailers:
            row = self.by_id["retailers"][rid]
            owner, approver = self._user(row["owner_id"]), self._user(row["approved_by"])
            if owner or approver:
                Retailer.objects.filter(pk=rid).update(owner_id=owner, approved_by_id=approver)

    # -- users -----------------------------------------------------------------------------
    def _persons(self) -> dict:
        auth = {row["id"]: row for row in self.src["auth.users"]}
        profiles = {row["id"]: row for row in self.src["user_profiles"]}
        legacy = {row["id"]: row for row in self.src["users"]}
        ids = sorted(set(auth) | set(profiles) | set(legacy), key=str)
        persons = {}
        for pid in ids:
            a, p, u = auth.get(pid), profiles.get(pid), legacy.get(pid)
            meta = (a or {}).get("raw_user_meta_data") or {}
            persons[pid] = {"auth": a, "profile": p, "users": u, "meta": meta}
        return persons

    def import_users(self):
        persons = self._persons()
        step = self.report.step("persons")  # one User per id of the three v1 user tables
        step.source = len(persons)
        for table in ("auth.users", "user_profiles", "users"):
            table_step = self.report.step(table)
            table_step.source = len(self.src[table])
            table_step.present = sum(1 for row in self.src[table] if (table, str(row["id"])) in self.done)
        pending = {pid: person for pid, person in persons.items() if ("users:person", str(pid)) not in self.done}
        step.present = len(persons) - len(pending)
        taken = {
            "username": set(User.objects.values_list("username", flat=True)),
            "email": set(User.objects.exclude(email=None).values_list("email", flat=True)),
            "phone": set(User.objects.exclude(phone=None).values_list("phone", flat=True)),
        }
        writer = RowWriter(
            User,
            (
                "id",
                "username",
                "email",
                "phone",
                "full_name",
                "role",
                "retailer_id",
                "preferred_language",
                "is_active",
                "is_staff",
                "is_superuser",
                "password",
                "last_login",
                "date_joined",
                "updated_at",
            ),
        )
        admins = []
        ordered = sorted(pending.items(), key=lambda item: self._joined(item[1]))
        for pid, person in self._bar(ordered, "users"):
            a, p, u, meta = person["auth"], person["profile"], person["users"], person["meta"]
            username = (
                ((p or {}).get("username") or (u or {}).get("username") or meta.get("username") or "").strip().lower()
            )
            if not username:
                username = f"v1-{str(pid)[:8]}"
            if username in taken["username"]:
                step.notes.append(f"{pid}: username {username!r} duplicate, suffixed")
                username = f"{username}-{str(pid)[:8]}"
            email = m.email((a or {}).get("email")) or m.email((u or {}).get("email"))
            if email in taken["email"]:
                step.notes.append(f"{pid}: e-mail {email} duplicate, dropped")
                email = None
            raw_phone = (u or {}).get("phone") or (a or {}).get("phone")
            phone = m.phone(raw_phone)
            if phone in taken["phone"]:
                step.notes.append(f"{pid}: phone {phone} duplicate, dropped")
                phone = None
            role = (p or {}).get("role") or (u or {}).get("role") or meta.get("role") or "retailer"
            if role not in ("admin", "retailer", "driver"):
                self.problem(f"users {pid}: role {role!r} unmapped")
                continue
            retailer = (p or {}).get("retailer_id") or (u or {}).get("retailer_id")
            if role != "retailer" and retailer:
                step.notes.append(f"{pid}: {role} tied to retailer {retailer} in v1, link dropped")
                retailer = None
            if role == "retailer" and retailer not in self.by_id["retailers"]:
                self.problem(f"users {pid}: retailer member without a v1 retailer ({retailer})")
                continue
            hashed = (a or {}).get("encrypted_password") or (u or {}).get("password_hash")
            password = f"bcrypt${hashed}" if hashed else make_password(None)
            active = (p or u or {}).get("is_active", True)
            language = (p or u or {}).get("preferred_language") or "ar"
            full_name = ((p or {}).get("full_name") or (u or {}).get("full_name") or meta.get("full_name") or "")[:150]
            last_login = (a or {}).get("last_sign_in_at") or (u or {}).get("last_login_at")
            for key, value in (("username", username), ("email", email), ("phone", phone)):
                if value:
                    taken[key].add(value)
            writer.add(
                (
                    pid,
                    username,
                    email,
                    phone,
                    full_name,
                    role,
                    retailer,
                    language if language in ("ar", "fr", "en") else "ar",
                    bool(active),
                    role == "admin",
                    False,
                    password,
                    last_login,
                    self._joined(person),
                    self._joined(person),
                )
            )
            if role == "admin":
                admins.append(pid)
            self.user_ids.add(pid)
            self._record("users:person", pid, "accounts.User", pid, {})
            for table, row in (("auth.users", a), ("user_profiles", p), ("users", u)):
                if row:
                    self._record(table, pid, "accounts.User", pid, row)
                    self.report.step(table).imported += 1
            step.imported += 1
        writer.flush()
        self._add_to_group(admins)

    @staticmethod
    def _joined(person) -> datetime:
        dates = [row["created_at"] for row in (person["auth"], person["profile"], person["users"]) if row]
        return min(dates)

    def _add_to_group(self, user_ids):
        if not user_ids:
            return
        group = Group.objects.filter(name=STAFF_GROUP).first()
        if group is None:
            self.report.step("persons").notes.append(f"group {STAFF_GROUP} missing: v1 admins given no group")
            return
        through = User.groups.through
        through.objects.bulk_create(
            [through(user_id=uid, group_id=group.id) for uid in user_ids], ignore_conflicts=True
        )

    # -- drivers ---------------------------------------------------------------------------
    def import_drivers(self):
        rows = self._pending("drivers")
        step = self.report.step("drivers")
        roles = dict(User.objects.filter(pk__in=[r["user_id"] for r in rows]).values_list("id", "role"))
        plates = set(Driver.objects.values_list("vehicle_plate", flat=True))
        writer = RowWriter(
            Driver,
            (
                "id",
                "user_id",
                "phone",
                "license_number",
                "license_expiry",
                "vehicle_type",
                "vehicle_plate",
                "vehicle_model",
                "capacity_kg",
                "max_stops",
                "communes",
                "status",
                "last_latitude",
                "last_longitude",
                "last_location_at",
                "created_at",
                "updated_at",
            ),
        )
        today = self.now.date()
        for row in self._bar(rows, "drivers"):
            if roles.get(row["user_id"]) != "driver":
                self.problem(f"drivers {row['id']}: user {row['user_id']} is not a v1 driver")
                continue
            plate = row["vehicle_plate"][:20]
            if plate in plates:
                step.notes.append(f"{row['id']}: plate {plate} duplicate, suffixed")
                plate = f"{plate[:14]}-{str(row['id'])[:5]}"
            plates.add(plate)
            if row["license_expiry"] and row["license_expiry"] < today:
                step.notes.append(f"{row['id']}: licence expired {row['license_expiry']} (kept as is)")
            location = row["current_location"] or {}
            lat, lng = location.get("lat") or location.get("latitude"), location.get("lng") or location.get("longitude")
            writer.add(
                (
                    row["id"],
                    row["user_id"],
                    m.phone(row["phone"]) or "",
                    (row["driver_license"] or "")[:50],
                    row["license_expiry"],
                    row["vehicle_type"] if row["vehicle_type"] in m.VEHICLE_TYPES else "car",
                    plate,
                    (row["vehicle_model"] or "")[:100],
                    Decimal(row["max_capacity_kg"] or 50),
                    max(1, row["max_orders_per_trip"] or 1),
                    [],
                    m.DRIVER_STATUS.get(row["status"], "off_duty"),
                    lat,
                    lng,
                    row["updated_at"] if lat is not None else None,
                    row["created_at"],
                    row["updated_at"] or row["created_at"],
                )
            )
            if row["zone_coverage"]:
                step.notes.append(
                    f"{row['id']}: v1 zones {row['zone_coverage']} are not wilayas/communes (kept in ImportedRow)"
                )
            self._record("drivers", row["id"], "deliveries.Driver", row["id"], row)
            step.imported += 1
        writer.flush()

    # -- catalog ---------------------------------------------------------------------------
    def import_categories(self):
        rows = self._pending("categories")
        step = self.report.step("categories")
        by_id = self.by_id["categories"]
        existing = {c.id: c for c in Category.objects.filter(pk__in=list(by_id))}
        slugs = set(Category.objects.values_list("slug", flat=True))
        placed = {cid: (c.path, c.depth) for cid, c in existing.items()}

        def place(cid):
            if cid not in placed:
                parent = by_id[cid]["parent_id"]
                if parent is None:
                    placed[cid] = (cid.hex, 0)
                else:
                    path, depth = place(parent)
                    placed[cid] = (f"{path}/{cid.hex}", depth + 1)
            return placed[cid]

        writer = RowWriter(
            Category,
            (
                "id",
                "name",
                "name_ar",
                "name_fr",
                "name_en",
                "description",
                "description_ar",
                "description_fr",
                "description_en",
                "slug",
                "parent_id",
                "path",
                "depth",
                "sort_order",
                "is_active",
                "created_at",
                "updated_at",
            ),
        )
        rows.sort(key=lambda row: place(row["id"])[1])
        for row in self._bar(rows, "categories"):
            (ar, fr, en), filled = m.names(row["name_ar"], row["name_fr"], row["name_en"])
            if filled:
                step.notes.append(f"{row['id']}: empty {', '.join(filled)} name filled")
            path, depth = place(row["id"])
            slug = row["slug"][:160]
            if slug in slugs:
                step.notes.append(f"{row['id']}: slug {slug} duplicate, suffixed")
                slug = f"{slug[:150]}-{row['id'].hex[:8]}"
            slugs.add(slug)
            d_ar, d_fr, d_en = (
                (row["description_ar"] or ""),
                (row["description_fr"] or ""),
                (row["description_en"] or ""),
            )
            writer.add(
                (
                    row["id"],
                    ar,
                    ar,
                    fr,
                    en,
                    d_ar,
                    d_ar,
                    d_fr,
                    d_en,
                    slug,
                    row["parent_id"],
                    path,
                    depth,
                    row["display_order"] or 0,
                    bool(row["is_active"]),
                    row["created_at"],
                    row["updated_at"] or row["created_at"],
                )
            )
            self._record("categories", row["id"], "products.Category", row["id"], row)
            step.imported += 1
        if any(row["category_id"] is None for row in self.src["products"]):
            self._unclassified(writer, slugs)
        writer.flush()

    def _unclassified(self, writer, slugs):
        cid = m.derived_id("unclassified-category")
        self.unclassified = cid
        if ("categories:unclassified", str(cid)) in self.done or Category.objects.filter(pk=cid).exists():
            return
        slug = UNCLASSIFIED_SLUG if UNCLASSIFIED_SLUG not in slugs else f"{UNCLASSIFIED_SLUG}-v1"
        n = UNCLASSIFIED_NAMES
        writer.add(
            (
                cid,
                n["name_ar"],
                n["name_ar"],
                n["name_fr"],
                n["name_en"],
                "",
                "",
                "",
                "",
                slug,
                None,
                cid.hex,
                0,
                9999,
                True,
                self.now,
                self.now,
            )
        )
        self._record("categories:unclassified", cid, "products.Category", cid, {})
        self.report.step("categories").imported += 1
        self.report.step("categories").notes.append(f"category {slug!r} created for products without one")

    def import_tags(self):
        rows = self._pending("tags")
        writer = RowWriter(
            Tag,
            ("id", "name", "name_ar", "name_fr", "name_en", "slug", "color", "description", "created_at", "updated_at"),
        )
        slugs = set(Tag.objects.values_list("slug", flat=True))
        for row in self._bar(rows, "tags"):
            slug = row["slug"][:120] if row["slug"] not in slugs else f"{row['slug'][:110]}-{row['id'].hex[:8]}"
            slugs.add(slug)
            color = (
                row["color"] if row["color"] and len(row["color"]) == 7 and row["color"].startswith("#") else "#6B7280"
            )
            name = row["name"][:100]
            writer.add(
                (
                    row["id"],
                    name,
                    name,
                    name,
                    name,
                    slug,
                    color,
                    row["description"] or "",
                    row["created_at"],
                    row["updated_at"] or row["created_at"],
                )
            )
            self._record("tags", row["id"], "products.Tag", row["id"], row)
            self.report.step("tags").imported += 1
        writer.flush()
        rows = self._pending("tag_aliases")
        aliases = {a.lower() for a in TagAlias.objects.values_list("alias", flat=True)}
        writer = RowWriter(TagAlias, ("id", "tag_id", "alias", "created_at", "updated_at"))
        for row in self._bar(rows, "tag_aliases"):
            if row["alias"].lower() in aliases:
                self.report.step("tag_aliases").notes.append(
                    f"{row['id']}: alias {row['alias']!r} duplicate, kept only"
                )
                self._record("tag_aliases", row["id"], "", "", row)
                self.report.step("tag_aliases").kept_only += 1
                continue
            aliases.add(row["alias"].lower())
            writer.add((row["id"], row["tag_id"], row["alias"][:100], row["created_at"], row["created_at"]))
            self._record("tag_aliases", row["id"], "products.TagAlias", row["id"], row)
            self.report.step("tag_aliases").imported += 1
        writer.flush()

    def import_products(self):
        rows = self._pending("products")
        step = self.report.step("products")
        skus = {sku.lower() for sku in Product.objects.values_list("sku", flat=True)}
        barcodes = set(Product.objects.exclude(barcode=None).values_list("barcode", flat=True))
        columns = (
            "id",
            "sku",
            "barcode",
            "name",
            "name_ar",
            "name_fr",
            "name_en",
            "description",
            "description_ar",
            "description_fr",
            "description_en",
            "category_id",
            "unit",
            "min_order_quantity",
            "base_price",
            "cost_price",
            "tax_rate",
            "stock_quantity",
            "low_stock_threshold",
            "weight_kg",
            "dimensions",
            "is_active",
            "metadata",
            "search_text",
            "created_at",
            "updated_at",
        )
        writer = RowWriter(Product, columns)
        stock = {}
        for row in self._bar(rows, "products"):
            v1 = {}
            sku = row["sku"].strip()[:64]
            if sku.lower() in skus:
                n = 1
                while f"{sku}-DUP{n}".lower() in skus:
                    n += 1
                v1["sku"] = row["sku"]
                sku = f"{sku}-DUP{n}"
                step.notes.append(f"{row['id']}: SKU {row['sku']!r} case-duplicate, imported as {sku!r}")
            skus.add(sku.lower())
            code = m.barcode(row["barcode"])
            if row["barcode"] and code is None:
                v1["barcode"] = row["barcode"]
            if code in barcodes:
                v1["barcode"] = row["barcode"]
                code = None
            if code:
                barcodes.add(code)
            unit = m.unit(row["unit"])
            if row["unit"] and unit != row["unit"]:
                v1["unit"] = row["unit"]
            if row["images"]:
                v1["images"] = row["images"]
            if row["metadata"]:
                v1["metadata"] = row["metadata"]
            category = row["category_id"]
            if category is None:
                category = self.unclassified
                step.notes.append(f"{row['id']}: no category, placed in {UNCLASSIFIED_SLUG!r}")
            dims = row["dimensions"] or {}
            dimensions = "x".join(str(dims[k]) for k in ("length", "width", "height") if dims.get(k) is not None)
            names = (row["name_ar"], row["name_fr"], row["name_en"])
            (ar, fr, en), filled = m.names(*names)
            if filled:
                step.notes.append(f"{row['id']}: empty {', '.join(filled)} name filled")
            d = [row["description_ar"] or "", row["description_fr"] or "", row["description_en"] or ""]
            probe = Product(sku=sku, barcode=code, brand="", name_ar=ar, name_fr=fr, name_en=en)
            writer.add(
                (
                    row["id"],
                    sku,
                    code,
                    ar,
                    ar,
                    fr,
                    en,
                    d[0],
                    d[0],
                    d[1],
                    d[2],
                    category,
                    unit,
                    max(1, row["minimum_quantity"] or 1),
                    m.money(row["base_price"]),
                    None if row["cost_price"] is None else m.money(row["cost_price"]),
                    Decimal(row["tax_rate"] if row["tax_rate"] is not None else 19),
                    0,
                    row["min_stock_level"],
                    row["weight"],
                    dimensions[:50],
                    bool(row["is_active"]),
                    {"v1": v1} if v1 else {},
                    product_search_text(probe),
                    row["created_at"],
                    row["updated_at"] or row["created_at"],
                )
            )
            if (row["stock_quantity"] or 0) < 0:
                step.notes.append(f"{row['id']}: negative v1 stock {row['stock_quantity']} imported as 0")
            if (row["stock_quantity"] or 0) > 0:
                stock[row["id"]] = row["stock_quantity"]
            self._record("products", row["id"], "products.Product", row["id"], row)
            step.imported += 1
        writer.flush()
        if stock:
            stock_set(quantities=stock, reason=StockReason.IMPORT, reference="v1", note="v1 stock at import")
        step.notes.append(f"{len(stock)} import stock movement(s)") if stock else None
        if rows:
            catalog_changed()

    def import_product_tags(self):
        step = self.report.step("product_tags")
        rows = self._pending("product_tags")
        through = Product.tags.through
        links = [through(product_id=row["product_id"], tag_id=row["tag_id"]) for row in rows]
        through.objects.bulk_create(links, ignore_conflicts=True, batch_size=2000)
        for row in rows:
            self._record(
                "product_tags", row["id"], "products.Product.tags", f"{row['product_id']}/{row['tag_id']}", row
            )
        step.imported += len(rows)

    def import_carts(self):
        rows = self._pending("shopping_carts")
        writer = RowWriter(CartItem, ("id", "retailer_id", "product_id", "quantity", "added_at", "updated_at"))
        for row in self._bar(rows, "shopping_carts"):
            writer.add(
                (
                    row["id"],
                    row["retailer_id"],
                    row["product_id"],
                    row["quantity"],
                    row["added_at"],
                    row["updated_at"] or row["added_at"],
                )
            )
            self._record("shopping_carts", row["id"], "orders.CartItem", row["id"], row)
            self.report.step("shopping_carts").imported += 1
        writer.flush()

    # -- orders ----------------------------------------------------------------------------
    def _milestones(self) -> dict:
        """Per order, when it reached each status: v1's audit log (from 2025-04-01) and its
        delivery's tracking."""
        times = defaultdict(dict)
        for log in self.src["audit_logs"]:
            if log["resource_type"] == "order" and log["action"] in self.ORDER_ACTIONS:
                status = (log["new_values"] or {}).get("status")
                if status:
                    times[log["resource_id"]].setdefault(m.ORDER_STATUS.get(status, status), log["created_at"])
        for delivery in self.src["deliveries"]:
            track = {u["status"]: m.parse_time(u["timestamp"]) for u in delivery["tracking_updates"] or []}
            order = times[str(delivery["order_id"])]
            if "pending" in track:
                order.setdefault("confirmed", track["pending"])
            if "picked_up" in track:
                order.setdefault("shipped", track["picked_up"])
            if "delivered" in track:
                order.setdefault("delivered", track["delivered"])
        return times

    ORDER_ACTIONS = ("order_status_updated", "order_bulk_status_updated", "order_cancelled")

    def import_orders(self):
        rows = self._pending("orders")
        step = self.report.step("orders")
        retailers = {r.id: r for r in Retailer.objects.filter(pk__in=self.by_id["retailers"])}
        languages = dict(User.objects.values_list("id", "preferred_language"))
        numbers = set(Order.objects.values_list("number", flat=True))
        times = self._milestones()
        columns = (
            "id",
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
            "delivery_contact_name",
            "delivery_contact_phone",
            "requested_delivery_date",
            "time_slot",
            "notes",
            "idempotency_key",
            "request_fingerprint",
            "language",
            "cancel_reason",
            "cancelled_by_id",
            "confirmed_at",
            "processing_at",
            "shipped_at",
            "delivered_at",
            "cancelled_at",
            "created_at",
            "updated_at",
        )
        writer = RowWriter(Order, columns)
        events = RowWriter(
            OrderEvent, ("id", "order_id", "type", "from_status", "to_status", "actor_id", "note", "data", "created_at")
        )
        for row in self._bar(rows, "orders"):
            status = m.ORDER_STATUS.get(row["status"])
            if status is None:
                self.problem(f"orders {row['id']}: status {row['status']!r} unmapped")
                continue
            if row["order_number"] in numbers:
                self.problem(f"orders {row['id']}: number {row['order_number']} already used")
                continue
            retailer = retailers[row["retailer_id"]]
            subtotal, tax, discount = (
                m.money(row["subtotal"]),
                m.money(row["tax_amount"]),
                m.money(row["discount_amount"]),
            )
            fee, total = m.money(row["delivery_fee"]), m.money(row["total_amount"])
            net = subtotal - discount  # this project's subtotal is after line discounts
            stamp = total - (net + fee + tax)
            if stamp and (stamp < 0 or row["payment_method"] != "cash"):
                self.problem(f"orders {row['id']}: total {total} differs from its parts by {stamp}")
                continue
            cancel = m.cancellation(row)
            when = times.get(str(row["id"]), {})
            cancelled_at = m.parse_time(cancel.get("cancelled_at")) if status == "cancelled" else None
            if status == "cancelled" and cancelled_at is None:
                cancelled_at = when.get("cancelled") or row["updated_at"]
            reason = " — ".join(part for part in (cancel.get("reason"), cancel.get("notes")) if part)
            local = row["created_at"].astimezone(LOCAL)
            creator = self._user(row["created_by_user_id"])
            if row["created_by_user_id"] and creator is None:
                step.notes.append(
                    f"{row['id']}: creator {row['created_by_user_id']} is no v1 person (orphan), left empty"
                )
            writer.add(
                (
                    row["id"],
                    row["order_number"],
                    row["retailer_id"],
                    creator,
                    "import",
                    status,
                    row["payment_method"],
                    net,
                    tax,
                    fee,
                    discount,
                    stamp,
                    total,
                    row["delivery_address"] or retailer.address,
                    retailer.commune,
                    retailer.wilaya_id,
                    "",
                    retailer.phone or "",
                    row["delivery_date"] or local.date(),
                    m.time_slot(row["delivery_time_slot"]),
                    row["notes"] or "",
                    f"v1:{row['id']}",
                    "",
                    languages.get(creator, "ar"),
                    reason,
                    self._user(cancel.get("cancelled_by") and _uuid(cancel["cancelled_by"])),
                    when.get("confirmed") if status != "pending" else None,
                    when.get("processing"),
                    when.get("shipped"),
                    when.get("delivered") if status == "delivered" else None,
                    cancelled_at,
                    row["created_at"],
                    row["updated_at"] or row["created_at"],
                )
            )
            channel = "admin" if len(row["order_number"].split("-")) == 3 else "pwa"
            events.add(
                (
                    m.derived_id("order-placed", row["id"]),
                    row["id"],
                    "placed",
                    "",
                    "pending",
                    creator,
                    "",
                    {"v1_number": row["order_number"], "v1_channel": channel, "v1_status": row["status"]},
                    row["created_at"],
                )
            )
            if status == "cancelled" and not any(
                log["resource_id"] == str(row["id"]) and (log["new_values"] or {}).get("status") == "cancelled"
                for log in self._order_logs().get(str(row["id"]), [])
            ):
                events.add(
                    (
                        m.derived_id("order-cancelled", row["id"]),
                        row["id"],
                        "cancelled",
                        "",
                        "cancelled",
                        self._user(cancel.get("cancelled_by") and _uuid(cancel["cancelled_by"])),
                        reason,
                        {"source": "v1 orders.metadata.cancellation"},
                        cancelled_at,
                    )
                )
            self._record("orders", row["id"], "orders.Order", row["id"], row)
            numbers.add(row["order_number"])
            step.imported += 1
        writer.flush()
        events.flush()

    def _order_logs(self) -> dict:
        if not hasattr(self, "_logs_by_order"):
            self._logs_by_order = defaultdict(list)
            for log in self.src["audit_logs"]:
                if log["resource_type"] == "order" and log["action"] in self.ORDER_ACTIONS:
                    self._logs_by_order[log["resource_id"]].append(log)
        return self._logs_by_order

    def import_order_items(self):
        rows = self._pending("order_items")
        step = self.report.step("order_items")
        products = {
            p.id: p
            for p in Product.objects.filter(pk__in={r["product_id"] for r in rows}).only(
                "sku", "name_ar", "name_fr", "name_en", "tax_rate"
            )
        }
        orders = set(Order.objects.filter(pk__in={r["order_id"] for r in rows}).values_list("id", flat=True))
        columns = (
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
            "discount",
            "discount_reason",
            "line_subtotal",
            "line_tax",
            "line_total",
        )
        writer = RowWriter(OrderItem, columns)
        tax_differences = 0
        for row in self._bar(rows, "order_items"):
            if row["order_id"] not in orders:
                self.problem(f"order_items {row['id']}: its order {row['order_id']} was not imported")
                continue
            product = products[row["product_id"]]
            price, discount = m.money(row["unit_price"]), m.money(row["discount_amount"])
            line_subtotal = m.money(price * row["quantity"]) - discount
            line_tax, line_total = m.money(row["tax_amount"]), m.money(row["total_price"])
            if line_subtotal + line_tax != line_total:
                self.problem(f"order_items {row['id']}: total {line_total} ≠ {line_subtotal} + {line_tax}")
                continue
            if m.money(line_subtotal * product.tax_rate / 100) != line_tax:
                tax_differences += 1
            writer.add(
                (
                    row["id"],
                    row["order_id"],
                    row["product_id"],
                    product.sku,
                    product.name_ar,
                    product.name_fr,
                    product.name_en,
                    row["quantity"],
                    price,
                    product.tax_rate,
                    discount,
                    ((row["notes"] or "v1 discount")[:200] if discount else ""),
                    line_subtotal,
                    line_tax,
                    line_total,
                )
            )
            self._record("order_items", row["id"], "orders.OrderItem", row["id"], row)
            step.imported += 1
        writer.flush()
        self.report.formula_differences["item_tax_not_rate_of_subtotal"] = tax_differences

    # -- deliveries ------------------------------------------------------------------------
    def import_deliveries(self):
        rows = self._pending("deliveries")
        step = self.report.step("deliveries")
        orders = {o.id: o for o in Order.objects.filter(pk__in={r["order_id"] for r in self.src["deliveries"]})}
        taken = set(Delivery.objects.filter(order_id__in=orders).values_list("order_id", flat=True))
        keep = {order_id: delivery["id"] for order_id, delivery in self.deliveries_by_order.items()}
        columns = (
            "id",
            "number",
            "order_id",
            "status",
            "driver_id",
            "priority",
            "scheduled_date",
            "window_start",
            "window_end",
            "address",
            "commune",
            "wilaya_code",
            "contact_name",
            "contact_phone",
            "instructions",
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
            "created_at",
            "updated_at",
        )
        writer = RowWriter(Delivery, columns)
        events = RowWriter(
            DeliveryEvent, ("id", "delivery_id", "from_status", "to_status", "actor_id", "note", "data", "created_at")
        )
        proofs = RowWriter(
            ProofOfDelivery,
            ("id", "delivery_id", "recipient_name", "captured_at", "received_at", "created_at", "updated_at"),
        )
        for row in self._bar(rows, "deliveries"):
            order = orders.get(row["order_id"])
            if order is None:
                self.problem(f"deliveries {row['id']}: its order {row['order_id']} was not imported")
                continue
            if keep[row["order_id"]] != row["id"] or row["order_id"] in taken:
                step.notes.append(f"{row['id']}: a second delivery of order {order.number}, kept in ImportedRow only")
                self._record("deliveries", row["id"], "", "", row)
                step.kept_only += 1
                continue
            taken.add(row["order_id"])
            status = m.DELIVERY_STATUS.get(row["status"])
            if status is None:
                self.problem(f"deliveries {row['id']}: status {row['status']!r} unmapped")
                continue
            track = [(u["status"], m.parse_time(u["timestamp"]), u.get("notes")) for u in row["tracking_updates"] or []]
            at = {}
            for name, when, _note in track:
                at.setdefault(name, when)
            cancelled_at = None
            if order.status == "cancelled" and status not in m.DELIVERY_FINAL:
                cancelled_at = order.cancelled_at or order.updated_at
                track.append(("cancelled", cancelled_at, "v1 cancelled the order, not its delivery"))
                status = "cancelled"
            if status == "assigned" and row["driver_id"] is None:
                step.notes.append(f"{row['id']}: assigned without a driver, imported as pending")
                status = "pending"
            failure = (row["failure_reason"] or "").strip()
            failure_code = (
                failure if failure in m.FAILURE_REASONS else ("other" if failure or status == "failed" else "")
            )
            start, end = row["delivery_time_window_start"], row["delivery_time_window_end"]
            ws, we = _local_time(start), _local_time(end)
            if ws and we and we <= ws:
                ws = we = None
            rating = row["customer_rating"] if row["customer_rating"] and 1 <= row["customer_rating"] <= 5 else None
            collected = m.money(row["cash_collected"])
            scheduled = order.requested_delivery_date or (start or row["created_at"]).astimezone(LOCAL).date()
            writer.add(
                (
                    row["id"],
                    row["delivery_number"][:20],
                    row["order_id"],
                    status,
                    row["driver_id"],
                    row["priority"] if row["priority"] in (1, 2, 3) else 1,
                    scheduled,
                    ws,
                    we,
                    row["delivery_address"],
                    order.delivery_commune,
                    order.delivery_wilaya_code,
                    (row["delivery_contact"] or "")[:150],
                    order.delivery_contact_phone,
                    row["special_instructions"] or row["delivery_notes"] or "",
                    Decimal(row["package_weight"] or 0),
                    m.money(row["cash_to_collect"]),
                    collected if (collected or status == "delivered") else None,
                    row["delivery_attempts"] or 0,
                    failure_code,
                    failure if failure_code == "other" else "",
                    row["estimated_delivery_time"],
                    at.get("assigned"),
                    row["actual_pickup_time"] or at.get("picked_up"),
                    row["actual_delivery_time"] or at.get("delivered") if status == "delivered" else None,
                    at.get("failed") if status == "failed" else None,
                    cancelled_at,
                    rating,
                    row["customer_feedback"] or "",
                    row["updated_at"] if rating else None,
                    row["created_at"],
                    row["updated_at"] or row["created_at"],
                )
            )
            previous = ""
            proof = row["proof_of_delivery"]
            for index, (name, when, note) in enumerate(track):
                data = {"source": "v1 deliveries.tracking_updates"}
                if name == "delivered" and proof:
                    data["v1_proof_of_delivery"] = proof
                events.add(
                    (
                        m.derived_id("delivery-event", row["id"], index),
                        row["id"],
                        previous,
                        name,
                        None,
                        note or "",
                        data,
                        when or row["created_at"],
                    )
                )
                previous = name
            if proof and status == "delivered":
                captured = m.parse_time(proof.get("confirmed_at")) or row["actual_delivery_time"]
                proofs.add(
                    (
                        m.derived_id("proof", row["id"]),
                        row["id"],
                        (proof.get("notes") or "")[:150],
                        captured,
                        captured or row["updated_at"],
                        captured or row["updated_at"],
                        captured or row["updated_at"],
                    )
                )
            self._record("deliveries", row["id"], "deliveries.Delivery", row["id"], row)
            step.imported += 1
        writer.flush()
        events.flush()
        proofs.flush()

    def import_routes(self):
        rows = self._pending("delivery_routes")
        step = self.report.step("delivery_routes")
        deliveries = set(
            Delivery.objects.filter(pk__in={d for r in rows for d in r["delivery_ids"] or []}).values_list(
                "id", flat=True
            )
        )
        writer = RowWriter(
            Route,
            (
                "id",
                "driver_id",
                "date",
                "status",
                "total_distance_km",
                "estimated_duration_min",
                "started_at",
                "completed_at",
                "solver",
                "created_at",
                "updated_at",
            ),
        )
        stops = RowWriter(RouteStop, ("id", "route_id", "delivery_id", "sequence"))
        for row in self._bar(rows, "delivery_routes"):
            status = m.ROUTE_STATUS.get(row["status"])
            if status is None or row["driver_id"] is None:
                self.problem(f"delivery_routes {row['id']}: status {row['status']!r} or driver missing")
                continue
            writer.add(
                (
                    row["id"],
                    row["driver_id"],
                    row["route_date"] or row["created_at"].date(),
                    status,
                    m.money(row["total_distance"]),
                    row["estimated_duration"] or 0,
                    row["start_time"],
                    row["end_time"],
                    "v1",
                    row["created_at"],
                    row["updated_at"] or row["created_at"],
                )
            )
            sequence = 0
            for delivery_id in row["delivery_ids"] or []:
                if delivery_id not in deliveries:
                    step.notes.append(f"{row['id']}: delivery {delivery_id} not imported, stop dropped")
                    continue
                sequence += 1
                stops.add((m.derived_id("route-stop", row["id"], delivery_id), row["id"], delivery_id, sequence))
            self._record("delivery_routes", row["id"], "deliveries.Route", row["id"], row)
            step.imported += 1
        writer.flush()
        stops.flush()

    # -- history, payments, ledgers -----------------------------------------------------------
    def import_audit_logs(self):
        rows = self._pending("audit_logs")
        step = self.report.step("audit_logs")
        orders = set(Order.objects.filter(pk__in=self.by_id["orders"]).values_list("id", flat=True))
        events = RowWriter(
            OrderEvent, ("id", "order_id", "type", "from_status", "to_status", "actor_id", "note", "data", "created_at")
        )
        kinds = Counter()
        for row in self._bar(rows, "audit_logs"):
            order_id = _uuid(row["resource_id"]) if row["resource_type"] == "order" else None
            new, old = row["new_values"] or {}, row["old_values"] or {}
            to = m.ORDER_STATUS.get(new.get("status") or "")
            if row["action"] in self.ORDER_ACTIONS and order_id in orders and to:
                kind = to if to != "pending" else "note"
                events.add(
                    (
                        row["id"],
                        order_id,
                        kind,
                        m.ORDER_STATUS.get(old.get("status") or "", ""),
                        to,
                        self._user(_uuid(row["user_id"])),
                        new.get("notes") or new.get("reason") or "",
                        {"source": "v1 audit_logs", "action": row["action"]},
                        row["created_at"],
                    )
                )
                self._record("audit_logs", row["id"], "orders.OrderEvent", row["id"], row)
                step.imported += 1
            else:
                self._record("audit_logs", row["id"], "", "", row)
                step.kept_only += 1
                kinds[row["action"]] += 1
        events.flush()
        if step.kept_only:
            step.notes.append(f"kept in ImportedRow only (no target history): {dict(sorted(kinds.items()))}")

    def import_payments(self):
        """The one place v1 payments land (see `record_payment`)."""
        rows = self._pending("payments")
        step = self.report.step("payments")
        orders = set(Order.objects.filter(pk__in=self.by_id["orders"]).values_list("id", flat=True))
        self.payment_events = RowWriter(
            OrderEvent, ("id", "order_id", "type", "from_status", "to_status", "actor_id", "note", "data", "created_at")
        )
        for row in self._bar(rows, "payments"):
            if m.is_adjustment(row):
                self._record("payments", row["id"], "retailers.LedgerEntry", f"adjustment:{row['id']}", row)
            else:
                self.record_payment(row, order_known=row["order_id"] in orders)
            step.imported += 1
        self.payment_events.flush()

    def record_payment(self, row: dict, *, order_known: bool):
        """Money received in v1: a Payment (written by `import_billing` once its ledger entry
        exists: the `payment:` entry of a balance-moving row, the `cash_payment:` entry of a
        delivered cash order's row), and an order `payment` event when it names an order."""
        data = {
            "source": "v1 payments",
            "amount": str(m.money(row["amount"])),
            "method": m.payment_method(row),
            "v1_payment_type": row["payment_type"],
            "v1_payment_method": row["payment_method"],
            "status": {"completed": "confirmed", "pending": "in_custody", "failed": "cancelled"}.get(
                row["status"], "confirmed"
            ),
            "reference": row["reference_number"] or "",
            "collected_by": str(row["collected_by_user_id"] or ""),
        }
        target, target_id = "", ""
        if row["order_id"] and order_known:
            self.payment_events.add(
                (
                    row["id"],
                    row["order_id"],
                    "payment",
                    "",
                    "",
                    self._user(row["collected_by_user_id"]),
                    row["notes"] or "",
                    data,
                    row["collected_at"] or row["created_at"],
                )
            )
        if m.money(row["amount"]) > 0:
            target, target_id = "billing.Payment", row["id"]
        elif m.money(row["amount"]) < 0:
            self.problem(f"payments {row['id']}: negative amount without an ADJ- reference (no rule)")
        else:
            self.report.step("payments").notes.append(f"{row['id']}: amount 0, kept in ImportedRow only")
        self._record("payments", row["id"], target, target_id, row)

    def import_ledgers(self):
        step = self.report.step("ledger")
        orders_by_retailer, payments_by_retailer = defaultdict(list), defaultdict(list)
        for order in self.src["orders"]:
            orders_by_retailer[order["retailer_id"]].append(order)
        for payment in self.src["payments"]:
            payments_by_retailer[payment["retailer_id"]].append(payment)
        known_orders = set(Order.objects.filter(pk__in=self.by_id["orders"]).values_list("id", flat=True))
        retailers = set(Retailer.objects.filter(pk__in=self.by_id["retailers"]).values_list("id", flat=True))
        writer = RowWriter(
            LedgerEntry,
            ("id", "retailer_id", "position", "kind", "amount", "balance_after", "reason", "order_id", "actor_id",
             "created_at"),
        )  # fmt: skip
        for row in self._bar(self.src["retailers"], "ledger"):
            if row["id"] not in retailers:
                continue
            plan = m.ledger_plan(
                row, orders_by_retailer[row["id"]], payments_by_retailer[row["id"]], self.deliveries_by_order
            )
            self.report.balances[str(row["id"])] = {
                "v1_balance": str(m.money(row["current_balance"])),
                "new_balance": str(plan.target),
                "replayed": str(plan.replayed),
                "difference": str(plan.residual),
            }
            step.source += len(plan.lines)
            lines = [line for line in plan.lines if ("ledger", line.key) not in self.done]
            step.present += len(plan.lines) - len(lines)
            if lines:
                self._post(writer, row["id"], lines, known_orders)
                step.imported += len(lines)
        writer.flush()

    def _post(self, writer: RowWriter, retailer_id, lines: list, known_orders: set) -> None:
        """The retailer's new entries in bulk, as the demo history writes its ledger: under the
        retailer's row lock, positions and `balance_after` continuing its chain, v1's dates, then
        the cached balance once (`check_ledgers` holds it to Σ amount)."""
        locked = Retailer.objects.select_for_update(no_key=True).get(pk=retailer_id)
        position = locked.ledger_entries.aggregate(last=Max("position"))["last"] or 0
        balance = locked.balance
        for line in lines:
            position += 1
            balance += line.amount
            if abs(balance) >= MONEY_LIMIT:
                raise ImportProblem(f"retailer {retailer_id}: balance beyond the money column")
            entry_id = m.derived_id("ledger", line.key)
            reason = f"v1 {line.reason} ({line.at.astimezone(LOCAL):%Y-%m-%d %H:%M})"
            order = line.order_id if line.order_id in known_orders else None
            writer.add(
                (entry_id, retailer_id, position, line.kind, line.amount, balance, reason, order,
                 self._user(line.actor_id), line.at)
            )  # fmt: skip
            self._record("ledger", line.key, "retailers.LedgerEntry", entry_id, {"at": line.at, "amount": line.amount})
        writer.flush()
        Retailer.objects.filter(pk=retailer_id).update(balance=balance, updated_at=self.now)

    def import_billing(self):
        """The v1 history's invoices and Payments (docs/decisions.md, Legacy import), through
        `billing.history` as the demo seed makes them: an invoice per delivered v1 order, issued
        at its delivery, numbered gap-free per year in delivery order, without notification;
        a confirmed Payment per money-received v1 row and per delivery whose cash had no v1 row,
        each linked to the `payment` entry `import_ledgers` posted for it; allocations as the
        services make them, the rest prepaid. What is already invoiced or linked is skipped; on
        a grown source, what the v1 retailers already hold open is allocated with the new."""
        open_invoices, open_payments = history_open(list(self.by_id["retailers"]))
        step = self.report.step("invoices")
        delivered = [o["id"] for o in self.src["orders"] if m.ORDER_STATUS.get(o["status"]) == "delivered"]
        step.source = len(delivered)
        orders = Order.objects.filter(pk__in=delivered, status=OrderStatus.DELIVERED)
        step.present = orders.filter(invoice__isnull=False).count()
        pending = orders.filter(invoice__isnull=True)
        for number in pending.filter(delivered_at=None).values_list("number", flat=True):
            self.problem(f"orders {number}: delivered without a delivery time, cannot be invoiced")
        issued, lines = history_invoices(pending.exclude(delivered_at=None))
        step.imported = len(issued)
        if issued:
            step.notes.append(f"{len(issued)} invoice(s) issued at delivery, {lines} lines, no notification")
        self._write_payments(issued, open_invoices, open_payments)

    def _write_payments(self, issued: dict, open_invoices: dict, open_payments: list[dict]):
        step = self.report.step("billing.payments")
        received = [p for p in self.src["payments"] if not m.is_adjustment(p) and m.money(p["amount"]) > 0]
        candidates = {}
        for row in received:
            for prefix in ("payment", "cash_payment"):
                candidates[m.derived_id("ledger", f"{prefix}:{row['id']}")] = (prefix, row)
        for delivery in self.deliveries_by_order.values():
            candidates[m.derived_id("ledger", f"cash_collected:{delivery['id']}")] = ("cash_collected", delivery)
        entries = list(
            LedgerEntry.objects.filter(pk__in=list(candidates), kind=LedgerEntryKind.PAYMENT)
            .order_by("retailer_id", "position")
            .values_list("id", "retailer_id", "amount", "created_at", "payment_id")
        )
        step.source = len(received) + sum(1 for e in entries if candidates[e[0]][0] == "cash_collected")
        step.present = sum(1 for e in entries if e[4] is not None)
        stops = {
            order_id: (delivery_id, number, driver)
            for order_id, delivery_id, number, driver in Delivery.objects.filter(
                order_id__in=self.by_id["orders"], status="delivered", payment__isnull=True
            ).values_list("order_id", "id", "number", "driver__user_id")
        }
        numbers = dict(Order.objects.filter(pk__in=self.by_id["orders"]).values_list("id", "number"))
        documents = {**open_invoices, **issued}
        payments, linked = [], set()
        for entry_id, retailer_id, amount, at, payment_id in entries:
            if payment_id is not None:
                continue
            kind, row = candidates[entry_id]
            order_id = row["order_id"]
            cash = kind == "cash_collected" or (kind == "cash_payment" and m.payment_method(row) == "cash")
            stop = stops.get(order_id) if cash else None
            if stop is not None and stop[0] in linked:
                stop = None  # a second cash row of one stop: the delivery is the first one's
            own = documents.get(order_id)
            if own is not None and own["retailer"] != retailer_id:
                own = None  # a v1 row naming another retailer's order pays only its own retailer
            if kind == "cash_collected":
                payment = history_payment(
                    payment_id=m.derived_id("payment", kind, row["id"]), entry_id=entry_id, retailer_id=retailer_id,
                    amount=-amount, method=PaymentMethodKind.CASH, status=PaymentStatus.CONFIRMED, received_at=at,
                    reference=row["delivery_number"][:100], collected_by=self._user(stop and stop[2]),
                    delivery_id=stop and stop[0], own_invoice=own,
                    note="v1 deliveries.cash_collected (no v1 payments row)",
                )  # fmt: skip
            else:
                if row["status"] != "completed":
                    self.problem(f"payments {row['id']}: status {row['status']!r} has no import rule")
                    continue
                if -amount != m.money(row["amount"]):
                    self.problem(f"payments {row['id']}: ledger entry {-amount} ≠ amount {row['amount']}")
                    continue
                keyed_by = self._user(row["collected_by_user_id"])
                reference = row["reference_number"] or (stop and stop[1]) or numbers.get(order_id) or ""
                payment = history_payment(
                    payment_id=row["id"], entry_id=entry_id, retailer_id=retailer_id, amount=-amount,
                    method=m.payment_method(row), status=PaymentStatus.CONFIRMED,
                    received_at=row["collected_at"] or row["created_at"], reference=reference[:100],
                    collected_by=self._user(stop[2]) if stop else keyed_by, recorded_by=keyed_by,
                    delivery_id=stop and stop[0], own_invoice=own, note=row["notes"] or "",
                )  # fmt: skip
            if stop is not None:
                linked.add(stop[0])
            payments.append(payment)
        if not (payments or issued):
            return
        written, allocations = history_payments_write(payments + open_payments, documents)
        step.imported = written
        if written:
            prepaid = sum((p["amount"] - p["allocated"] for p in payments + open_payments), m.ZERO)
            step.notes.append(
                f"{written} confirmed payment(s), {len(linked)} at a stop (linked to its delivery), "
                f"{allocations} allocation(s), {prepaid} prepaid (unallocated)"
            )

    def open_missing_deliveries(self):
        """A v1 order confirmed (or later) without a delivery gets the one this project opens on
        confirmation (quirk `confirmed_without_delivery`)."""
        later = ("confirmed", "processing", "shipped", "delivered")
        ids = [o["id"] for o in self.src["orders"] if m.ORDER_STATUS.get(o["status"]) in later]
        for order in Order.objects.filter(pk__in=ids, delivery__isnull=True).order_by("created_at"):
            delivery = delivery_open(order=order, actor=None)
            self.report.step("deliveries").notes.append(f"order {order.number}: delivery {delivery.number} opened")
            self.report.step("deliveries").imported += 1


def _uuid(value):
    import uuid

    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None
