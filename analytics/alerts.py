"""The alert checks: each finds, in one query over live data, the conditions that hold now, as
`Condition(key, type, severity, object, data)`. `analytics.services.alerts_raise` opens an alert
for a condition without an open one (the key deduplicates) and resolves the open alerts whose
condition no longer holds. Messages are composed when read, in the reader's language."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import OPEN_INVOICE_STATUSES, CashHandover, Invoice
from deliveries.models import Delivery, DeliveryStatus, Driver, DriverStatus
from livrili.core.admin import money_display
from livrili.core.models import BusinessSettings
from products.models import Product
from retailers.models import Retailer, RetailerStatus

from .models import AlertType, Severity
from .periods import today

STOCKOUT_VELOCITY_DAYS = 14  # sales window of the stock-out risk
STOCKOUT_WITHIN_DAYS = 7  # risk when the stock lasts fewer days than this
FAILED_WITHIN_DAYS = 7  # failed deliveries of the last week
LICENSE_WITHIN_DAYS = 30  # licences expiring within a month (or expired)
OVERDUE_CRITICAL_DAYS = 30  # an invoice this many days past due is critical


@dataclass(frozen=True)
class Condition:
    key: str
    type: str
    severity: str
    object_type: str
    object_id: str
    object_repr: str
    data: dict


def low_stock() -> list[Condition]:
    """Active products at or below their low-stock threshold (the shop's default when unset)."""
    default = BusinessSettings.load().low_stock_threshold
    rows = (
        Product.objects.filter(is_active=True)
        .annotate(threshold=Coalesce("low_stock_threshold", default))
        .filter(stock_quantity__lte=F("threshold"))
        .values("pk", "sku", "name_fr", "stock_quantity", "threshold")
    )
    return [
        Condition(
            key=f"low_stock:{row['pk']}",
            type=AlertType.LOW_STOCK,
            severity=Severity.CRITICAL if row["stock_quantity"] == 0 else Severity.WARNING,
            object_type="products.product",
            object_id=str(row["pk"]),
            object_repr=f"{row['sku']} {row['name_fr']}"[:200],
            data={"sku": row["sku"], "stock": row["stock_quantity"], "threshold": row["threshold"]},
        )
        for row in rows
    ]


def stockout_risk() -> list[Condition]:
    """Selling products whose stock lasts fewer than 7 days at the last 14 days' pace (the
    stock-out predictions report's figures); those already out of stock are low-stock alerts."""
    from .selectors.reports import stock_predictions

    rows = stock_predictions(days=STOCKOUT_VELOCITY_DAYS).rows
    return [
        Condition(
            key=f"stockout_risk:{row['id']}",
            type=AlertType.STOCKOUT_RISK,
            severity=Severity.CRITICAL if row["days_until_stockout"] < 3 else Severity.WARNING,
            object_type="products.product",
            object_id=row["id"],
            object_repr=f"{row['sku']} {row['name']}"[:200],
            data={
                "sku": row["sku"],
                "stock": row["stock"],
                "velocity": str(row["velocity"]),
                "days": str(row["days_until_stockout"]),
                "suggested_reorder": row["suggested_reorder"],
            },
        )
        for row in rows
        if row["stock"] > 0 and row["days_until_stockout"] < STOCKOUT_WITHIN_DAYS
    ]


def credit_over_limit() -> list[Condition]:
    """Retailers owing more than their credit limit."""
    rows = (
        Retailer.objects.filter(status__in=(RetailerStatus.ACTIVE, RetailerStatus.SUSPENDED))
        .filter(balance__gt=F("credit_limit"))
        .values("pk", "business_name", "balance", "credit_limit")
    )
    return [
        Condition(
            key=f"credit_over_limit:{row['pk']}",
            type=AlertType.CREDIT_OVER_LIMIT,
            severity=Severity.CRITICAL,
            object_type="retailers.retailer",
            object_id=str(row["pk"]),
            object_repr=row["business_name"][:200],
            data={
                "balance": str(row["balance"]),
                "credit_limit": str(row["credit_limit"]),
                "excess": str(row["balance"] - row["credit_limit"]),
            },
        )
        for row in rows
    ]


def delivery_failed() -> list[Condition]:
    """Deliveries that failed in the last week and are still failed (not yet rescheduled,
    returned or cancelled); each attempt is its own alert."""
    since = timezone.now() - timedelta(days=FAILED_WITHIN_DAYS)
    rows = Delivery.objects.filter(status=DeliveryStatus.FAILED, failed_at__gte=since).values(
        "pk", "number", "attempts", "failure_reason", "order__number"
    )
    return [
        Condition(
            key=f"delivery_failed:{row['pk']}:{row['attempts']}",
            type=AlertType.DELIVERY_FAILED,
            severity=Severity.WARNING,
            object_type="deliveries.delivery",
            object_id=str(row["pk"]),
            object_repr=row["number"],
            data={"order_number": row["order__number"], "reason": row["failure_reason"], "attempts": row["attempts"]},
        )
        for row in rows
    ]


def license_expiring() -> list[Condition]:
    """Drivers (not suspended) whose licence expires within 30 days or has expired."""
    limit = today() + timedelta(days=LICENSE_WITHIN_DAYS)
    rows = (
        Driver.objects.exclude(status=DriverStatus.SUSPENDED)
        .filter(license_expiry__isnull=False, license_expiry__lte=limit)
        .values("pk", "user__full_name", "user__username", "license_expiry")
    )
    return [
        Condition(
            key=f"license_expiring:{row['pk']}:{row['license_expiry'].isoformat()}",
            type=AlertType.LICENSE_EXPIRING,
            severity=Severity.CRITICAL if row["license_expiry"] < today() else Severity.WARNING,
            object_type="deliveries.driver",
            object_id=str(row["pk"]),
            object_repr=(row["user__full_name"] or row["user__username"])[:200],
            data={"expiry": row["license_expiry"].isoformat()},
        )
        for row in rows
    ]


def invoice_overdue() -> list[Condition]:
    """Open invoices past their due date with an amount still due (total − amount paid > 0);
    the key carries the due date, so a new due date is a new condition."""
    day = today()
    rows = (
        Invoice.objects.filter(status__in=OPEN_INVOICE_STATUSES, due_date__lt=day, amount_paid__lt=F("total"))
        .values("pk", "number", "due_date", "total", "amount_paid", "retailer__business_name")
        .order_by("due_date", "number")
    )
    return [
        Condition(
            key=f"invoice_overdue:{row['pk']}:{row['due_date'].isoformat()}",
            type=AlertType.INVOICE_OVERDUE,
            severity=Severity.CRITICAL if (day - row["due_date"]).days > OVERDUE_CRITICAL_DAYS else Severity.WARNING,
            object_type="billing.invoice",
            object_id=str(row["pk"]),
            object_repr=row["number"],
            data={
                "retailer": row["retailer__business_name"],
                "due_date": row["due_date"].isoformat(),
                "amount_due": str(row["total"] - row["amount_paid"]),
            },
        )
        for row in rows
    ]


def handover_discrepancy() -> list[Condition]:
    """Cash handovers whose counted amount differs from the expected one (approved or not: an
    approved handover keeps its discrepancy); resolved by the staff once explained."""
    rows = (
        CashHandover.objects.exclude(discrepancy=0)
        .values(
            "pk",
            "business_date",
            "expected_amount",
            "counted_amount",
            "discrepancy",
            "reason",
            "driver__user__full_name",
            "driver__user__username",
        )
        .order_by("business_date", "pk")
    )
    return [
        Condition(
            key=f"handover_discrepancy:{row['pk']}",
            type=AlertType.HANDOVER_DISCREPANCY,
            severity=Severity.CRITICAL if row["discrepancy"] < 0 else Severity.WARNING,
            object_type="billing.cashhandover",
            object_id=str(row["pk"]),
            object_repr=f"{row['driver__user__full_name'] or row['driver__user__username']} {row['business_date']}"[
                :200
            ],
            data={
                "date": row["business_date"].isoformat(),
                "expected": str(row["expected_amount"]),
                "counted": str(row["counted_amount"]),
                "discrepancy": str(row["discrepancy"]),
                "reason": row["reason"],
            },
        )
        for row in rows
    ]


CHECKS = {
    AlertType.LOW_STOCK: low_stock,
    AlertType.STOCKOUT_RISK: stockout_risk,
    AlertType.CREDIT_OVER_LIMIT: credit_over_limit,
    AlertType.DELIVERY_FAILED: delivery_failed,
    AlertType.LICENSE_EXPIRING: license_expiring,
    AlertType.INVOICE_OVERDUE: invoice_overdue,
    AlertType.HANDOVER_DISCREPANCY: handover_discrepancy,
}

# Who hears about each type: staff holding this permission (superusers included).
AUDIENCE = {
    AlertType.LOW_STOCK: "products.adjust_stock",
    AlertType.STOCKOUT_RISK: "products.adjust_stock",
    AlertType.CREDIT_OVER_LIMIT: "retailers.change_credit_limit",
    AlertType.DELIVERY_FAILED: "deliveries.change_delivery",
    AlertType.LICENSE_EXPIRING: "deliveries.change_driver",
    AlertType.INVOICE_OVERDUE: "billing.record_payment",
    AlertType.HANDOVER_DISCREPANCY: "billing.count_cash",
}


def alert_message(alert) -> str:
    """What the alert says, in the active language, from its stored figures."""
    data, name = alert.data, alert.object_repr
    if alert.type == AlertType.LOW_STOCK:
        return _("%(product)s: %(stock)s left (threshold %(threshold)s).") % {
            "product": name,
            "stock": data["stock"],
            "threshold": data["threshold"],
        }
    if alert.type == AlertType.STOCKOUT_RISK:
        return _("%(product)s: %(stock)s left, about %(days)s days at the current pace; reorder %(reorder)s.") % {
            "product": name,
            "stock": data["stock"],
            "days": data["days"],
            "reorder": data["suggested_reorder"],
        }
    if alert.type == AlertType.CREDIT_OVER_LIMIT:
        return _("%(retailer)s owes %(balance)s, %(excess)s over its limit of %(limit)s.") % {
            "retailer": name,
            "balance": money_display(Decimal(data["balance"])),
            "excess": money_display(Decimal(data["excess"])),
            "limit": money_display(Decimal(data["credit_limit"])),
        }
    if alert.type == AlertType.DELIVERY_FAILED:
        return _("Delivery %(delivery)s of order %(order)s failed (attempt %(attempts)s).") % {
            "delivery": name,
            "order": data["order_number"],
            "attempts": data["attempts"],
        }
    if alert.type == AlertType.INVOICE_OVERDUE:
        return _("Invoice %(invoice)s of %(retailer)s was due on %(date)s: %(amount)s still due.") % {
            "invoice": name,
            "retailer": data["retailer"],
            "date": data["due_date"],
            "amount": money_display(Decimal(data["amount_due"])),
        }
    if alert.type == AlertType.HANDOVER_DISCREPANCY:
        return _("Cash handover of %(handover)s: %(counted)s counted for %(expected)s expected (%(discrepancy)s).") % {
            "handover": name,
            "counted": money_display(Decimal(data["counted"])),
            "expected": money_display(Decimal(data["expected"])),
            "discrepancy": money_display(Decimal(data["discrepancy"])),
        }
    return _("The driving licence of %(driver)s expires on %(date)s.") % {"driver": name, "date": data["expiry"]}
