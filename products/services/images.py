"""Product images: the upload check and the one primary-image rule."""

import filetype
from django.db import transaction
from django.utils.translation import gettext as _

from livrili.core import uploads
from livrili.core.audit import audit_record
from livrili.core.errors import DomainError, validation_error

from ..models import MAX_IMAGE_BYTES, Product, ProductImage
from .cache import catalog_changed

IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif"}


def image_check(upload) -> None:
    """A product image: at most 5 MB, a JPEG, PNG, WebP or GIF that decodes in full within
    the shared pixel bound (`livrili.core.uploads.image_check`)."""
    if upload.size > MAX_IMAGE_BYTES:
        raise DomainError("PAYLOAD_TOO_LARGE", details={"image": [_("The image must not exceed 5 MB.")]})
    upload.seek(0)
    kind = filetype.guess(upload.read(262))
    upload.seek(0)
    if kind is None or kind.mime not in IMAGE_TYPES:
        raise validation_error("image", _("Upload a JPEG, PNG, WebP or GIF image."))
    uploads.image_check(upload, field="image")


def _make_primary(product: Product, image: ProductImage | None) -> None:
    """The one primary-image rule (the caller holds the product's row lock): `image` becomes
    the product's only primary image (None: the product has none)."""
    product.images.filter(is_primary=True).exclude(pk=getattr(image, "pk", None)).update(is_primary=False)
    if image is not None:
        ProductImage.objects.filter(pk=image.pk).update(is_primary=True)
        image.is_primary = True


@transaction.atomic
def product_image_set_primary(*, actor, product: Product, image: ProductImage | None = None) -> ProductImage | None:
    """Make `image` the product's primary image (None: the first by sort order), under the
    product's row lock; audited (`image_primary`) and the product's cache retired when the
    primary changes. An image of another product is a VALIDATION_ERROR."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    images = product.images.order_by("sort_order", "created_at")
    target = images.first() if image is None else images.filter(pk=image.pk).first()
    if image is not None and target is None:
        raise validation_error("image_id", _("This image belongs to another product."))
    current = list(product.images.filter(is_primary=True))
    if [i.pk for i in current] == ([target.pk] if target else []):
        return target
    _make_primary(product, target)
    audit_record(
        actor=actor,
        instance=product,
        action="image_primary",
        changes={"primary": [current[0].image.name if current else None, target.image.name if target else None]},
    )
    catalog_changed([product.pk])
    return target


@transaction.atomic
def product_image_add(
    *, actor, product: Product, image, alt_text: str = "", sort_order: int = 0, is_primary: bool = False
) -> ProductImage:
    """Store an image (type sniffed, ≤ 5 MB); the first image or one marked primary becomes the primary."""
    image_check(image)
    product = Product.objects.select_for_update().get(pk=product.pk)
    first = not product.images.exists()
    created = ProductImage.objects.create(product=product, image=image, alt_text=alt_text, sort_order=sort_order)
    if is_primary or first:
        _make_primary(product, created)
    audit_record(actor=actor, instance=product, action="image_add", changes={"image": created.image.name})
    catalog_changed([product.pk])
    return created


@transaction.atomic
def product_image_delete(*, actor, image: ProductImage) -> None:
    """Delete an image; when it was the primary, the next one by sort order takes over."""
    product = Product.objects.select_for_update().get(pk=image.product_id)
    was_primary = image.is_primary
    name = image.image.name
    image.delete()
    if was_primary:
        _make_primary(product, product.images.order_by("sort_order", "created_at").first())
    transaction.on_commit(lambda: ProductImage.image.field.storage.delete(name))
    audit_record(actor=actor, instance=product, action="image_delete", changes={"image": name})
    catalog_changed([product.pk])
