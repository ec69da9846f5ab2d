"""The retailer rates a delivered order once: 1–5 and feedback, on the order's delivery
(api.md `retailers/orders/{id}/rating`; drivers' performance averages it)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from livrili.core.audit import audit_record
from livrili.core.errors import DomainError, conflict
from orders.models import Order

from ..models import Delivery, DeliveryStatus


@transaction.atomic
def delivery_rate(*, order: Order, rating: int, feedback: str, actor) -> Delivery:
    """422 INVALID_TRANSITION unless the order's delivery is delivered; 409 CONFLICT when it was
    rated already (checked under the row lock: two ratings at once → one wins)."""
    delivery = Delivery.objects.select_for_update().filter(order_id=order.pk).first()
    if delivery is None or delivery.status != DeliveryStatus.DELIVERED:
        raise DomainError(
            "INVALID_TRANSITION",
            _("Only a delivered order can be rated."),
            details={"from": order.status, "to": order.status, "allowed": []},
        )
    if delivery.rated_at is not None:
        raise conflict("rating", _("This order has already been rated."))
    delivery.rating, delivery.feedback, delivery.rated_at = rating, feedback, timezone.now()
    delivery.save(update_fields=["rating", "feedback", "rated_at", "updated_at"])
    audit_record(actor=actor, instance=delivery, action="rated", changes={"rating": [None, rating]})
    return delivery
