"""Broadcast segments: who a segment of retailers reaches. Named in the settings
(`NOTIFICATIONS_SEGMENT_RESOLVER`) so notifications, which imports no domain app, resolves a
broadcast's segment on the server without knowing retailers."""

from django.db.models import QuerySet

from livrili.accounts.models import Role, User

from .models import Retailer


def segment_retailers(segment: dict) -> QuerySet[Retailer]:
    """Retailers matching every criterion given; an empty or absent criterion matches all.

    `statuses`, `wilayas` (codes), `business_types`, `segments`: lists (any of); `balance_min`,
    `balance_max`: Decimal bounds on the balance (debt), both inclusive."""
    retailers = Retailer.objects.all()
    if segment.get("statuses"):
        retailers = retailers.filter(status__in=segment["statuses"])
    if segment.get("wilayas"):
        retailers = retailers.filter(wilaya_id__in=segment["wilayas"])
    if segment.get("business_types"):
        retailers = retailers.filter(business_type__in=segment["business_types"])
    if segment.get("segments"):
        retailers = retailers.filter(segment__in=segment["segments"])
    if segment.get("balance_min") is not None:
        retailers = retailers.filter(balance__gte=segment["balance_min"])
    if segment.get("balance_max") is not None:
        retailers = retailers.filter(balance__lte=segment["balance_max"])
    return retailers


def segment_users(segment: dict) -> QuerySet[User]:
    """The active users of the matching retailers: a broadcast's recipients."""
    return User.objects.filter(
        is_active=True, role=Role.RETAILER, retailer__in=segment_retailers(segment).values("pk")
    ).order_by("pk")
