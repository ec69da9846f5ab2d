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


CHECKS = {
    AlertType.LOW_STOCK: low_stock,
    AlertType.STOCKOUT_RISK: stockout_risk,
    AlertType.CREDIT_OVER_LIMIT: credit_over_limit,
    AlertType.DELIVERY_FAILED: delivery_failed,
    AlertType.LICENSE_EXPIRING: license_expiring,
}

# Who hears about each type: staff holding this permission (superusers included).
AUDIENCE = {
    AlertType.LOW_STOCK: "products.adjust_stock",
    AlertType.STOCKOUT_RISK: "products.adjust_stock",
    AlertType.CREDIT_OVER_LIMIT: "retailers.change_credit_limit",
    AlertType.DELIVERY_FAILED: "deliveries.change_delivery",
    AlertType.LICENSE_EXPIRING: "deliveries.change_driver",
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
    return _("The driving licence of %(driver)s expires on %(date)s.") % {"driver": name, "date": data["expiry"]}
