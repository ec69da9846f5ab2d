"""RowWriter: rows written once, in batches, with the timestamps they are given."""

from datetime import timedelta
from uuid import UUID

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from livrili.core.models import AuditLog, Sequence
from livrili.core.numbering import next_number
from livrili.core.seeding import RowWriter, advance_numbering, numbers_in_use

pytestmark = pytest.mark.django_db
COLUMNS = ("id", "action", "content_type_id", "object_id", "object_repr", "changes", "created_at")


def test_rows_are_written_per_batch_with_their_own_timestamps():
    # given a writer of two rows per batch
    writer = RowWriter(AuditLog, COLUMNS, batch=2)
    kind = ContentType.objects.get_for_model(Sequence).pk
    long_ago = timezone.now() - timedelta(days=400)
    # when three rows are added
    for n in range(3):
        writer.add((UUID(int=n + 1, version=4), "seed", kind, str(n), f"row {n}", {"n": n}, long_ago))
    # then the first two are written at once, the third on flush
    assert (writer.written, AuditLog.objects.count()) == (2, 2)
    writer.flush()
    assert (writer.written, AuditLog.objects.count()) == (3, 3)
    row = AuditLog.objects.get(object_id="1")
    # columns not given take their default, NULL or ""
    assert (row.created_at, row.changes, row.actor_id, row.ip, row.user_agent) == (long_ago, {"n": 1}, None, None, "")


def test_a_column_without_default_null_or_empty_value_must_be_given():
    with pytest.raises(ValueError, match=r"AuditLog\.content_type needs a value"):
        RowWriter(AuditLog, ("id", "action"))


def test_numbering_continues_after_the_seeded_numbers():
    # given numbers used up to 41 this year (documents) and a counter row at 12 last year
    year = timezone.localdate().year
    Sequence.objects.create(prefix="TST", year=year - 1, last_value=12)
    used = numbers_in_use("TST", [f"TST-{year}-000041", f"TST-{year}-000007"])
    assert used == {year: 41, year - 1: 12}
    # when the numbering is moved past them
    advance_numbering("TST", used)
    # then the next number follows, and moving back changes nothing
    assert next_number("TST", gap_free=False) == f"TST-{year}-000042"
    advance_numbering("TST", {year: 3})
    assert next_number("TST", gap_free=False) == f"TST-{year}-000043"
