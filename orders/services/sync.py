"""Offline cart sync (workflows.md §2): actions queued on a device, replayed in posted order."""

from django.db import transaction

from products.selectors import hidden_category_ids
from retailers.models import Retailer
from retailers.services import retailer_require_active

from ..models import CartAction, CartActionType, CartItem
from . import locks
from .cart import _adjusting_write, _products_by_id


def _apply_action(retailer, actor, action: dict, products: dict, items: dict, hidden: frozenset) -> dict:
    """One offline action against the cart lines in `items` (kept in step with the database)."""
    kind = action["action"]
    if kind == CartActionType.CLEAR:
        CartItem.objects.filter(retailer=retailer).delete()
        items.clear()
        return {"result": "applied", "quantity": 0, "error_code": None}
    product = products.get(action.get("product_id"))
    if product is None:
        return {"result": "rejected", "quantity": 0, "error_code": "PRODUCT_UNAVAILABLE"}
    item = items.get(product.pk)
    if kind == CartActionType.REMOVE:
        if item:
            item.delete()
            del items[product.pk]
        return {"result": "applied", "quantity": 0, "error_code": None}
    wanted = action["quantity"] + (item.quantity if item and kind == CartActionType.ADD else 0)
    result, written = _adjusting_write(retailer, actor, product, wanted, item, hidden)
    if written is not None:
        items[product.pk] = written
    return result


def _action_payload(action: dict) -> dict:
    return {
        "action": action["action"],
        "product_id": str(action["product_id"]) if action.get("product_id") else None,
        "quantity": action.get("quantity"),
    }


@transaction.atomic
def cart_sync(*, retailer: Retailer, actor, device_id: str, actions: list[dict]) -> list[dict]:
    """Apply offline actions in the posted order. A known client_action_id returns its stored
    result and changes nothing; the same id with another payload is rejected with
    IDEMPOTENCY_CONFLICT. Quantities are lowered to what stock allows (`adjusted`)."""
    retailer = locks.lock_retailer(retailer.pk)
    retailer_require_active(retailer)
    ids = [a["client_action_id"] for a in actions]
    stored = {a.client_action_id: a for a in CartAction.objects.filter(retailer=retailer, client_action_id__in=ids)}
    products = _products_by_id({a["product_id"] for a in actions if a.get("product_id")})
    items = {item.product_id: item for item in CartItem.objects.filter(retailer=retailer)}
    hidden = hidden_category_ids()
    results, new_rows = [], []
    for action in actions:
        action_id, payload = action["client_action_id"], _action_payload(action)
        known = stored.get(action_id)
        if known is not None:
            if known.payload == payload:
                results.append({"client_action_id": action_id, **known.result})
            else:
                results.append(
                    {
                        "client_action_id": action_id,
                        "result": "rejected",
                        "quantity": None,
                        "error_code": "IDEMPOTENCY_CONFLICT",
                    }
                )
            continue
        result = _apply_action(retailer, actor, action, products, items, hidden)
        row = CartAction(
            retailer=retailer,
            client_action_id=action_id,
            action=action["action"],
            payload=payload,
            device_id=device_id,
            client_timestamp=action.get("client_timestamp"),
            result=result,
        )
        stored[action_id] = row
        new_rows.append(row)
        results.append({"client_action_id": action_id, **result})
    CartAction.objects.bulk_create(new_rows)
    return results
