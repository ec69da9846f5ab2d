"""The shape of BusinessSettings' structured values (JSON columns), checked before any save:
working days, delivery time slots, allowed tax rates and stamp-duty brackets. Placement and
pricing read these values without further checks, so a malformed one must never be stored.

Each `*_errors` function returns the messages for one value (empty when it is valid); the
admin form parses its widgets' text with the `parse_*` helpers, which raise the same messages."""

import re
from decimal import Decimal, InvalidOperation
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .money import CENT, MONEY_LIMIT

ISO_WEEKDAYS = range(1, 8)
TIME_SLOT_MAX_LENGTH = 20  # Order.time_slot
SLOT_NAME = re.compile(r"[a-z][a-z0-9_-]*")
SLOT_HOURS = re.compile(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)")

STAMP_DUTY_KEYS = {"exempt_up_to", "minimum", "brackets"}
BRACKET_KEYS = {"up_to", "per_100"}


def _decimal(value, *, low: Decimal, high: Decimal) -> Decimal | None:
    """`value` (a decimal string or an integer, never a float or a bool) as a Decimal with at
    most 2 decimals within [low, high]; None when it is not one."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not number.is_finite() or number != number.quantize(CENT) or not low <= number <= high:
        return None
    return number.quantize(CENT)


# --- Working days ------------------------------------------------------------------------


def working_days_errors(value) -> list[str]:
    if not isinstance(value, list) or not value:
        return [_("Choose at least one working day.")]
    if any(isinstance(day, bool) or not isinstance(day, int) or day not in ISO_WEEKDAYS for day in value):
        return [_("Working days are ISO weekday numbers: 1 (Monday) to 7 (Sunday).")]
    if len(set(value)) != len(value):
        return [_("Each working day may appear only once.")]
    return []


# --- Time slots ---------------------------------------------------------------------------


# The default slots' names, shown translated; a slot an operator types shows as typed.
TIME_SLOT_LABELS = {"morning": _("Morning"), "afternoon": _("Afternoon"), "evening": _("Evening")}


def time_slot_label(slot: str) -> str:
    return str(TIME_SLOT_LABELS.get(slot, slot))


def _slot_error(slot) -> str | None:
    if isinstance(slot, str) and len(slot) <= TIME_SLOT_MAX_LENGTH:
        if SLOT_NAME.fullmatch(slot):
            return None
        hours = SLOT_HOURS.fullmatch(slot)
        if hours and hours.group(1, 2) < hours.group(3, 4):
            return None
    return _("“%(slot)s” is not a time slot: use HH:MM-HH:MM (start before end) or a short name such as morning.") % {
        "slot": slot
    }


def time_slots_errors(value) -> list[str]:
    if not isinstance(value, list) or not value:
        return [_("Give at least one delivery time slot.")]
    errors = [error for error in map(_slot_error, value) if error]
    if not errors and len(set(value)) != len(value):
        errors.append(_("Each time slot may appear only once."))
    return errors


def parse_time_slots(text: str) -> list[str]:
    """One slot per line, as typed (surrounding spaces dropped)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


# --- Tax rates ----------------------------------------------------------------------------


def _rate_error(rate) -> str | None:
    if _decimal(rate, low=Decimal(0), high=Decimal(100)) is None:
        return _("“%(rate)s” is not a tax rate: use a percentage from 0 to 100 with at most 2 decimals.") % {
            "rate": rate
        }
    return None


def allowed_tax_rates_errors(value) -> list[str]:
    if not isinstance(value, list) or not value:
        return [_("Give at least one allowed tax rate.")]
    errors = [error for error in map(_rate_error, value) if error]
    if not errors and len({Decimal(str(rate)) for rate in value}) != len(value):
        errors.append(_("Each tax rate may appear only once."))
    return errors


def parse_tax_rates(text: str) -> list[str]:
    """Rates separated by commas or spaces → sorted, distinct, as "19.00" strings."""
    rates = [token for token in re.split(r"[,;\s]+", text) if token]
    errors = [error for error in map(_rate_error, rates) if error]
    if errors:
        raise ValidationError(errors)
    return [f"{rate:.2f}" for rate in sorted({Decimal(rate).quantize(CENT) for rate in rates})]


# --- Stamp duty ---------------------------------------------------------------------------


def stamp_duty_errors(value) -> list[str]:
    """`{"exempt_up_to": "300.00", "minimum": "5.00", "brackets": [{"up_to": "30000.00",
    "per_100": "1.00"}, …, {"up_to": null, "per_100": "2.00"}]}`: amounts as decimal strings,
    brackets in increasing order, only the last one open (`up_to` null)."""
    malformed = [
        _(
            "Stamp duty needs exempt_up_to, minimum and brackets (each with up_to and per_100), "
            "amounts as decimals with at most 2 places."
        )
    ]
    if not isinstance(value, dict) or set(value) != STAMP_DUTY_KEYS or not isinstance(value["brackets"], list):
        return malformed
    money = {"low": Decimal(0), "high": MONEY_LIMIT - CENT}
    if _decimal(value["exempt_up_to"], **money) is None or _decimal(value["minimum"], **money) is None:
        return malformed
    brackets = value["brackets"]
    if not brackets or any(not isinstance(b, dict) or set(b) != BRACKET_KEYS for b in brackets):
        return malformed
    if any(_decimal(b["per_100"], **money) is None for b in brackets):
        return malformed
    if any(b["up_to"] is not None and _decimal(b["up_to"], **money) is None for b in brackets):
        return malformed
    if brackets[-1]["up_to"] is not None:
        return [_("The last stamp duty bracket must have no upper bound (*).")]
    if any(b["up_to"] is None for b in brackets[:-1]):
        return [_("Only the last stamp duty bracket may have no upper bound (*).")]
    bounds = [Decimal(str(b["up_to"])) for b in brackets[:-1]]
    if any(low >= high for low, high in pairwise(bounds)):
        return [_("Stamp duty brackets must go up in order, each above the previous one.")]
    return []


def parse_stamp_duty_brackets(text: str) -> list[dict]:
    """One bracket per line: its upper bound (`*` for none) and the duty per 100 DA."""
    brackets, errors = [], []
    money = {"low": Decimal(0), "high": MONEY_LIMIT - CENT}
    for line in (line.strip() for line in text.splitlines()):
        if not line:
            continue
        parts = line.split()
        up_to = None if parts[0] == "*" else _decimal(parts[0], **money)
        per_100 = _decimal(parts[1], **money) if len(parts) == 2 else None
        if len(parts) != 2 or per_100 is None or (up_to is None and parts[0] != "*"):
            errors.append(
                _(
                    "“%(line)s” is not a bracket: write the upper bound (or *) and the duty per 100 DA, "
                    "e.g. 30000.00 1.00."
                )
                % {"line": line}
            )
            continue
        brackets.append({"up_to": None if up_to is None else f"{up_to:.2f}", "per_100": f"{per_100:.2f}"})
    if errors:
        raise ValidationError(errors)
    return brackets


def format_stamp_duty_brackets(brackets) -> str:
    return "\n".join(f"{'*' if b.get('up_to') is None else b['up_to']} {b.get('per_100')}" for b in brackets or [])


# --- The whole row ------------------------------------------------------------------------

FIELD_CHECKS = {
    "working_days": working_days_errors,
    "time_slots": time_slots_errors,
    "allowed_tax_rates": allowed_tax_rates_errors,
    "stamp_duty": stamp_duty_errors,
}


def settings_errors(settings) -> dict[str, list[str]]:
    """Every structured value of `settings` checked, plus the default tax rate being one of
    the allowed rates: `{field: [messages]}`, empty when all is well."""
    errors = {field: messages for field, check in FIELD_CHECKS.items() if (messages := check(getattr(settings, field)))}
    if "allowed_tax_rates" not in errors and settings.default_tax_rate is not None:
        allowed = {Decimal(str(rate)) for rate in settings.allowed_tax_rates}
        if Decimal(str(settings.default_tax_rate)) not in allowed:
            errors["default_tax_rate"] = [_("The default tax rate must be one of the allowed tax rates.")]
    return errors
