"""The one owner of stock. `Product.stock_quantity` changes only here, and every change writes a
StockMovement whose `stock_after` is the stock right after it, so for every product
`stock_quantity == Σ StockMovement.delta` and the movements chain.

- `stock_apply` is the one locked operation: several products at once (an order's lines), in a
  constant number of queries; a refusal lists every short line and writes nothing.
- `stock_take` / `stock_put_back` (orders: placement; cancel, return, edit), `stock_set`
  (importer), `stock_move` and `stock_adjust` (one product) are built on it.
- `stock_check` answers INSUFFICIENT_STOCK from stock already read (no lock); `insufficient_stock`
  builds that error (the only place it is built).
- `StockHistory` is the bulk writer for seeds that write a dated history without locks.
"""

import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Case, F, IntegerField, Max, Sum, Value, When
from django.db.models.lookups import GreaterThanOrEqual
from django.db.transaction import TransactionManagementError
from django.utils.translation import gettext as _

from livrili.core.audit import authenticated_actor
from livrili.core.errors import DomainError, validation_error

from ..models import Product, StockMovement, StockReason

ORDER_REASONS = (StockReason.ORDER, StockReason.ORDER_CANCEL)
STOCK_MOVEMENT_COLUMNS = (
    "id",
    "product_id",
    "delta",
    "reason",
    "stock_after",
    "reference",
    "actor_id",
    "note",
    "created_at",
)
BATCH = 1000  # products per locking SELECT and per UPDATE (bounded statements for large imports)


def insufficient_stock(lines: Iterable[tuple]) -> DomainError:
    """INSUFFICIENT_STOCK for `(product_id, requested, available)` lines, in product id order:
    `details = {"lines": [{"product_id": "<uuid>", "requested": n, "available": m}, …]}`."""
    return DomainError(
        "INSUFFICIENT_STOCK",
        details={
            "lines": [
                {"product_id": str(product_id), "requested": requested, "available": available}
                for product_id, requested, available in sorted(lines, key=lambda line: line[0])
            ]
        },
    )


def stock_check(*, deltas: Mapping, available: Mapping) -> None:
    """Raise INSUFFICIENT_STOCK listing every product that `deltas` ({product_id: delta}) would
    take below its `available` stock. No queries: callers answering before they lock pass the
    stock they read; `stock_apply` checks again under the row locks, which is the guarantee."""
    short = [(pid, -delta, available[pid]) for pid, delta in deltas.items() if available[pid] + delta < 0]
    if short:
        raise insufficient_stock(short)


def stock_totals(lines: Iterable[tuple]) -> dict:
    """{product_id: total quantity} of `(product_id, quantity)` lines (a product may repeat)."""
    totals: dict = {}
    for product_id, quantity in lines:
        totals[product_id] = totals.get(product_id, 0) + quantity
    return totals


def _locked_stock(ids: list) -> dict:
    """Lock the products' rows in primary-key order (two writers never wait on each other in a
    cycle) and return {product_id: stock_quantity}, current until the caller's commit."""
    locked: dict = {}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        locked.update(
            Product.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values_list("id", "stock_quantity")
        )
    return locked


def _write(
    *, locked: dict, deltas: dict, reason: str, actor, reference: str, note: str, notes: Mapping | None
) -> list[StockMovement]:
    """Apply checked `deltas` to rows locked at `locked` stock: one conditional UPDATE per
    BATCH products, then one movement per product with its exact `stock_after`."""
    ids = sorted(deltas)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        # Conditional even though the rows are locked: a row changes only if its new stock is not
        # negative (the CHECK stock_quantity >= 0 stays the last line of defence).
        # `updated_at` is left alone: it dates catalog edits and keys the cached representations.
        updated = _add_stock(chunk, [deltas[pid] for pid in chunk])
        if updated != len(chunk):  # cannot happen under the locks; never keep a partial change
            transaction.set_rollback(True)
            raise RuntimeError("stock changed under the row locks")
    author = authenticated_actor(actor)
    notes = notes or {}
    return StockMovement.objects.bulk_create(
        [
            StockMovement(
                product_id=pid,
                delta=deltas[pid],
                reason=reason,
                stock_after=locked[pid] + deltas[pid],
                actor=author,
                reference=reference,
                note=notes.get(pid, note),
            )
            for pid in ids
        ],
        batch_size=BATCH,
    )


# On PostgreSQL the deltas travel as two arrays: the ORM's CASE with one WHEN per product,
# written twice (condition and value), cost 2.5 ms of CPU to build for an order's 10 lines, the
# statement itself 0.2 (docs/performance.md, pass 2).
_ADD_STOCK_SQL = """UPDATE "products_product" p SET "stock_quantity" = p."stock_quantity" + d.delta
  FROM unnest(%s::uuid[], %s::integer[]) AS d(id, delta)
 WHERE p."id" = d.id AND p."stock_quantity" + d.delta >= 0
"""


def _add_stock(ids: list, deltas: list[int]) -> int:
    """Add `deltas` to the products `ids` (parallel lists) where the stock stays ≥ 0; the number
    of rows changed."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_ADD_STOCK_SQL, [[uuid.UUID(str(pid)) for pid in ids], deltas])
            return cursor.rowcount
    change = Case(
        *[When(pk=pid, then=Value(d)) for pid, d in zip(ids, deltas, strict=True)], output_field=IntegerField()
    )
    return (
        Product.objects.filter(pk__in=ids)
        .filter(GreaterThanOrEqual(F("stock_quantity") + change, 0))
        .update(stock_quantity=F("stock_quantity") + change)
    )


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise TransactionManagementError(
            "stock changes run in the caller's transaction: the row locks last until commit"
        )


def stock_apply(
    *, deltas: Mapping, reason: str, actor=None, reference: str = "", note: str = "", notes: Mapping | None = None
) -> list[StockMovement]:
    """Apply {product_id: delta} to several products at once, in the caller's transaction (one
    must be open: the row locks last until its commit). The rows are locked in primary-key
    order and the availability re-checked under the locks: if any product would go below zero,
    INSUFFICIENT_STOCK lists every short line and nothing is written. An unknown product is
    NOT_FOUND. Then one conditional UPDATE and one StockMovement per product (`notes`: a note
    per product, else `note`; the actor only if authenticated). Zero deltas are dropped.
    Returns the movements in product id order."""
    _require_transaction()
    deltas = {pid: delta for pid, delta in deltas.items() if delta}
    if not deltas:
        return []
    locked = _locked_stock(sorted(deltas))
    if len(locked) < len(deltas):
        raise DomainError("NOT_FOUND")
    stock_check(deltas=deltas, available=locked)
    return _write(locked=locked, deltas=deltas, reason=reason, actor=actor, reference=reference, note=note, notes=notes)


def stock_take(
    *, quantities: Mapping, reason: str = StockReason.ORDER, actor=None, reference: str = "", note: str = ""
) -> list[StockMovement]:
    """Take {product_id: quantity} (an order's lines, `stock_totals` merges repeated products):
    all or nothing, a short line refuses the whole take (`stock_apply`)."""
    deltas = {pid: -quantity for pid, quantity in quantities.items()}
    return stock_apply(deltas=deltas, reason=reason, actor=actor, reference=reference, note=note)


def stock_put_back(
    *, quantities: Mapping, reason: str, actor=None, reference: str = "", note: str = ""
) -> list[StockMovement]:
    """Put {product_id: quantity} back (cancel: `order_cancel`, return: `return`)."""
    return stock_apply(deltas=dict(quantities), reason=reason, actor=actor, reference=reference, note=note)


def stock_set(
    *, quantities: Mapping, reason: str, actor=None, reference: str = "", note: str = "", notes: Mapping | None = None
) -> list[StockMovement]:
    """Set {product_id: stock} under the row locks (an import's stock column, a stock count): one
    movement per product whose stock changes, none for the others."""
    _require_transaction()
    if any(quantity < 0 for quantity in quantities.values()):
        raise validation_error("quantity", _("Enter a positive quantity."))
    locked = _locked_stock(sorted(quantities))
    if len(locked) < len(quantities):
        raise DomainError("NOT_FOUND")
    deltas = {pid: quantity - locked[pid] for pid, quantity in quantities.items() if quantity != locked[pid]}
    if not deltas:
        return []
    return _write(locked=locked, deltas=deltas, reason=reason, actor=actor, reference=reference, note=note, notes=notes)


@transaction.atomic
def stock_move(
    *, product_id, delta: int, reason: str, actor=None, reference: str = "", note: str = ""
) -> StockMovement:
    """One product's `delta` (`stock_apply` for one line): never below 0, the movement returned."""
    (movement,) = stock_apply(deltas={product_id: delta}, reason=reason, actor=actor, reference=reference, note=note)
    return movement


@transaction.atomic
def stock_adjust(*, actor, product: Product, operation: str, quantity: int, note: str = "") -> StockMovement | None:
    """Staff stock operation: `set` to a value, `add` or `subtract` a quantity (never below 0).
    Setting the current value writes nothing and returns None."""
    if quantity < 0 or (operation != "set" and quantity == 0):
        raise validation_error("quantity", _("Enter a positive quantity."))
    if operation == "set":
        movements = stock_set(quantities={product.pk: quantity}, reason=StockReason.ADJUST_SET, actor=actor, note=note)
        return movements[0] if movements else None
    if operation == "add":
        delta, reason = quantity, StockReason.ADJUST_ADD
    elif operation == "subtract":
        delta, reason = -quantity, StockReason.ADJUST_SUBTRACT
    else:
        raise validation_error("operation", _("Unknown stock operation."))
    return stock_move(product_id=product.pk, delta=delta, reason=reason, actor=actor, note=note)


class StockHistory:
    """The bulk writer, for seeds that write stock for a whole catalog (the catalog seed's
    opening stock, the demo order history's dated movements) where row locks and one UPDATE
    per movement would not do.

    It starts from each product's recorded stock (Σ delta of its movements) and keeps it as a
    running value: `move()` refuses to go below zero, keeps each product's movements strictly
    in time order (a movement at or before the previous one moves 1 µs after it) and hands the
    row, `stock_after` included, to `sink.add(row)` as a tuple in STOCK_MOVEMENT_COLUMNS order
    (the caller's batch writer keeps the historical `created_at`, which bulk_create would
    overwrite). `write_stock()` then sets `Product.stock_quantity` to the running values in one
    bulk update, after the sink has written every movement, so the chain ends at the product's
    stock. Only for a transaction in which nothing else changes these products' stock."""

    def __init__(self, *, product_ids: Iterable, sink, new_id: Callable[[], uuid.UUID] = uuid.uuid4):
        self.sink = sink
        self.new_id = new_id
        ids = list(product_ids)
        # every product's figures in two grouped queries (no IN list: a seed passes the catalog)
        recorded = StockMovement.objects.values_list("product_id").order_by()
        totals = dict(recorded.annotate(total=Sum("delta")))
        last = dict(recorded.annotate(at=Max("created_at")))
        self.stock = {pid: totals.get(pid, 0) for pid in ids}
        self.recorded = dict(self.stock)
        self.last_at: dict = {pid: last.get(pid) for pid in ids}

    def move(
        self, *, product_id, delta: int, reason: str, at: datetime, reference: str = "", note: str = "", actor_id=None
    ) -> int:
        """Record one movement at `at`; returns the product's stock after it."""
        previous = self.last_at[product_id]
        if previous is not None and at <= previous:
            at = previous + timedelta(microseconds=1)
        stock = self.stock[product_id] + delta
        if stock < 0:
            raise ValueError(f"stock of product {product_id} would go below zero")
        self.last_at[product_id] = at
        self.stock[product_id] = stock
        self.sink.add((self.new_id(), product_id, delta, reason, stock, reference, actor_id, note, at))
        return stock

    def write_stock(self) -> None:
        """`Product.stock_quantity` = the running stock of every product it changed, one bulk
        update (call after the sink's last write)."""
        changed = {pid: stock for pid, stock in self.stock.items() if stock != self.recorded[pid]}
        products = [Product(pk=pid, stock_quantity=stock) for pid, stock in changed.items()]
        Product.objects.bulk_update(products, ["stock_quantity"], batch_size=2000)
