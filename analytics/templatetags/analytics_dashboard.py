"""The admin home's operator dashboard: the dashboard selectors' figures for the period asked
(`?period=`), to staff with `analytics.view_dashboard`."""

from django import template
from django.urls import reverse
from django.utils import formats
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from livrili.core.admin import money_display

from ..cache import cached
from ..periods import PERIOD_DAYS, period_from
from ..selectors import dashboard as selectors

register = template.Library()

PERIOD_LABELS = {"7d": _("7 days"), "30d": _("30 days"), "90d": _("90 days"), "12m": _("12 months")}
MONEY = {"revenue_delivered", "revenue_in_progress", "average_order_value", "credit_exposure", "overdue_amount"}
RATES = {"delivery_success_rate", "on_time_rate"}
CARDS = [
    ("orders", _("Orders")),
    ("revenue_delivered", _("Revenue delivered")),
    ("revenue_in_progress", _("Revenue in progress")),
    ("average_order_value", _("Average order value")),
    ("active_retailers", _("Active retailers")),
    ("new_signups", _("New sign-ups")),
    ("pending_approvals", _("Pending approvals")),
    ("credit_exposure", _("Credit exposure")),
    ("overdue_amount", _("Overdue invoices")),
    ("delivery_success_rate", _("Delivery success rate")),
    ("on_time_rate", _("On-time deliveries")),
]


def _links(period) -> dict:
    """Where each card leads: the changelist filtered on what the figure counts."""
    orders = reverse("admin:orders_order_changelist")
    retailers = reverse("admin:retailers_retailer_changelist")
    deliveries = reverse("admin:deliveries_delivery_changelist")
    invoices = reverse("admin:billing_invoice_changelist")
    placed = {"created_at__gte": period.start.isoformat(), "created_at__lt": period.upper.date().isoformat()}
    scheduled = {
        "scheduled_date__gte": period.start.isoformat(),
        "scheduled_date__lt": period.upper.date().isoformat(),
    }
    return {
        "orders": f"{orders}?{urlencode(placed)}",
        "revenue_delivered": f"{orders}?{urlencode({**placed, 'status__exact': 'delivered'})}",
        "revenue_in_progress": f"{orders}?{urlencode(placed)}",
        "average_order_value": f"{orders}?{urlencode(placed)}",
        "active_retailers": f"{retailers}?status__exact=active",
        "new_signups": f"{retailers}?o=-8",
        "pending_approvals": f"{retailers}?status__exact=pending",
        "credit_exposure": f"{retailers}?o=-7",
        "overdue_amount": f"{invoices}?status__exact=issued&payment_method__exact=credit",
        "delivery_success_rate": f"{deliveries}?{urlencode({**scheduled, 'status__exact': 'failed'})}",
        "on_time_rate": f"{deliveries}?{urlencode({**scheduled, 'status__exact': 'delivered'})}",
    }


@register.simple_tag
def money(amount) -> str:
    return money_display(amount)


@register.simple_tag
def rate(value) -> str:
    return "—" if value is None else f"{formats.number_format(value, 1, use_l10n=True)} %"


@register.simple_tag
def change(value) -> str:
    sign = "+" if value > 0 else ""
    return f"{sign}{formats.number_format(value, 1, use_l10n=True)} %"


@register.simple_tag(takes_context=True)
def operator_dashboard(context):
    request = context["request"]
    if not request.user.has_perm("analytics.view_dashboard"):
        return None
    chosen = request.GET.get("period")
    chosen = chosen if chosen in PERIOD_DAYS else "30d"
    period = period_from(period=chosen)

    def build():
        dashboard = selectors.dashboard(period)
        return {
            "dashboard": dashboard,
            "trends": selectors.trends(period, selectors.default_interval(period)),
            "geo": selectors.geo(period),
        }

    data = cached("admin-home", {"period": chosen}, build)
    figures = data["dashboard"]["figures"]
    links = _links(period)
    cards = [
        {
            "key": key,
            "label": label,
            "kind": "money" if key in MONEY else "rate" if key in RATES else "count",
            "link": links[key],
            **figures[key],
        }
        for key, label in CARDS
    ]
    return {
        "period": period,
        "chosen": chosen,
        "periods": [(key, PERIOD_LABELS[key]) for key in PERIOD_DAYS],
        "cards": cards,
        "charts": {
            "trend": {
                "labels": [point["date"].isoformat() for point in data["trends"]["series"]],
                "delivered": [str(point["revenue_delivered"]) for point in data["trends"]["series"]],
                "in_progress": [str(point["revenue_in_progress"]) for point in data["trends"]["series"]],
                "orders": [point["orders"] for point in data["trends"]["series"]],
            },
            "status": {
                "labels": [str(row["label"]) for row in data["dashboard"]["status_distribution"]],
                "counts": [row["count"] for row in data["dashboard"]["status_distribution"]],
            },
            "wilayas": {
                "labels": [f"{row['code']} {row['name']}" for row in data["geo"]["wilayas"][:10]],
                "revenue": [str(row["revenue"]) for row in data["geo"]["wilayas"][:10]],
            },
            "text": {
                "delivered": str(_("Revenue delivered")),
                "in_progress": str(_("Revenue in progress")),
                "orders": str(_("Orders")),
                "revenue": str(_("Revenue")),
                "currency": str(_("DZD")),
            },
        },
    }
