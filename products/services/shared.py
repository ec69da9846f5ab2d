"""What the catalog services share: validation errors, unique saves and slugs."""

import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from livrili.core.errors import DomainError, conflict


def raise_validation(exc: ValidationError):
    details = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    raise DomainError("VALIDATION_ERROR", details={k: [str(m) for m in v] for k, v in details.items()}) from exc


def save_unique(instance, field: str) -> None:
    """Save; a unique clash that raced past the explicit check is still a 409 on `field`."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise conflict(field, _("This value is already in use.")) from exc


def unique_slug(model, base: str, exclude_pk=None) -> str:
    base = slugify(base)[:100] or uuid.uuid4().hex[:8]
    slug, n = base, 1
    while model.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug
