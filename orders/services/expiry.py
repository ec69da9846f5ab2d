"""Credit holds that waited too long (the periodic task): cancelled, each under its own lock."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from livrili.core.models import BusinessSettings

from ..models import Order, OrderStatus
from . import locks
from .lifecycle import _cancel_locked


def orders_expire_holds(*, now=None) -> list[str]:
    """Cancel the credit holds older than `hold_expiry_days`; returns the cancelled numbers.
    The selection is only a list of candidates: each is checked again under its row lock."""
    settings = BusinessSettings.load()
    cutoff = (now or timezone.now()) - timedelta(days=settings.hold_expiry_days)
    candidates = Order.objects.filter(status=OrderStatus.ON_HOLD, held_at__lt=cutoff).order_by("held_at")
    expired = (order_expire_hold(order=order, cutoff=cutoff) for order in list(candidates))
    return [order.number for order in expired if order is not None]


@transaction.atomic
def order_expire_hold(*, order: Order, cutoff) -> Order | None:
    """Cancel one expired credit hold, if it still is one once locked: still on hold and held
    before `cutoff`. An order released, cancelled or put back on hold since the selection is
    left alone (None), so the task never undoes what an operator just did."""
    order = locks.lock_order(order)
    if order.status != OrderStatus.ON_HOLD or order.held_at is None or order.held_at >= cutoff:
        return None
    return _cancel_locked(order, None, _("Credit hold expired"))
