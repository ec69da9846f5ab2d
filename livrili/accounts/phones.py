"""Phone numbers in E.164. Algerian local formats are accepted and normalised:
`0661 23 45 67`, `0661-23-45-67`, `0661234567`, `213661234567`, `00213…` → `+213661234567`."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s\-.()/]")
_ALGERIAN_NATIONAL = re.compile(r"^(?:[567]\d{8}|[2-4]\d{7})$")  # mobile 9 digits, landline 8
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")


def normalize_phone(raw: str) -> str:
    """The E.164 form of `raw`, or ValidationError when it is not a phone number."""
    value = _SEPARATORS.sub("", str(raw or "").strip())
    if value.startswith("00"):
        value = "+" + value[2:]
    if value.startswith("+213") or (value.startswith("213") and len(value) in (11, 12)):
        national = value.removeprefix("+").removeprefix("213").removeprefix("0")
    elif value.startswith("0") and not value.startswith("00"):
        national = value[1:]
    elif value.startswith("+"):
        if _E164.match(value):
            return value
        raise ValidationError(_("Enter a valid phone number."), code="invalid_phone")
    else:
        national = value
    if _ALGERIAN_NATIONAL.match(national):
        return "+213" + national
    raise ValidationError(_("Enter a valid phone number."), code="invalid_phone")


def try_normalize_phone(raw: str) -> str | None:
    try:
        return normalize_phone(raw)
    except ValidationError:
        return None
