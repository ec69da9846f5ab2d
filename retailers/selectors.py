"""Reads: querysets with their joins prepared, and the account statement."""

from collections.abc import Callable
from datetime import date

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from livrili.accounts.models import Language, User
from livrili.core.errors import DomainError
from livrili.core.money import ZERO, to_money

from .models import DeliveryAddress, LedgerEntry, Retailer, RetailerDocument, RetailerEvent

# Figures that later apps compute for the retailer's profile (orders registers
# month_order_count and month_spend from its AppConfig.ready()), so retailers imports none of them.
PROFILE_FIGURES: list[Callable[[Retailer], dict]] = []


# Sections that later apps add to the retailer's statement (billing registers its open invoices
# from BillingConfig.ready()): each is called with the retailer and `date_to` and returns keys.
STATEMENT_SECTIONS: list[Callable[..., dict]] = []


def profile_figures(retailer: Retailer) -> dict:
    figures: dict = {}
    for provider in PROFILE_FIGURES:
        figures.update(provider(retailer))
    return figures


def retailer_list() -> QuerySet[Retailer]:
    return Retailer.objects.select_related("wilaya", "owner", "approved_by")


def retailer_for_user(user: User) -> Retailer:
    """The caller's own retailer (IsRetailer guarantees there is one)."""
    return retailer_list().get(pk=user.retailer_id)


def address_list(retailer: Retailer) -> QuerySet[DeliveryAddress]:
    return DeliveryAddress.objects.filter(retailer=retailer).select_related("wilaya")


def document_list(retailer: Retailer) -> QuerySet[RetailerDocument]:
    return RetailerDocument.objects.filter(retailer=retailer).select_related("uploaded_by", "verified_by")


def member_list(retailer: Retailer) -> QuerySet[User]:
    return User.objects.filter(retailer=retailer).select_related("retailer").order_by("date_joined")


def retailer_recipients(retailer: Retailer) -> list[User]:
    """Who hears about the retailer's orders, deliveries, invoices and account: its active users."""
    return list(retailer.members.filter(is_active=True))


def ledger_list(retailer: Retailer) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(retailer=retailer).select_related("actor").order_by("-position")


def event_list(retailer: Retailer) -> QuerySet[RetailerEvent]:
    return RetailerEvent.objects.filter(retailer=retailer).select_related("actor").order_by("-created_at")


# The statement as a PDF (billing fills it from BillingConfig.ready() with its WeasyPrint engine):
# called with the statement of `retailer_statement` and the language, returns the PDF bytes.
# Left None where no app renders PDFs, and the view answers 503 SERVICE_UNAVAILABLE.
STATEMENT_PDF: Callable[..., bytes] | None = None


def retailer_statement(
    *,
    retailer: Retailer,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> dict:
    """Opening balance before `date_from`, the period's entries in ledger order with their
    running balance (`balance_after`), and the closing balance at the end of `date_to`
    (dates in the business time zone, both inclusive).

    `limit`/`offset` page the entries only: the header figures (opening and closing balance,
    totals, credit, the sections) always cover the whole period, and `entry_count` is the
    number of entries in the period."""
    entries = LedgerEntry.objects.filter(retailer=retailer).order_by("position")
    if date_from:
        before = entries.filter(created_at__date__lt=date_from).order_by("-position").first()
        opening = before.balance_after if before else ZERO
        entries = entries.filter(created_at__date__gte=date_from)
    else:
        opening = ZERO
    if date_to:
        entries = entries.filter(created_at__date__lte=date_to)
    # Amounts summed in Python: exact Decimals on every database (SQLite sums them as floats).
    figures = list(entries.values_list("amount", "balance_after"))
    closing = figures[-1][1] if figures else opening
    page = list(entries if limit is None else entries[offset : offset + limit])
    sections: dict = {}
    for section in STATEMENT_SECTIONS:
        sections.update(section(retailer=retailer, date_to=date_to))
    return {
        **sections,
        "retailer": retailer,
        "date_from": date_from,
        "date_to": date_to,
        "opening_balance": opening,
        "entries": page,
        "entry_count": len(figures),
        "total_debit": sum((amount for amount, _after in figures if amount > 0), ZERO),
        "total_credit": sum((-amount for amount, _after in figures if amount < 0), ZERO),
        "closing_balance": closing,
        "credit_limit": retailer.credit_limit,
        "available_credit": retailer.available_credit,
    }


def statement_language(retailer) -> str:
    """The owner's preferred language (like its invoices), else Arabic."""
    owner = retailer.owner
    language = owner.preferred_language if owner is not None else ""
    return language if language in Language.values else Language.AR


def statement_pdf(statement: dict, language: str) -> bytes:
    """The statement as PDF bytes through the registered renderer (SERVICE_UNAVAILABLE without one)."""
    if STATEMENT_PDF is None:
        raise DomainError("SERVICE_UNAVAILABLE", _("PDF statements cannot be produced right now. Try again later."))
    return STATEMENT_PDF(statement, language)


def ledger_mismatches() -> list[str]:
    """Retailers whose cached balance differs from the sum of their ledger, or whose
    balance_after chain is broken (a check of `check_ledgers`)."""
    problems = []
    sums = dict(LedgerEntry.objects.values_list("retailer_id").annotate(total=Sum("amount")).order_by())
    for pk, name, balance in Retailer.objects.values_list("pk", "business_name", "balance").order_by("pk"):
        total = to_money(sums.get(pk) or ZERO)  # SQLite sums decimals without their scale
        if total != balance:
            problems.append(f"retailer {pk} ({name}): balance {balance} != ledger sum {total}")
    running: dict = {}
    for retailer_id, position, amount, balance_after in (
        LedgerEntry.objects.order_by("retailer_id", "position")
        .values_list("retailer_id", "position", "amount", "balance_after")
        .iterator(chunk_size=5000)
    ):
        expected = running.get(retailer_id, ZERO) + amount
        if expected != balance_after:
            problems.append(
                f"retailer {retailer_id}: entry #{position} balance_after {balance_after} != expected {expected}"
            )
        running[retailer_id] = balance_after
    return problems
