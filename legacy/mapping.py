"""The v1 → Livrili rules that need no database (fixture README, expected.json `mapping`):
statuses, signs, units, phones, barcodes, the ledger a retailer's v1 history replays to."""

import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from livrili.accounts.phones import try_normalize_phone
from products.validators import ean_check_digit_ok

ZERO = Decimal("0.00")
# Ids of the rows the import derives (events, ledger keys) are uuid5 in this namespace, so a
# second run computes the same ids.
NAMESPACE = uuid.UUID("5b0c1d8e-3f4a-4c7e-9a51-6c2d7e0f1a10")

RETAILER_STATUS = {s: s for s in ("pending", "active", "suspended", "rejected", "inactive")}
ORDER_STATUS = {
    "pending": "pending",
    "confirmed": "confirmed",
    "processing": "processing",
    "shipped": "shipped",
    "delivered": "delivered",
    "cancelled": "cancelled",
    "preparing": "processing",
    "ready": "processing",
    "picked_up": "shipped",
    "out_for_delivery": "shipped",
}
DELIVERY_STATUS = {s: s for s in ("pending", "assigned", "picked_up", "in_transit", "delivered", "failed", "cancelled")}
DELIVERY_FINAL = {"delivered", "failed", "cancelled"}
DELIVERY_RANK = {
    "pending": 0,
    "assigned": 1,
    "picked_up": 2,
    "in_transit": 3,
    "failed": 4,
    "cancelled": 4,
    "delivered": 5,
}
DRIVER_STATUS = {"available": "available", "busy": "on_route", "offline": "off_duty", "suspended": "suspended"}
ROUTE_STATUS = {"planned": "planned", "active": "in_progress", "completed": "completed", "cancelled": "cancelled"}
UNIT = {
    "piece": "piece",
    "pack": "pack",
    "carton": "carton",
    "kg": "kg",
    "bouteille": "piece",
    "boîte": "piece",
    "sac": "piece",
    "fardeau": "pack",
    None: "piece",
    "": "piece",
}
BUSINESS_TYPES = {"grocery", "supermarket", "convenience", "wholesale", "restaurant", "cafe", "pharmacy", "other"}
VEHICLE_TYPES = {"motorcycle", "car", "van", "truck"}
FAILURE_REASONS = {"absent", "refused", "closed", "wrong_address", "no_cash", "damaged", "other"}
TEMP_EMAIL_DOMAIN = "@temp.local"


def derived_id(*parts) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, ":".join(str(part) for part in parts))


def money(value) -> Decimal:
    return (Decimal(value) if value is not None else ZERO).quantize(Decimal("0.01"))


def phone_format(raw: str | None) -> str | None:
    """Which of v1's five spellings `raw` uses (quirk `mixed_phone_formats`)."""
    if not raw:
        return None
    if raw.startswith("+"):
        return "e164"
    if " " in raw:
        return "spaced"
    if "-" in raw:
        return "dashed"
    if raw.startswith("213"):
        return "intl_no_plus"
    return "plain"


def phone(raw: str | None) -> str | None:
    """E.164 (`0661 23 45 67` → `+213661234567`); None when empty or not a phone number."""
    return try_normalize_phone(raw) if raw else None


def email(raw: str | None) -> str | None:
    """Lower-cased; v1's `<username>@temp.local` placeholders become empty."""
    value = (raw or "").strip().lower()
    if not value or value.endswith(TEMP_EMAIL_DOMAIN):
        return None
    return value


def barcode(raw: str | None) -> str | None:
    """Kept only with a valid EAN-13/EAN-8 check digit (v1's admin helper made invalid ones)."""
    value = (raw or "").strip()
    if len(value) in (8, 13) and value.isdigit() and ean_check_digit_ok(value):
        return value
    return None


def unit(raw: str | None) -> str:
    return UNIT.get(raw.strip().lower() if raw else raw, "piece")


def time_slot(raw: str | None) -> str:
    """v1's '08:00-12:00' windows → this project's `morning` / `afternoon` slots."""
    if not raw:
        return "morning"
    try:
        start = int(raw.split(":", 1)[0])
    except ValueError:
        return "morning"
    return "morning" if start < 12 else "afternoon"


def fold(text: str) -> str:
    """Lower case without accents, for matching wilaya names ('Béjaïa' = 'bejaia')."""
    text = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in text if not unicodedata.combining(c)).lower().strip()


def names(ar: str, fr: str, en: str) -> tuple[tuple[str, str, str], list[str]]:
    """All three names required: an empty one is filled from the others (fr and en from each
    other first, the same script, then ar; ar from fr then en). Returns the names and which
    were filled (quirk `category_empty_name_fr`)."""
    ar, fr, en = (ar or "").strip(), (fr or "").strip(), (en or "").strip()
    filled = []
    if not fr:
        fr = en or ar
        filled.append("fr")
    if not en:
        en = fr or ar
        filled.append("en")
    if not ar:
        ar = fr or en
        filled.append("ar")
    return (ar, fr, en), filled


def ean_ok(value: str | None) -> bool:
    return barcode(value) is not None


@dataclass
class LedgerLine:
    key: str  # idempotency key, e.g. "order_charge:<order id>"
    kind: str
    amount: Decimal  # signed, this project's convention (+ = debt)
    at: datetime
    reason: str = ""
    order_id: uuid.UUID | None = None
    actor_id: uuid.UUID | None = None


def is_adjustment(payment: dict) -> bool:
    return (payment.get("reference_number") or "").startswith("ADJ-")


def moves_balance(payment: dict) -> bool:
    """v1 moved the balance for `credit_payment` (any method) and `order_payment`/`credit`."""
    return payment["payment_type"] == "credit_payment" or payment["payment_method"] == "credit"


def payment_method(payment: dict) -> str:
    """v1 knew cash/credit only ('credit' meant "against the credit account"); cheques and
    transfers exist only as words in the notes."""
    notes = (payment.get("notes") or "").lower()
    if "chèque" in notes or "cheque" in notes:
        return "cheque"
    if "virement" in notes or "ccp" in notes:
        return "bank_transfer"
    return "cash"


def cancellation(order: dict) -> dict:
    return (order.get("metadata") or {}).get("cancellation") or {}


def parse_time(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


@dataclass
class LedgerPlan:
    lines: list[LedgerLine] = field(default_factory=list)
    replayed: Decimal = ZERO  # Σ of the history, before any opening balance
    target: Decimal = ZERO  # −(v1 current_balance)

    @property
    def residual(self) -> Decimal:
        return self.target - self.replayed


def kept_deliveries(deliveries: list[dict]) -> dict:
    """Per order id, the delivery kept when v1 made several: the most advanced, then the latest
    (expected.json `mapping.delivery_status.rule`)."""
    kept = {}
    for delivery in sorted(deliveries, key=lambda d: (DELIVERY_RANK.get(d["status"], 0), d["created_at"])):
        kept[delivery["order_id"]] = delivery
    return kept


CASH_KEYS = ("cash_charge:", "cash_payment:", "cash_collected:")


def cash_settlement(orders: list[dict], payments: list[dict], deliveries: dict) -> list[LedgerLine]:
    """This project charges a cash order when it is delivered and its cash pays the charge
    (orders.ledger_checks). v1 posted neither; the pair nets to zero and keeps the v1 balance:
    the charge, then the order's cash payments, else the cash its delivery collected.
    `deliveries`: the kept delivery of each order, by order id."""
    paid = {}
    for payment in payments:
        if payment.get("order_id") and not moves_balance(payment) and not is_adjustment(payment):
            paid.setdefault(payment["order_id"], []).append(payment)
    collected = deliveries
    lines = []
    for order in orders:
        if order["payment_method"] != "cash" or order["status"] != "delivered":
            continue
        delivery = collected.get(order["id"])
        at = (delivery or {}).get("actual_delivery_time") or order["updated_at"]
        total = money(order["total_amount"])
        lines.append(
            LedgerLine(f"cash_charge:{order['id']}", "order_charge", total, at, order["order_number"], order["id"])
        )
        if order["id"] in paid:
            for payment in paid[order["id"]]:
                amount = money(payment["amount"])
                when = max(payment.get("collected_at") or payment["created_at"], at)
                lines.append(
                    LedgerLine(
                        f"cash_payment:{payment['id']}",
                        "payment",
                        -amount,
                        when,
                        payment.get("reference_number") or order["order_number"],
                        order["id"],
                    )
                )
        elif delivery and money(delivery["cash_collected"]):
            lines.append(
                LedgerLine(
                    f"cash_collected:{delivery['id']}",
                    "payment",
                    -money(delivery["cash_collected"]),
                    at,
                    delivery["delivery_number"],
                    order["id"],
                )
            )
    return lines


def ledger_plan(retailer: dict, orders: list[dict], payments: list[dict], deliveries=None) -> LedgerPlan:
    """The retailer's v1 history as ledger lines (expected.json `mapping.ledger_entries`), in
    time order, and an `opening_balance` first for any residual against the stored balance.
    With `deliveries`, delivered cash orders also get their zero-sum charge and payment
    (`cash_settlement`)."""
    plan = LedgerPlan(target=-money(retailer["current_balance"]))
    lines = [] if deliveries is None else cash_settlement(orders, payments, deliveries)
    for order in orders:
        if order["payment_method"] != "credit":
            continue  # v1 never charged cash orders to the balance
        total = money(order["total_amount"])
        lines.append(
            LedgerLine(
                key=f"order_charge:{order['id']}",
                kind="order_charge",
                amount=total,
                at=order["created_at"],
                reason=order["order_number"],
                order_id=order["id"],
                actor_id=order.get("created_by_user_id"),
            )
        )
        if order["status"] == "cancelled":
            cancel = cancellation(order)
            lines.append(
                LedgerLine(
                    key=f"order_reversal:{order['id']}",
                    kind="order_reversal",
                    amount=-total,
                    at=parse_time(cancel.get("cancelled_at")) or order["updated_at"],
                    reason=order["order_number"],
                    order_id=order["id"],
                )
            )
    for payment in payments:
        amount = money(payment["amount"])
        at = payment.get("collected_at") or payment["created_at"]
        actor = payment.get("collected_by_user_id")
        if is_adjustment(payment):
            reason = (payment.get("metadata") or {}).get("reason") or payment["reference_number"]
            kind = "adjustment_debit" if amount < 0 else "adjustment_credit"
            lines.append(LedgerLine(f"adjustment:{payment['id']}", kind, -amount, at, reason, None, actor))
        elif moves_balance(payment) and amount:
            lines.append(
                LedgerLine(
                    f"payment:{payment['id']}",
                    "payment",
                    -amount,
                    at,
                    payment.get("reference_number") or "",
                    payment.get("order_id"),
                    actor,
                )
            )
    lines.sort(key=lambda line: (line.at, line.key))
    plan.replayed = sum((line.amount for line in lines), ZERO)
    if plan.residual:
        first = lines[0].at if lines else retailer["created_at"]
        lines.insert(
            0,
            LedgerLine(f"opening_balance:{retailer['id']}", "opening_balance", plan.residual, first, "v1 balance"),
        )
    plan.lines = lines
    return plan
