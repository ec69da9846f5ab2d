from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def ean_check_digit_ok(code: str) -> bool:
    """GS1 check digit of an EAN-8 or EAN-13 (weights 3,1,… from the right, before the check digit)."""
    if not code.isdigit() or len(code) not in (8, 13):
        return False
    digits = [int(c) for c in code]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def validate_ean(value: str) -> None:
    if value and not ean_check_digit_ok(value):
        raise ValidationError(_("Enter a valid EAN-13 or EAN-8 barcode (8 or 13 digits with a valid check digit)."))
