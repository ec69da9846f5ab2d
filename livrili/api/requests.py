"""Request helpers shared by every app's views."""

from django.utils.translation import gettext as _

from livrili.core.errors import DomainError

IDEMPOTENCY_HEADER = "Idempotency-Key"


def validated(serializer_class, data, **kwargs) -> dict:
    """Validate `data` with `serializer_class` (400 VALIDATION_ERROR naming the fields)."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def idempotency_key(request, *, required: bool = True) -> str | None:
    """The `Idempotency-Key` header (1–100 printable characters)."""
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not key:
        if required:
            raise DomainError("VALIDATION_ERROR", details={IDEMPOTENCY_HEADER: [_("This header is required.")]})
        return None
    if len(key) > 100 or not key.isprintable():
        raise DomainError(
            "VALIDATION_ERROR", details={IDEMPOTENCY_HEADER: [_("Use at most 100 printable characters.")]}
        )
    return key
