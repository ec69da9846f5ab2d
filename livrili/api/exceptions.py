"""Maps every exception raised under /api/ to the error envelope of api.md."""

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions as drf
from rest_framework.response import Response

from livrili.core.errors import DEFAULT_MESSAGES, STATUS_BY_CODE, DomainError

logger = logging.getLogger(__name__)

# A database outage is temporary: clients are told to retry after this many seconds.
RETRY_AFTER_SECONDS = 5
VALUE_OUT_OF_RANGE = _("A value is out of the range that can be stored.")
UNPARSABLE_BODY = _("The request body could not be parsed.")

DRF_CODES = [
    (drf.NotAuthenticated, "UNAUTHORIZED"),
    (drf.AuthenticationFailed, "UNAUTHORIZED"),
    (drf.PermissionDenied, "FORBIDDEN"),
    (drf.NotFound, "NOT_FOUND"),
    (drf.MethodNotAllowed, "METHOD_NOT_ALLOWED"),
    (drf.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE"),
    (drf.Throttled, "RATE_LIMITED"),
    (drf.ParseError, "VALIDATION_ERROR"),
    (drf.ValidationError, "VALIDATION_ERROR"),
    (drf.NotAcceptable, "VALIDATION_ERROR"),
]


def error_response(code: str, message=None, details=None, headers=None) -> Response:
    body = {
        "success": False,
        "error_code": code,
        "message": str(message or DEFAULT_MESSAGES[code]),
        "details": details or {},
    }
    response = Response(body, status=STATUS_BY_CODE[code], headers=headers)
    response.enveloped = True
    return response


def is_database_unavailable(exc) -> bool:
    """The database could not be reached or dropped the connection (django.db wraps the driver's
    connection errors as OperationalError / InterfaceError)."""
    return isinstance(exc, (OperationalError, InterfaceError))


def service_unavailable(exc) -> Response:
    logger.error("Database unavailable: %s", exc.__class__.__name__, exc_info=exc)
    return error_response("SERVICE_UNAVAILABLE", headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def _flatten(detail, prefix=""):
    """DRF error detail → {dotted.field: [messages]} as api.md requires."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten(value, name))
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                if item:
                    out.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return error_response(exc.code, exc.message, exc.details)
    if isinstance(exc, Http404):
        return error_response("NOT_FOUND")
    if isinstance(exc, PermissionDenied):
        return error_response("FORBIDDEN")
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return error_response("VALIDATION_ERROR", details=_flatten(detail))
    if is_database_unavailable(exc):
        return service_unavailable(exc)
    if isinstance(exc, DataError):
        # A value the column cannot hold (e.g. stock pushed past the integer range by an add):
        # the serializers bound each input, this catches what only the sum overflows.
        logger.info("Data error mapped to VALIDATION_ERROR: %s", exc.__class__.__name__)
        return error_response("VALIDATION_ERROR", details={"non_field_errors": [str(VALUE_OUT_OF_RANGE)]})
    if isinstance(exc, IntegrityError):
        # A unique clash that slipped past the service checks (a race): still a clean 409.
        logger.info("Integrity error mapped to CONFLICT: %s", exc.__class__.__name__)
        return error_response("CONFLICT", details={"non_field_errors": [str(DEFAULT_MESSAGES["CONFLICT"])]})
    for exc_class, code in DRF_CODES:
        if isinstance(exc, exc_class):
            headers = {}
            if isinstance(exc, drf.Throttled) and exc.wait is not None:
                headers["Retry-After"] = str(int(exc.wait) + 1)
            details = {}
            message = None
            if code == "VALIDATION_ERROR":
                details = _flatten(exc.detail)
                if isinstance(exc, drf.ParseError):
                    # DRF's parser text is English and technical (multipart boundaries, charsets).
                    message = UNPARSABLE_BODY
                    details = {"non_field_errors": [str(UNPARSABLE_BODY)]}
            return error_response(code, message, details, headers)
    if isinstance(exc, drf.APIException):
        return error_response("VALIDATION_ERROR", exc.detail)
    logger.exception("Unhandled API error")
    return error_response("INTERNAL_ERROR")
