"""Import retailers (with their owner, credit limit and opening balance) from CSV or XLSX rows.

Each row goes through the same services as a signup, a credit-limit change, an opening
balance and an approval, so imported retailers obey every rule of the app."""

import csv
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import serializers

from livrili.api.errors import DomainError
from livrili.core.money import ZERO

from . import services
from .api.serializers import MoneyField, StaffRetailerCreateSerializer
from .models import RetailerStatus

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


class ImportRowSerializer(StaffRetailerCreateSerializer):
    """One row: the staff registration fields, without a password (owners set theirs by a
    password reset), plus status (pending or active), credit limit and opening balance."""

    status = serializers.ChoiceField(
        choices=[RetailerStatus.PENDING, RetailerStatus.ACTIVE], required=False, default=RetailerStatus.PENDING
    )
    credit_limit = MoneyField(min_value=ZERO, required=False, default=ZERO)
    opening_balance = MoneyField(required=False, default=ZERO)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("password")


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
                serializer = ImportRowSerializer(data=raw)
                if not serializer.is_valid():
                    report.errors[line] = {k: [str(m) for m in v] for k, v in serializer.errors.items()}
                    continue
                data = dict(serializer.validated_data)
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
