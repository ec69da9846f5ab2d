"""The order rules that read no more than they are given: a cart line's checks, the credit
decision, delivery dates and the status pipeline as data. Services and selectors both import
them from here, so a line is judged the same way in the cart summary and at placement."""

from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from django.utils import timezone
from django.utils.translation import gettext as _

from livrili.core.errors import DomainError, validation_error
from livrili.core.models import BusinessSettings, CreditPolicy
from livrili.core.money import MONEY_LIMIT
from products.models import Product
from products.selectors import hidden_category_ids
from products.services.stock import insufficient_stock
from retailers.models import Retailer

from .models import OrderStatus

# --- Cart lines ----------------------------------------------------------------------------


# The largest quantity a line may ask for (API and admin): far above any stock, far below a column's range.
MAX_LINE_QUANTITY = 1_000_000


def product_available(product: Product, hidden_categories: frozenset | None = None) -> bool:
    """Orderable by retailers: the product and every ancestor category are active."""
    hidden = hidden_category_ids() if hidden_categories is None else hidden_categories
    return product.is_active and product.category_id not in hidden


def quantity_error(product: Product, quantity: int) -> DomainError | None:
    """Minimum quantity and order multiple (stock is checked separately)."""
    details = {
        "product_id": str(product.pk),
        "minimum": product.min_order_quantity,
        "multiple": product.order_multiple,
    }
    if quantity < product.min_order_quantity:
        return DomainError("BELOW_MIN_QUANTITY", details=details)
    if quantity % product.order_multiple:
        return DomainError("INVALID_QUANTITY_MULTIPLE", details=details)
    return None


def check_totals_fit(total: Decimal) -> None:
    """Every amount of an order is stored in a 14-digit column, and the total is the largest of
    them: beyond it, a clear refusal before anything is written."""
    if total >= MONEY_LIMIT:
        raise validation_error(
            "lines",
            _("This order's total is beyond what one order can hold (%(limit)s DZD): split it.")
            % {"limit": MONEY_LIMIT},
        )


# What `check_line` reads of a product: a cart change loads only these.
LINE_RULE_FIELDS = ("id", "is_active", "category_id", "min_order_quantity", "order_multiple", "stock_quantity")


def check_line(product: Product, quantity: int, hidden_categories: frozenset | None = None) -> None:
    """Every rule of a cart line: available, minimum, multiple, stock."""
    if not product_available(product, hidden_categories):
        raise DomainError("PRODUCT_UNAVAILABLE", details={"product_id": str(product.pk)})
    error = quantity_error(product, quantity)
    if error:
        raise error
    if quantity > product.stock_quantity:
        raise insufficient_stock([(product.pk, quantity, product.stock_quantity)])


def largest_valid_quantity(product: Product, wanted: int) -> int:
    """The largest quantity ≤ wanted and ≤ stock that is a multiple ≥ the minimum (0 if none)."""
    cap = min(wanted, product.stock_quantity)
    quantity = cap - cap % product.order_multiple
    return quantity if quantity >= product.min_order_quantity else 0


# --- Credit and delivery -------------------------------------------------------------------


class CreditDecision(StrEnum):
    """What a credit order's total does to its retailer's account (placement and edit)."""

    CHARGE = "charge"  # it fits the available credit: charged now
    HOLD = "hold"  # over the limit under the `hold` policy: waits for Finance, uncharged


def credit_decision(retailer: Retailer, total: Decimal, settings: BusinessSettings) -> CreditDecision:
    """CHARGE when the total fits the available credit, else HOLD or a refusal by policy."""
    if total <= retailer.available_credit:
        return CreditDecision.CHARGE
    if settings.credit_policy == CreditPolicy.HOLD:
        return CreditDecision.HOLD
    raise DomainError(
        "CREDIT_LIMIT_EXCEEDED", details={"available_credit": str(retailer.available_credit), "required": str(total)}
    )


def earliest_delivery_date(settings: BusinessSettings, now=None) -> date:
    """The next working day after today, or after tomorrow once the cut-off hour has passed."""
    now = timezone.localtime(now)
    day = now.date() + timedelta(days=1 if now.hour >= settings.order_cutoff_hour else 0)
    day += timedelta(days=1)
    while day.isoweekday() not in settings.working_days:
        day += timedelta(days=1)
    return day


# --- The status pipeline -------------------------------------------------------------------

# The order status pipeline as data (workflows.md §4).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    OrderStatus.PENDING: (OrderStatus.CONFIRMED, OrderStatus.CANCELLED, OrderStatus.ON_HOLD),
    OrderStatus.ON_HOLD: (OrderStatus.CONFIRMED, OrderStatus.CANCELLED),
    OrderStatus.CONFIRMED: (OrderStatus.PROCESSING, OrderStatus.CANCELLED),
    OrderStatus.PROCESSING: (OrderStatus.SHIPPED, OrderStatus.CANCELLED),
    OrderStatus.SHIPPED: (OrderStatus.DELIVERED, OrderStatus.RETURNED),
    OrderStatus.DELIVERED: (),
    OrderStatus.CANCELLED: (),
    OrderStatus.RETURNED: (),
}
# Entered only by the credit decision (placement, edit), never asked for by an operator.
CREDIT_DECIDED = (OrderStatus.ON_HOLD,)
RETAILER_CANCELLABLE = (OrderStatus.PENDING, OrderStatus.ON_HOLD)
EDITABLE = (OrderStatus.PENDING, OrderStatus.ON_HOLD)
OPEN_STATUSES = (
    OrderStatus.PENDING,
    OrderStatus.ON_HOLD,
    OrderStatus.CONFIRMED,
    OrderStatus.PROCESSING,
    OrderStatus.SHIPPED,
)


def allowed_targets(status: str) -> list[str]:
    """The statuses an operator may move an order to from `status`."""
    return [target for target in TRANSITIONS[status] if target not in CREDIT_DECIDED]
