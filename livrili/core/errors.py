"""The one domain error type. Services raise it; the exception handler turns it into the
error envelope of api.md with the status that belongs to its code."""

from django.utils.translation import gettext_lazy as _

STATUS_BY_CODE = {
    "VALIDATION_ERROR": 400,
    "UNAUTHORIZED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "CONFLICT": 409,
    "IDEMPOTENCY_CONFLICT": 409,
    "PRICE_CHANGED": 409,
    "PAYLOAD_TOO_LARGE": 413,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    "RETAILER_NOT_ACTIVE": 422,
    "CART_EMPTY": 422,
    "PRODUCT_UNAVAILABLE": 422,
    "INSUFFICIENT_STOCK": 422,
    "BELOW_MIN_QUANTITY": 422,
    "INVALID_QUANTITY_MULTIPLE": 422,
    "MIN_ORDER_VALUE_NOT_MET": 422,
    "CREDIT_LIMIT_EXCEEDED": 422,
    "INVALID_TRANSITION": 422,
    "PROOF_REQUIRED": 422,
    "DRIVER_UNAVAILABLE": 422,
    "RATE_LIMITED": 429,
    "INTERNAL_ERROR": 500,
    "SERVICE_UNAVAILABLE": 503,
}

DEFAULT_MESSAGES = {
    "VALIDATION_ERROR": _("The request is invalid."),
    "UNAUTHORIZED": _("Authentication is required."),
    "FORBIDDEN": _("You do not have permission to perform this action."),
    "NOT_FOUND": _("Not found."),
    "METHOD_NOT_ALLOWED": _("This method is not allowed here."),
    "CONFLICT": _("This conflicts with existing data."),
    "IDEMPOTENCY_CONFLICT": _("This idempotency key was already used with a different request."),
    "PRICE_CHANGED": _("Prices have changed since you last saw the cart."),
    "PAYLOAD_TOO_LARGE": _("The request body is too large."),
    "UNSUPPORTED_MEDIA_TYPE": _("This content type is not supported."),
    "RETAILER_NOT_ACTIVE": _("Your account must be active to do this."),
    "CART_EMPTY": _("The cart is empty."),
    "PRODUCT_UNAVAILABLE": _("This product is not available."),
    "INSUFFICIENT_STOCK": _("Not enough stock."),
    "BELOW_MIN_QUANTITY": _("The quantity is below the minimum for this product."),
    "INVALID_QUANTITY_MULTIPLE": _("The quantity must be a multiple of the order multiple."),
    "MIN_ORDER_VALUE_NOT_MET": _("The minimum order value is not reached."),
    "CREDIT_LIMIT_EXCEEDED": _("This order exceeds your available credit."),
    "INVALID_TRANSITION": _("This status change is not allowed."),
    "PROOF_REQUIRED": _("A proof of delivery is required."),
    "DRIVER_UNAVAILABLE": _("This driver is not available."),
    "RATE_LIMITED": _("Too many requests. Try again later."),
    "INTERNAL_ERROR": _("An unexpected error occurred."),
    "SERVICE_UNAVAILABLE": _("The service is temporarily unavailable."),
}


class DomainError(Exception):
    """A refused business operation, identified by its api.md error code."""

    def __init__(self, code: str, message=None, details: dict | None = None):
        if code not in STATUS_BY_CODE:
            raise ValueError(f"Unknown error code {code}")
        self.code = code
        self.message = message or DEFAULT_MESSAGES[code]
        self.details = details or {}
        super().__init__(f"{code}: {self.message}")

    @property
    def status(self) -> int:
        return STATUS_BY_CODE[self.code]


def validation_error(field: str, message) -> DomainError:
    """A VALIDATION_ERROR naming one field, for rules checked inside services."""
    return DomainError("VALIDATION_ERROR", details={field: [str(message)]})


def conflict(field: str, message) -> DomainError:
    return DomainError("CONFLICT", details={field: [str(message)]})
