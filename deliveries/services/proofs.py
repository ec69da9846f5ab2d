"""Proof of delivery: the recipient's name with photos and/or a signature, taken at the door.

A delivery keeps one proof, its first: the driver app retries an upload until it is answered
(the API replays the first answer through the `Idempotency-Key`), and a second, different
proof is refused rather than replacing what the first showed. A proof may arrive after the
status it backs (a driver offline at the door): it is accepted on a delivery picked up, in
transit or already delivered.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from livrili.core.audit import audit_record
from livrili.core.errors import DomainError, conflict, validation_error
from livrili.core.uploads import image_check

from ..models import Delivery, DeliveryStatus, ProofOfDelivery, ProofPhoto

MAX_PHOTOS = 5
ACCEPTS_PROOF = (DeliveryStatus.PICKED_UP, DeliveryStatus.IN_TRANSIT, DeliveryStatus.DELIVERED)


@transaction.atomic
def delivery_proof_add(
    *,
    delivery: Delivery,
    actor,
    recipient_name: str,
    photos: list = (),
    signature=None,
    latitude=None,
    longitude=None,
    captured_at=None,
) -> ProofOfDelivery:
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status not in ACCEPTS_PROOF:
        raise DomainError(
            "INVALID_TRANSITION",
            _("A proof is taken at the door: this delivery is %(status)s.") % {"status": delivery.get_status_display()},
            details={"from": delivery.status, "to": "proof", "allowed": []},
        )
    if ProofOfDelivery.objects.filter(delivery=delivery).exists():
        raise conflict("proof", _("This delivery already has its proof."))
    recipient_name = (recipient_name or "").strip()
    if not recipient_name:
        raise validation_error("recipient_name", _("Enter the name of the person who received the goods."))
    photos = list(photos)
    if not photos and signature is None:
        raise validation_error("photos", _("Add a photo or the recipient's signature."))
    if len(photos) > MAX_PHOTOS:
        raise validation_error("photos", _("At most %(count)d photos.") % {"count": MAX_PHOTOS})
    for photo in photos:
        image_check(photo, field="photos")
    if signature is not None:
        image_check(signature, field="signature", formats=("PNG", "JPEG", "WEBP"))
    proof = ProofOfDelivery(
        delivery=delivery,
        recipient_name=recipient_name,
        latitude=latitude,
        longitude=longitude,
        captured_at=captured_at,
    )
    if signature is not None:
        proof.signature.save(signature.name or "signature.png", signature, save=False)
    proof.save()
    for photo in photos:
        ProofPhoto(proof=proof).image.save(photo.name or "photo.jpg", photo)
    audit_record(
        actor=actor,
        instance=delivery,
        action="delivery_proof",
        changes={"recipient_name": [None, recipient_name], "photos": [None, len(photos)]},
    )
    return proof
