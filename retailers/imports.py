"""Import retailers (with their owner, credit limit and opening balance) from CSV or XLSX rows.

Each row goes through the same services as a signup, a credit-limit change, an opening
balance and an approval, so imported retailers obey every rule of the app."""

import csv
import decimal
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, ProhibitNullCharactersValidator
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from livrili.accounts.phones import normalize_phone
from livrili.core.bounds import ADDRESS_TEXT, LONG_TEXT
from livrili.core.errors import DomainError
from livrili.core.models import Wilaya
from livrili.core.money import ZERO

from . import services
from .models import BusinessType, RetailerStatus

COLUMNS = [
    "business_name",
    "business_type",
    "full_name",
    "phone",
    "email",
    "wilaya",
    "commune",
    "address",
    "latitude",
    "longitude",
    "rc_number",
    "nif",
    "nis",
    "ai_number",
    "segment",
    "payment_terms_days",
    "notes",
    "status",
    "credit_limit",
    "opening_balance",
]


# --- Row validation -----------------------------------------------------------------------------
# The staff registration rules (retailers/api/serializers.py, StaffRetailerCreateSerializer)
# without a password, plus status, credit limit and opening balance, as a plain form: the import
# is not an API client. Refusals keep the API's words: these msgids are Django REST framework's,
# translated by its catalogs (Django merges every installed app's catalog), so they are looked up
# with gettext at refusal time and deliberately not marked for extraction into this app's .po.
# Cells arrive as non-empty stripped strings, and absent when empty (`_clean`).
MAX_LENGTH = "Ensure this field has no more than {max_length} characters."
SURROGATE = "Surrogate characters are not allowed: U+{code_point:X}."
INVALID_CHOICE = '"{input}" is not a valid choice.'
NO_SUCH_CODE = "Object with {slug_name}={value} does not exist."
INVALID_VALUE = "Invalid value."
INVALID_NUMBER = "A valid number is required."
INVALID_INTEGER = "A valid integer is required."
TOO_LARGE = "String value too large."
MAX_VALUE = "Ensure this value is less than or equal to {max_value}."
MIN_VALUE = "Ensure this value is greater than or equal to {min_value}."
MAX_DIGITS = "Ensure that there are no more than {max_digits} digits in total."
MAX_PLACES = "Ensure that there are no more than {max_decimal_places} decimal places."
MAX_WHOLE = "Ensure that there are no more than {max_whole_digits} digits before the decimal point."
MAX_STRING_LENGTH = 1000  # longer numbers are refused before parsing
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _refusal(message: str, **params) -> ValidationError:
    return ValidationError(gettext(message).format(**params))


def _text_errors(value: str, max_length: int | None = None) -> list[ValidationError]:
    """Every text check, each reported (as the API does): length, null and surrogate characters."""
    errors = []
    if max_length is not None and len(value) > max_length:
        errors.append(_refusal(MAX_LENGTH, max_length=max_length))
    try:
        ProhibitNullCharactersValidator()(value)
    except ValidationError as exc:
        errors.append(exc)
    if surrogate := _SURROGATE.search(value):
        errors.append(_refusal(SURROGATE, code_point=ord(surrogate.group())))
    return errors


class TextField(forms.CharField):
    def __init__(self, max_length: int, **kwargs):
        self.limit = max_length
        super().__init__(**kwargs)

    def run_validators(self, value):
        if value not in self.empty_values and (errors := _text_errors(value, self.limit)):
            raise ValidationError(errors)


class EmailField(forms.CharField):
    def run_validators(self, value):
        if value in self.empty_values:
            return
        errors = _text_errors(value)
        try:
            EmailValidator()(value)
        except ValidationError as exc:
            errors.append(exc)
        if errors:
            raise ValidationError(errors)


class PhoneField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        return normalize_phone(value) if value else None


class ChoiceField(forms.Field):
    def __init__(self, values, **kwargs):
        self.values = {str(value): value for value in values}
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if str(value) not in self.values:
            raise _refusal(INVALID_CHOICE, input=value)
        return self.values[str(value)]


class WilayaCodeField(forms.Field):
    """A wilaya by its official code ("16")."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return Wilaya.objects.get(code=value)
        except Wilaya.DoesNotExist:
            raise _refusal(NO_SUCH_CODE, slug_name="code", value=value) from None
        except (TypeError, ValueError):
            raise _refusal(INVALID_VALUE) from None


class IntegerField(forms.Field):
    def __init__(self, *, min_value: int, max_value: int, **kwargs):
        self.min_value, self.max_value = min_value, max_value
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if len(value) > MAX_STRING_LENGTH:
            raise _refusal(TOO_LARGE)
        try:
            return int(re.sub(r"\.0*\s*$", "", value))
        except (TypeError, ValueError):
            raise _refusal(INVALID_INTEGER) from None

    def run_validators(self, value):
        if value is None:
            return
        errors = []
        if value > self.max_value:
            errors.append(_refusal(MAX_VALUE, max_value=self.max_value))
        if value < self.min_value:
            errors.append(_refusal(MIN_VALUE, min_value=self.min_value))
        if errors:
            raise ValidationError(errors)


class DecimalField(forms.Field):
    """A number with at most `max_digits` digits, `decimal_places` of them after the point,
    answered quantized to `decimal_places` ("1000" → 1000.00)."""

    def __init__(self, *, max_digits: int, decimal_places: int, min_value=None, max_value=None, **kwargs):
        self.max_digits, self.decimal_places = max_digits, decimal_places
        self.min_value, self.max_value = min_value, max_value
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if len(value) > MAX_STRING_LENGTH:
            raise _refusal(TOO_LARGE)
        try:
            number = Decimal(value)
        except decimal.DecimalException:
            raise _refusal(INVALID_NUMBER) from None
        if number.is_nan() or number in (Decimal("Inf"), Decimal("-Inf")):
            raise _refusal(INVALID_NUMBER)
        _sign, digits, exponent = number.as_tuple()
        if exponent >= 0:
            total = whole = len(digits) + exponent
            places = 0
        elif len(digits) > abs(exponent):
            total, places = len(digits), abs(exponent)
            whole = total - places
        else:
            total = places = abs(exponent)
            whole = 0
        if total > self.max_digits:
            raise _refusal(MAX_DIGITS, max_digits=self.max_digits)
        if places > self.decimal_places:
            raise _refusal(MAX_PLACES, max_decimal_places=self.decimal_places)
        if whole > self.max_digits - self.decimal_places:
            raise _refusal(MAX_WHOLE, max_whole_digits=self.max_digits - self.decimal_places)
        context = decimal.getcontext().copy()
        context.prec = self.max_digits
        return number.quantize(Decimal(".1") ** self.decimal_places, context=context)

    def run_validators(self, value):
        if value is None:
            return
        errors = []
        if self.max_value is not None and value > self.max_value:
            errors.append(_refusal(MAX_VALUE, max_value=self.max_value))
        if self.min_value is not None and value < self.min_value:
            errors.append(_refusal(MIN_VALUE, min_value=self.min_value))
        if errors:
            raise ValidationError(errors)


def coordinate(limit: int) -> DecimalField:
    return DecimalField(
        max_digits=9, decimal_places=6, min_value=Decimal(-limit), max_value=Decimal(limit), required=False
    )


def money(**kwargs) -> DecimalField:
    return DecimalField(max_digits=14, decimal_places=2, required=False, **kwargs)


class ImportRowForm(forms.Form):
    """One row: what staff give to register a retailer and its owner, without a password
    (owners set theirs by a password reset), plus status (pending or active), credit limit and
    opening balance. Field order is the order of a row's errors."""

    full_name = TextField(150)
    phone = PhoneField(required=False)
    email = EmailField(required=False)
    business_name = TextField(200)
    business_type = ChoiceField(BusinessType.values)
    wilaya = WilayaCodeField()
    commune = TextField(100)
    address = TextField(ADDRESS_TEXT)
    latitude = coordinate(90)
    longitude = coordinate(180)
    rc_number = TextField(50, required=False)
    nif = TextField(50, required=False)
    nis = TextField(50, required=False)
    ai_number = TextField(50, required=False)
    payment_terms_days = IntegerField(min_value=0, max_value=365, required=False)
    segment = TextField(50, required=False)
    notes = TextField(LONG_TEXT, required=False)
    status = ChoiceField([RetailerStatus.PENDING, RetailerStatus.ACTIVE], required=False)
    credit_limit = money(min_value=ZERO)
    opening_balance = money()

    DEFAULTS = {
        "rc_number": "",
        "nif": "",
        "nis": "",
        "ai_number": "",
        "status": RetailerStatus.PENDING,
        "credit_limit": ZERO,
        "opening_balance": ZERO,
    }

    def clean(self):
        if not self.errors and not self.cleaned_data.get("phone") and not self.cleaned_data.get("email"):
            raise ValidationError({"phone": _("A phone number or an e-mail address is required.")})
        return self.cleaned_data

    def row(self) -> dict:
        """The valid row for the services: the cells given, the defaults for the others, and
        e-mail None when absent (fields neither given nor defaulted keep the model's default)."""
        data = {**self.DEFAULTS, **{name: self.cleaned_data[name] for name in self.fields if name in self.data}}
        data["email"] = data.get("email") or None
        return data


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0  # valid rows, kept only when `written`
    errors: dict[int, dict] = field(default_factory=dict)
    credit_limits: Decimal = ZERO
    opening_balances: Decimal = ZERO
    written: bool = False

    @property
    def skipped(self) -> int:
        return len(self.errors)


class _Rollback(Exception):
    pass


def _clean(raw: dict) -> dict:
    """Cells as strings; empty cells are absent; wilaya codes are zero-padded ("9" → "09")."""
    row = {}
    for key, value in raw.items():
        if key is None or value is None:
            continue
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        if text:
            row[str(key).strip().lower()] = text
    if row.get("wilaya", "").isdigit():
        row["wilaya"] = row["wilaya"].zfill(2)
    return row


def read_rows(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, row) pairs of a CSV (UTF-8, comma or semicolon) or XLSX file; the
    header is line 1."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).active
        rows = sheet.iter_rows(values_only=True)
        header = [str(h).strip().lower() if h is not None else None for h in next(rows, [])]
        for line, values in enumerate(rows, start=2):
            if any(v not in (None, "") for v in values):
                yield line, _clean(dict(zip(header, values, strict=False)))
        return
    with path.open(encoding="utf-8-sig", newline="") as handle:
        sample = handle.read(4096)
        handle.seek(0)
        dialect = csv.Sniffer().sniff(sample, delimiters=",;") if sample else csv.excel
        reader = csv.DictReader(handle, dialect=dialect)
        for raw in reader:
            if any((v or "").strip() for v in raw.values() if isinstance(v, str)):
                yield reader.line_num, _clean(raw)


def _import_row(data: dict, actor) -> None:
    status = data.pop("status")
    credit_limit = data.pop("credit_limit")
    opening_balance = data.pop("opening_balance")
    owner, retailer = services.retailer_signup(actor=actor, password=secrets.token_urlsafe(24), **data)
    owner.set_unusable_password()
    owner.save(update_fields=["password", "updated_at"])
    reason = _("Imported")
    if credit_limit:
        services.retailer_credit_limit_change(retailer=retailer, credit_limit=credit_limit, reason=reason, actor=actor)
    if opening_balance:
        services.ledger_opening_balance(retailer=retailer, amount=opening_balance, actor=actor, reason=reason)
    if status == RetailerStatus.ACTIVE:
        services.retailer_transition(retailer=retailer, action="approve", actor=actor, reason=reason)


def import_retailers(
    rows: Iterable[tuple[int, dict]], *, actor=None, dry_run: bool = False, skip_invalid: bool = False
) -> ImportReport:
    """Import every row in one transaction. All-or-nothing unless `skip_invalid` (then the
    valid rows are kept and the others reported); `dry_run` validates and writes nothing.
    Row errors are keyed by line number: {line: {field: [messages]}}."""
    report = ImportReport()
    try:
        with transaction.atomic():
            for line, raw in rows:
                report.rows += 1
                form = ImportRowForm(data=raw)
                if not form.is_valid():
                    report.errors[line] = {name: list(messages) for name, messages in form.errors.items()}
                    continue
                data = form.row()
                try:
                    with transaction.atomic():
                        credit_limit, opening = data["credit_limit"], data["opening_balance"]
                        _import_row(data, actor)
                except DomainError as exc:
                    report.errors[line] = exc.details or {"non_field_errors": [str(exc.message)]}
                    continue
                report.imported += 1
                report.credit_limits += credit_limit
                report.opening_balances += opening
            if dry_run or (report.errors and not skip_invalid):
                raise _Rollback
            report.written = True
    except _Rollback:
        pass
    return report
