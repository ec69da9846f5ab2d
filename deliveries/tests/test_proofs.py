"""Proof of delivery: checked before anything is stored, one per delivery, after the status too."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from deliveries.models import Delivery, ProofOfDelivery, ProofPhoto
from deliveries.services import lifecycle
from deliveries.services.proofs import delivery_proof_add
from livrili.core.errors import DomainError

pytestmark = pytest.mark.django_db


def png(name="photo.png", size=(40, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def stored_files() -> list[Path]:
    return sorted(p for p in (Path(settings.PRIVATE_MEDIA_ROOT) / "proofs").rglob("*") if p.is_file())


@pytest.fixture
def on_the_road(confirmed, operator, driver):
    order = confirmed()
    lifecycle.delivery_assign(delivery=order.delivery, driver=driver, actor=operator)
    return lifecycle.delivery_report(delivery=order.delivery, actor=driver.user, status="picked_up", operator=False)


def test_a_proof_with_photos_and_a_signature_lets_the_driver_deliver(on_the_road, driver):
    before = stored_files()

    proof = delivery_proof_add(
        delivery=on_the_road,
        actor=driver.user,
        recipient_name=" Ahmed ",
        photos=[png(), png("b.png")],
        signature=png("s.png"),
    )

    assert (proof.recipient_name, proof.photos.count(), bool(proof.signature)) == ("Ahmed", 2, True)
    new_files = [p for p in stored_files() if p not in before]
    assert len(new_files) == 3
    assert all(str(p).startswith(str(settings.PRIVATE_MEDIA_ROOT)) for p in new_files)
    delivery = lifecycle.delivery_report(delivery=on_the_road, actor=driver.user, status="delivered", operator=False)
    assert delivery.status == "delivered"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"recipient_name": "  ", "photos": [png()]}, "recipient_name"),
        ({"recipient_name": "Ahmed"}, "photos"),
        ({"recipient_name": "Ahmed", "photos": [png() for _ in range(6)]}, "photos"),
        ({"recipient_name": "Ahmed", "photos": [SimpleUploadedFile("x.jpg", b"not an image")]}, "photos"),
        ({"recipient_name": "Ahmed", "signature": SimpleUploadedFile("s.png", b"\x89PNG broken")}, "signature"),
    ],
)
def test_a_bad_proof_is_refused_and_nothing_is_stored(on_the_road, driver, fields, field):
    before = stored_files()

    with pytest.raises(DomainError) as refused:
        delivery_proof_add(delivery=on_the_road, actor=driver.user, **fields)

    assert (refused.value.code, list(refused.value.details)) == ("VALIDATION_ERROR", [field])
    assert (ProofOfDelivery.objects.count(), ProofPhoto.objects.count(), stored_files()) == (0, 0, before)


def test_a_proof_may_arrive_after_the_status_but_only_once(on_the_road, driver, operator):
    lifecycle.delivery_report(
        delivery=on_the_road, actor=operator, status="delivered", operator=True, override_reason="Driver offline"
    )
    delivery_proof_add(delivery=on_the_road, actor=driver.user, recipient_name="Ahmed", photos=[png()])

    with pytest.raises(DomainError) as refused:
        delivery_proof_add(delivery=on_the_road, actor=driver.user, recipient_name="Other", photos=[png()])

    assert refused.value.code == "CONFLICT"
    assert list(ProofOfDelivery.objects.values_list("recipient_name", flat=True)) == ["Ahmed"]


def test_no_proof_before_the_goods_are_picked_up(confirmed, driver):
    order = confirmed()

    with pytest.raises(DomainError) as refused:
        delivery_proof_add(delivery=order.delivery, actor=driver.user, recipient_name="Ahmed", photos=[png()])

    assert (refused.value.code, refused.value.details["from"]) == ("INVALID_TRANSITION", "pending")
    assert not ProofOfDelivery.objects.exists()
    assert Delivery.objects.get().status == "pending"
