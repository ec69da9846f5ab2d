"""Yearly document numbers (`ORD-2026-000123`), unique and increasing under concurrency.

- gap-free (invoices, FAC): the counter row is locked in the caller's transaction, so a
  rollback gives the number back and concurrent callers wait for each other.
- increasing (orders ORD, deliveries DEL): on PostgreSQL a database sequence per prefix and
  year, which never blocks placement but may skip a number on rollback. SQLite serialises
  writers anyway, so there it shares the counter-row path.
"""

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from .models import Sequence


def document_number(prefix: str, year: int, value: int) -> str:
    return f"{prefix}-{year}-{value:06d}"


def sequence_name(prefix: str, year: int) -> str:
    """The PostgreSQL sequence of an increasing (not gap-free) number series."""
    return f"core_number_{prefix.lower()}_{year}"


def current_year() -> int:
    return timezone.localdate().year  # TIME_ZONE is Africa/Algiers


def next_number(prefix: str, *, gap_free: bool) -> str:
    year = current_year()
    if gap_free or connection.vendor != "postgresql":
        return document_number(prefix, year, _next_locked(prefix, year))
    return document_number(prefix, year, _next_from_sequence(prefix, year))


def _next_locked(prefix: str, year: int) -> int:
    if not connection.in_atomic_block:
        raise RuntimeError("Gap-free numbers must be taken inside the transaction that uses them")
    Sequence.objects.bulk_create([Sequence(prefix=prefix, year=year)], ignore_conflicts=True)
    counter = Sequence.objects.select_for_update().get(prefix=prefix, year=year)
    counter.last_value += 1  # safe: the row is locked until our transaction ends
    counter.save(update_fields=["last_value"])
    return counter.last_value


_known_sequences: set[str] = set()


def _next_from_sequence(prefix: str, year: int) -> int:
    name = sequence_name(prefix, year)
    with connection.cursor() as cursor:
        if name not in _known_sequences:
            # A savepoint keeps a concurrent creator's clash from aborting the caller's transaction.
            try:
                with transaction.atomic():
                    cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {name}")
            except DatabaseError:  # another process created it a moment earlier
                pass
            # DDL is transactional: remember the sequence only once its creation is committed.
            transaction.on_commit(lambda: _known_sequences.add(name))
        cursor.execute("SELECT nextval(%s)", [name])
        return cursor.fetchone()[0]
