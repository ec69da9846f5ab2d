"""Every change to retailers goes through these functions (one transaction each, audited).

Status changes pass through `retailer_transition` only; money moves through `ledger_post`
only, so `Retailer.balance == Σ LedgerEntry.amount` holds by construction."""

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import filetype
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from livrili.accounts.models import Role, User
from livrili.accounts.services import user_create, user_update
from livrili.core import uploads
from livrili.core.audit import audit_record, authenticated_actor, diff, snapshot
from livrili.core.errors import DomainError, conflict, validation_error
from livrili.core.money import MONEY_LIMIT, ZERO, to_money
from notifications.services import notify

from .models import (
    CREDIT_KINDS,
    DEBIT_KINDS,
    DeliveryAddress,
    LedgerEntry,
    LedgerEntryKind,
    Retailer,
    RetailerDocument,
    RetailerEvent,
    RetailerEventType,
    RetailerStatus,
)
from .selectors import retailer_recipients

logger = logging.getLogger(__name__)

AUDITED_FIELDS = (
    "business_name",
    "business_type",
    "rc_number",
    "nif",
    "nis",
    "ai_number",
    "phone",
    "email",
    "address",
    "commune",
    "wilaya_id",
    "postal_code",
    "latitude",
    "longitude",
    "status",
    "status_reason",
    "credit_limit",
    "payment_terms_days",
    "segment",
    "notes",
)
# Fixed once a retailer is approved, except by staff (invoices between traders carry them).
LOCKED_AFTER_APPROVAL = ("business_name", "rc_number", "nif", "nis", "ai_number")
# The legal ids approval needs (workflows.md §1): the one statement of the rule, read by
# `retailer_transition` and shown to the retailer as `missing_for_approval`.
REQUIRED_FOR_APPROVAL = ("rc_number", "nif")


def missing_for_approval(retailer: Retailer) -> list[str]:
    """The fields approval needs that are still empty, in `REQUIRED_FOR_APPROVAL` order."""
    return [field for field in REQUIRED_FOR_APPROVAL if not (getattr(retailer, field) or "").strip()]


# --- Notifications hook -------------------------------------------------------------------


# status reached → what the retailer's users are told (other statuses: nothing)
STATUS_NOTICES = {
    RetailerStatus.ACTIVE: "retailer_approved",  # approved, or reactivated
    RetailerStatus.REJECTED: "retailer_rejected",
    RetailerStatus.SUSPENDED: "retailer_suspended",
}


@transaction.atomic
def retailer_notify_owner(*, retailer_id, event_id) -> None:
    """The one place retailers tell their users about a status or credit-limit change. Runs
    after the change committed (a refused or rolled-back change tells nobody)."""
    event = RetailerEvent.objects.select_related("retailer").get(pk=event_id)
    retailer = event.retailer
    if event.type == RetailerEventType.CREDIT_LIMIT_CHANGED:
        notice, context = "credit_limit_changed", {"credit_limit": event.to_value}
    elif event.to_value in STATUS_NOTICES:
        notice = STATUS_NOTICES[event.to_value]
        context = {"business_name": retailer.business_name, "reason": event.reason}
    else:
        return
    notify(notice, retailer_recipients(retailer), context, data={"retailer_id": str(retailer.pk)})


def _event(*, retailer: Retailer, type: str, from_value, to_value, reason: str, actor) -> RetailerEvent:
    event = RetailerEvent.objects.create(
        retailer=retailer,
        type=type,
        from_value="" if from_value is None else str(from_value),
        to_value=str(to_value),
        reason=reason,
        actor=authenticated_actor(actor),
    )
    transaction.on_commit(lambda: retailer_notify_owner(retailer_id=retailer.pk, event_id=event.pk))
    return event


def _lock(retailer: Retailer) -> Retailer:
    return Retailer.objects.select_for_update(no_key=True).get(pk=retailer.pk)  # as orders' lock_retailer


def _check_phone_free(phone: str | None, retailer: Retailer | None = None) -> None:
    if phone and Retailer.objects.filter(phone=phone).exclude(pk=getattr(retailer, "pk", None)).exists():
        raise conflict("phone", _("This value is already in use."))


# --- Signup and profile ----------------------------------------------------------------------


def _generated_username(business_name: str) -> str:
    base = slugify(business_name)[:30].strip("-") or "retailer"
    return f"{base}-{secrets.token_hex(3)}"


@transaction.atomic
def retailer_signup(
    *,
    full_name: str,
    password: str,
    business_name: str,
    business_type: str,
    wilaya,
    commune: str,
    address: str,
    phone: str | None = None,
    email: str | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    rc_number: str = "",
    nif: str = "",
    nis: str = "",
    ai_number: str = "",
    actor: User | None = None,
    preferred_language: str = "ar",
    **staff_fields,
) -> tuple[User, Retailer]:
    """Create the owner (role retailer, active, generated username) and a `pending` retailer
    in one transaction; the address becomes the default delivery address. The caller never
    chooses role, status, credit limit or balance. `staff_fields` (segment, notes,
    payment_terms_days) only come from the back office."""
    if not phone and not email:
        raise validation_error("phone", _("A phone number or an e-mail address is required."))
    email = email.strip().lower() if email else None
    _check_phone_free(phone)  # user_create checks the owner's phone and e-mail (→ CONFLICT)
    retailer = Retailer.objects.create(
        business_name=business_name,
        business_type=business_type,
        rc_number=rc_number,
        nif=nif,
        nis=nis,
        ai_number=ai_number,
        phone=phone,
        email=email or "",
        address=address,
        commune=commune,
        wilaya=wilaya,
        latitude=latitude,
        longitude=longitude,
        status=RetailerStatus.PENDING,
        **staff_fields,
    )
    owner = user_create(
        actor=actor or AnonymousUser(),
        username=_generated_username(business_name),
        password=password,
        role=Role.RETAILER,
        full_name=full_name,
        email=email,
        phone=phone,
        retailer=retailer,
        preferred_language=preferred_language,
    )
    retailer.owner = owner
    retailer.save(update_fields=["owner", "updated_at"])
    DeliveryAddress.objects.create(
        retailer=retailer,
        label=business_name[:100],
        address=address,
        commune=commune,
        wilaya=wilaya,
        latitude=latitude,
        longitude=longitude,
        contact_name=full_name,
        contact_phone=phone or "",
        is_default=True,
    )
    audit_record(
        actor=actor or owner,
        instance=retailer,
        action="create",
        changes=diff({}, snapshot(retailer, AUDITED_FIELDS)),
    )
    _event(
        retailer=retailer,
        type=RetailerEventType.STATUS_CHANGED,
        from_value="",
        to_value=RetailerStatus.PENDING,
        reason="",
        actor=actor or owner,
    )
    return owner, retailer


@transaction.atomic
def retailer_update(*, retailer: Retailer, actor: User, **changes) -> Retailer:
    """Profile fields. Members edit their retailer in any status, but once it has been
    approved its business name and legal ids change only through staff."""
    retailer = _lock(retailer)
    if not actor.is_staff and retailer.approved_at is not None:
        for field in LOCKED_AFTER_APPROVAL:
            if field in changes and changes[field] != getattr(retailer, field):
                raise validation_error(field, _("Only staff can change this after approval."))
    before = snapshot(retailer, AUDITED_FIELDS)
    for field, value in changes.items():
        setattr(retailer, field, value)
    _check_phone_free(retailer.phone, retailer)
    retailer.save()
    audit_record(
        actor=actor, instance=retailer, action="update", changes=diff(before, snapshot(retailer, AUDITED_FIELDS))
    )
    return retailer


# --- Status workflow (workflows.md §1) -------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    sources: frozenset
    target: str
    reason_required: bool


S = RetailerStatus
TRANSITIONS: dict[str, Transition] = {
    "approve": Transition(frozenset({S.PENDING}), S.ACTIVE, reason_required=False),
    "reject": Transition(frozenset({S.PENDING}), S.REJECTED, reason_required=True),
    "suspend": Transition(frozenset({S.ACTIVE}), S.SUSPENDED, reason_required=True),
    "reactivate": Transition(frozenset({S.SUSPENDED}), S.ACTIVE, reason_required=False),
    "close": Transition(frozenset({S.PENDING, S.ACTIVE, S.SUSPENDED, S.REJECTED}), S.INACTIVE, reason_required=True),
}
TRANSITION_LABELS = {
    "approve": gettext_lazy("Approve"),
    "reject": gettext_lazy("Reject"),
    "suspend": gettext_lazy("Suspend"),
    "reactivate": gettext_lazy("Reactivate"),
    "close": gettext_lazy("Close"),
}


# Checks run before a retailer is closed, each raising DomainError to refuse. The one hook
# through which a later app adds its rule without retailers importing it (orders registers
# "open orders must be finished or cancelled first" from its AppConfig.ready()).
CLOSE_GUARDS: list[Callable[[Retailer], None]] = []


def allowed_transitions(status: str) -> list[str]:
    """The actions allowed from `status`, in table order."""
    return [action for action, transition in TRANSITIONS.items() if status in transition.sources]


@transaction.atomic
def retailer_transition(*, retailer: Retailer, action: str, actor: User, reason: str = "") -> Retailer:
    """The only way a retailer's status changes. Illegal moves → 422 INVALID_TRANSITION
    `{from, to, allowed}` (allowed = actions possible from the current status); approval
    needs rc_number and nif and stamps approved_at/approved_by. Each change writes a
    RetailerEvent, an audit entry, and notifies the owner after commit."""
    transition = TRANSITIONS[action]
    retailer = _lock(retailer)
    reason = (reason or "").strip()
    if retailer.status not in transition.sources:
        raise DomainError(
            "INVALID_TRANSITION",
            details={"from": retailer.status, "to": transition.target, "allowed": allowed_transitions(retailer.status)},
        )
    if transition.reason_required and not reason:
        raise validation_error("reason", _("A reason is required."))
    if action == "close":
        for guard in CLOSE_GUARDS:
            guard(retailer)
    if action == "approve":
        missing = missing_for_approval(retailer)
        if missing:
            raise DomainError("VALIDATION_ERROR", details={f: [_("Required to approve a retailer.")] for f in missing})
        retailer.approved_at = timezone.now()
        retailer.approved_by = actor
    before = snapshot(retailer, ("status", "status_reason"))
    retailer.status = transition.target
    retailer.status_reason = reason
    retailer.save()
    audit_record(actor=actor, instance=retailer, action=action, changes=diff(before, snapshot(retailer, before.keys())))
    _event(
        retailer=retailer,
        type=RetailerEventType.STATUS_CHANGED,
        from_value=before["status"],
        to_value=retailer.status,
        reason=reason,
        actor=actor,
    )
    return retailer


def retailer_require_active(retailer: Retailer) -> None:
    """Guard for writes that need an active retailer (cart, orders): 422 RETAILER_NOT_ACTIVE."""
    if retailer.status != RetailerStatus.ACTIVE:
        raise DomainError("RETAILER_NOT_ACTIVE", details={"status": retailer.status})


# --- Credit and ledger (workflows.md §6) -----------------------------------------------------


@transaction.atomic
def retailer_credit_limit_change(*, retailer: Retailer, credit_limit: Decimal, reason: str, actor: User) -> Retailer:
    """Set the credit limit (≥ 0, reason required); the change is an event (old, new, actor)."""
    reason = (reason or "").strip()
    if not reason:
        raise validation_error("reason", _("A reason is required."))
    credit_limit = _exact_money("credit_limit", credit_limit)
    if credit_limit < 0:
        raise validation_error("credit_limit", _("The credit limit cannot be negative."))
    retailer = _lock(retailer)
    old = retailer.credit_limit
    if old == credit_limit:
        return retailer
    retailer.credit_limit = credit_limit
    retailer.save(update_fields=["credit_limit", "updated_at"])
    audit_record(
        actor=actor,
        instance=retailer,
        action="credit_limit",
        changes=diff({"credit_limit": old}, {"credit_limit": credit_limit}),
    )
    _event(
        retailer=retailer,
        type=RetailerEventType.CREDIT_LIMIT_CHANGED,
        from_value=old,
        to_value=credit_limit,
        reason=reason,
        actor=actor,
    )
    return retailer


# Money columns hold 14 digits with 2 decimals: every stored amount and balance stays below this.
def _within_money_column(field: str, value: Decimal) -> Decimal:
    if abs(value) >= MONEY_LIMIT:
        raise validation_error(
            field, _("Amounts and balances must stay below %(limit)s in absolute value.") % {"limit": MONEY_LIMIT}
        )
    return value


def _exact_money(field: str, value) -> Decimal:
    """`value` as a Decimal with at most 2 decimals that its column can hold; more precision
    is refused, not rounded."""
    amount = _within_money_column(field, Decimal(value))
    if amount != to_money(amount):
        raise validation_error(field, _("Use at most 2 decimal places."))
    return to_money(amount)


def signed_amount(kind: str, amount: Decimal) -> Decimal:
    """The ledger amount for `kind`: debits positive, credits negative; opening balances keep
    their sign (positive = debt carried over, negative = prepaid)."""
    amount = _exact_money("amount", amount)
    if kind == LedgerEntryKind.OPENING_BALANCE:
        return amount
    if amount <= 0:
        raise validation_error("amount", _("The amount must be positive."))
    if kind in DEBIT_KINDS:
        return amount
    if kind in CREDIT_KINDS:
        return -amount
    raise ValueError(f"Unknown ledger kind {kind}")


@transaction.atomic
def ledger_post(
    *, retailer: Retailer, kind: str, amount: Decimal, actor: User | None, reason: str = "", **links
) -> LedgerEntry:
    """Append one entry to the retailer's ledger — the only writer of `Retailer.balance`.

    Invariant: `retailer.balance == Σ entry.amount` and every entry's `balance_after` is the
    previous entry's `balance_after` + its amount; the balance stays within its column
    (|balance| < 10^12), an entry that would take it beyond is refused. The retailer row is locked
    (`select_for_update`) for the whole transaction, so concurrent posts serialise.
    `amount` is positive and its sign follows `kind` (see `signed_amount`); an opening
    balance is given signed and non-zero. `links` are the entry's foreign keys to the
    document it records (order, payment), added by the apps that own those documents.
    Returns the entry; `retailer.balance` is refreshed in place."""
    value = signed_amount(kind, amount)
    if value == ZERO:
        raise validation_error("amount", _("The amount cannot be zero."))
    locked = _lock(retailer)
    last_position = locked.ledger_entries.aggregate(last=Max("position"))["last"] or 0
    balance_after = _within_money_column("amount", locked.balance + value)
    entry = LedgerEntry.objects.create(
        retailer=locked,
        position=last_position + 1,
        kind=kind,
        amount=value,
        balance_after=balance_after,
        reason=reason,
        actor=authenticated_actor(actor),
        **links,
    )
    Retailer.objects.filter(pk=locked.pk).update(balance=balance_after, updated_at=timezone.now())
    retailer.balance = balance_after
    _credit_alert(locked, balance_before=locked.balance, balance_after=balance_after)
    return entry


CREDIT_ALERT_RATIO = Decimal("0.90")  # workflows §8: credit nearly exhausted (≥ 90 % used)


def _credit_alert(retailer: Retailer, *, balance_before: Decimal, balance_after: Decimal) -> None:
    """Tell the retailer's users when this entry takes the credit used from below 90 % of the
    limit to 90 % or more: once per crossing (the retailer row is locked, so before and after
    are exact), again only after it went back below. A retailer without credit is never told."""
    limit = retailer.credit_limit
    threshold = limit * CREDIT_ALERT_RATIO
    if limit <= ZERO or not (balance_before < threshold <= balance_after):
        return
    notify(
        "credit_nearly_exhausted",
        retailer_recipients(retailer),
        {"available_credit": str(to_money(limit - balance_after)), "credit_limit": str(limit)},
        data={"retailer_id": str(retailer.pk)},
    )


def ledger_entries_link_payments(links: dict) -> int:
    """Seeds and importers only: record which payment existing `payment` entries are
    ({entry_id: payment_id}), once — an entry already linked is left alone. The one update of a
    ledger entry there is: no amount or balance changes, and the PostgreSQL trigger refuses any
    other column (retailers migration 0005). Returns the number of entries linked."""
    if not links:
        return 0
    field = LedgerEntry._meta.get_field("id")
    table = LedgerEntry._meta.db_table
    rows = [
        (field.get_db_prep_value(payment_id, connection), field.get_db_prep_value(entry_id, connection))
        for entry_id, payment_id in links.items()
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET payment_id = %s WHERE id = %s AND payment_id IS NULL",  # noqa: S608 (model's table)
            rows,
        )
    return len(rows)


ADJUSTMENT_KINDS = {
    "debit": LedgerEntryKind.ADJUSTMENT_DEBIT,
    "credit": LedgerEntryKind.ADJUSTMENT_CREDIT,
    "write_off": LedgerEntryKind.WRITE_OFF,
}


def ledger_adjust(*, retailer: Retailer, kind: str, amount: Decimal, reason: str, actor: User) -> LedgerEntry:
    """A manual debit, credit or write-off (Finance): positive amount, reason required."""
    reason = (reason or "").strip()
    if not reason:
        raise validation_error("reason", _("A reason is required."))
    if kind not in ADJUSTMENT_KINDS:
        raise validation_error("kind", _("Unknown adjustment kind."))
    return ledger_post(retailer=retailer, kind=ADJUSTMENT_KINDS[kind], amount=amount, actor=actor, reason=reason)


def ledger_opening_balance(*, retailer: Retailer, amount: Decimal, actor: User | None, reason: str = "") -> LedgerEntry:
    """The balance carried over from before Livrili (positive = debt, negative = prepaid);
    only on an empty ledger."""
    if retailer.ledger_entries.exists():
        raise validation_error("amount", _("An opening balance must be the first ledger entry."))
    return ledger_post(
        retailer=retailer, kind=LedgerEntryKind.OPENING_BALANCE, amount=amount, actor=actor, reason=reason
    )


# --- Members ---------------------------------------------------------------------------------


def _require_owner(retailer: Retailer, actor: User) -> None:
    if retailer.owner_id != actor.pk:
        raise DomainError("FORBIDDEN", _("Only the owner manages members."))


def member_create(
    *,
    retailer: Retailer,
    actor: User,
    full_name: str,
    password: str,
    phone: str | None = None,
    email: str | None = None,
) -> User:
    """The owner adds a member (role retailer) with a phone or e-mail and an initial password."""
    _require_owner(retailer, actor)
    if not phone and not email:
        raise validation_error("phone", _("A phone number or an e-mail address is required."))
    return user_create(
        actor=actor,
        username=_generated_username(retailer.business_name),
        password=password,
        role=Role.RETAILER,
        full_name=full_name,
        email=email or None,
        phone=phone,
        retailer=retailer,
    )


def member_update(*, retailer: Retailer, actor: User, member: User, **changes) -> User:
    """The owner renames, deactivates or reactivates a member; never the owner's own account
    (deactivation revokes the member's sessions)."""
    _require_owner(retailer, actor)
    if member.retailer_id != retailer.pk:
        raise DomainError("NOT_FOUND")
    if member.pk == retailer.owner_id and changes.get("is_active") is False:
        raise DomainError("FORBIDDEN", _("The owner's account cannot be deactivated here."))
    return user_update(actor=actor, user=member, **changes)


# --- Delivery addresses ------------------------------------------------------------------


def _make_default(address: DeliveryAddress) -> None:
    # Clear the old default first: at most one default per retailer is a unique constraint.
    DeliveryAddress.objects.filter(retailer_id=address.retailer_id, is_default=True).exclude(pk=address.pk).update(
        is_default=False
    )


@transaction.atomic
def address_create(*, retailer: Retailer, actor: User, **fields) -> DeliveryAddress:
    """A new address; the first one, or one marked default, becomes the default."""
    _lock(retailer)
    address = DeliveryAddress(retailer=retailer, **fields)
    if not retailer.addresses.filter(is_default=True).exists():
        address.is_default = True
    if address.is_default:
        _make_default(address)
    address.save()
    return address


@transaction.atomic
def address_update(*, delivery_address: DeliveryAddress, actor: User, **fields) -> DeliveryAddress:
    """Edit an address; the default can move to another address but never disappear.
    (`fields` are the model's, `address` — the street text — among them, hence the
    `delivery_address` keyword for the instance.)"""
    _lock(delivery_address.retailer)
    if delivery_address.is_default and fields.get("is_default") is False:
        raise validation_error("is_default", _("Mark another address as default instead."))
    for field, value in fields.items():
        setattr(delivery_address, field, value)
    if delivery_address.is_default:
        _make_default(delivery_address)
    delivery_address.save()
    return delivery_address


@transaction.atomic
def address_delete(*, delivery_address: DeliveryAddress, actor: User) -> None:
    """Delete an address; when it was the default, the oldest remaining one takes over."""
    _lock(delivery_address.retailer)
    was_default = delivery_address.is_default
    retailer_id = delivery_address.retailer_id
    delivery_address.delete()
    if was_default:
        successor = DeliveryAddress.objects.filter(retailer_id=retailer_id).order_by("created_at").first()
        if successor:
            successor.is_default = True
            successor.save(update_fields=["is_default", "updated_at"])


# --- Documents -----------------------------------------------------------------------------

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
ALLOWED_DOCUMENT_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
DOCUMENT_IMAGE_FORMATS = ("JPEG", "PNG")  # Pillow's names for the image types above


def document_upload(*, retailer: Retailer, actor: User, type: str, file) -> RetailerDocument:
    """Store a PDF, JPEG or PNG of at most 5 MB in private storage. The type is sniffed from
    the content, never trusted from the name or the client's content type, and the file is
    then checked by its structure (`livrili.core.uploads`: a PDF's trailer, an image decoded
    in full within the pixel bound) before anything is stored."""
    if file.size > MAX_DOCUMENT_BYTES:
        raise validation_error("file", _("The file must be at most 5 MB."))
    file.seek(0)
    kind = filetype.guess(file.read(2048))
    file.seek(0)
    if kind is None or kind.mime not in ALLOWED_DOCUMENT_TYPES:
        raise validation_error("file", _("Only PDF, JPEG and PNG files are accepted."))
    if kind.mime == "application/pdf":
        content_type = uploads.pdf_check(file, field="file")
    else:
        content_type = uploads.image_check(file, field="file", formats=DOCUMENT_IMAGE_FORMATS)
    original_name = (getattr(file, "name", "") or "document")[:255]
    file.name = f"document.{ALLOWED_DOCUMENT_TYPES[content_type]}"
    document = RetailerDocument(
        retailer=retailer,
        type=type,
        file=file,
        original_name=original_name,
        content_type=content_type,
        size=file.size,
        uploaded_by=actor,
    )
    try:
        with transaction.atomic():
            document.save()
    except Exception:
        if document.file.name:
            document.file.storage.delete(document.file.name)
        raise
    return document


@transaction.atomic
def document_verify(*, document: RetailerDocument, actor: User) -> RetailerDocument:
    """Staff mark a document as checked (who and when)."""
    if document.verified_at is None:
        document.verified_at = timezone.now()
        document.verified_by = actor
        document.save(update_fields=["verified_at", "verified_by", "updated_at"])
        audit_record(
            actor=actor,
            instance=document.retailer,
            action="document_verify",
            changes={"document": [None, str(document.pk)]},
        )
    return document
