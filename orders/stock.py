"""Stock for several products at once, in a constant number of queries (placement, cancel,
edit, return). Rows are locked in primary-key order, the change is one conditional UPDATE
and the movements are one bulk insert; `products.services.stock_move` is the one-product form."""

from django.db.models import Case, F, IntegerField, When

from livrili.core.errors import DomainError
from products.models import Product, StockMovement


def stock_require(deltas: dict, available: dict) -> None:
    """INSUFFICIENT_STOCK listing every product that `deltas` would take below zero."""
    short = [
        {"product_id": str(pid), "requested": -delta, "available": available[pid]}
        for pid, delta in sorted(deltas.items())
        if available[pid] + delta < 0
    ]
    if short:
        raise DomainError("INSUFFICIENT_STOCK", details={"lines": short})


def stock_apply(*, deltas: dict, reason: str, actor=None, reference: str = "", note: str = "") -> list[StockMovement]:
    """Apply {product_id: delta} atomically (caller's transaction). Any product that would go
    below zero aborts everything with INSUFFICIENT_STOCK listing every short line."""
    deltas = {pid: delta for pid, delta in deltas.items() if delta}
    if not deltas:
        return []
    ids = sorted(deltas)
    locked = dict(
        Product.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("id", "stock_quantity")
    )
    stock_require(deltas, locked)
    # The rows are locked: the values read above are current until commit, and the CHECK
    # constraint stock_quantity >= 0 stays the last line of defence. `updated_at` is left alone:
    # it dates catalog edits and keys the cached representations (stock has its own ledger).
    Product.objects.filter(pk__in=ids).update(
        stock_quantity=Case(
            *[When(pk=pid, then=F("stock_quantity") + deltas[pid]) for pid in ids], output_field=IntegerField()
        )
    )
    author = actor if getattr(actor, "is_authenticated", False) else None
    return StockMovement.objects.bulk_create(
        [
            StockMovement(
                product_id=pid,
                delta=deltas[pid],
                reason=reason,
                stock_after=locked[pid] + deltas[pid],
                actor=author,
                reference=reference,
                note=note,
            )
            for pid in ids
        ]
    )
