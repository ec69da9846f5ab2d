"""Checks run by `manage.py check_ledgers` (see retailers/ledger_checks.py): stock against the
stock ledger (the catalog's selector) and every order against its charges."""

from decimal import Decimal

from django.db.models import Case, DecimalField, F, Q, Sum, Value, When
from django.db.models.functions import Abs, Coalesce

from livrili.core.money import to_money
from products.selectors import stock_ledger_mismatches
from retailers.models import LedgerEntryKind

from .models import Order, OrderStatus, PaymentMethod

SHOWN = 50  # problems listed one by one; beyond that, one line counts the rest
MONEY = DecimalField(max_digits=14, decimal_places=2)


def _listed(problems: list[str], total: int) -> list[str]:
    if total > len(problems):
        problems.append(f"… and {total - len(problems)} more")
    return problems


def stock_mismatches() -> list[str]:
    """Products whose stock_quantity differs from the sum of their stock movements (one query,
    the catalog's own selector)."""
    rows = stock_ledger_mismatches().order_by("sku").values_list("pk", "sku", "stock_quantity", "ledger")
    listed = list(rows[: SHOWN + 1])
    total = rows.count() if len(listed) > SHOWN else len(listed)
    problems = [
        f"product {pk} ({sku}): stock {stock} != movements sum {moved}" for pk, sku, stock, moved in listed[:SHOWN]
    ]
    return _listed(problems, total)


# An order weighs on the ledger while it is owed: a credit order from placement until it is
# cancelled or returned (never while on credit hold), a cash order once delivered.
CHARGED = (
    Q(payment_method=PaymentMethod.CREDIT)
    & ~Q(status__in=(OrderStatus.ON_HOLD, OrderStatus.CANCELLED, OrderStatus.RETURNED))
) | Q(payment_method=PaymentMethod.CASH, status=OrderStatus.DELIVERED)


def order_charge_mismatches() -> list[str]:
    """Orders whose net charge on the ledger (charges minus reversals) is not what they owe:
    their total when charged (see CHARGED), 0 otherwise. Aggregated in SQL."""
    rows = (
        Order.objects.annotate(
            net=Coalesce(
                Sum(
                    "ledger_entries__amount",
                    filter=Q(ledger_entries__kind__in=(LedgerEntryKind.ORDER_CHARGE, LedgerEntryKind.ORDER_REVERSAL)),
                ),
                Value(Decimal("0.00")),
                output_field=MONEY,
            ),
            expected=Case(When(CHARGED, then=F("total")), default=Value(Decimal("0.00")), output_field=MONEY),
        )
        # SQLite sums decimals as floats: compare with half a cent of tolerance.
        .annotate(gap=Abs(F("net") - F("expected")))
        .filter(gap__gt=Decimal("0.005"))
        .order_by("number")
        .values_list("number", "status", "payment_method", "net", "expected")
    )
    listed = list(rows[: SHOWN + 1])
    total = rows.count() if len(listed) > SHOWN else len(listed)
    problems = [
        f"order {number} ({status}, {method}): net ledger charge {to_money(net)} != expected {to_money(expected)}"
        for number, status, method, net, expected in listed[:SHOWN]
    ]
    return _listed(problems, total)


CHECKS = [stock_mismatches, order_charge_mismatches]
