"""Idempotent writes: the first answer is stored with its key and replayed exactly.

One mechanism for every write a flaky network may repeat (order placement today; payments,
driver status updates and proof uploads later). A request is identified by (scope, owner,
key): scope names the endpoint ("orders.place"), owner whose keys they are (a retailer, a
driver). The key is claimed, the work done and its answer (status code and JSON body) stored
in one transaction, so a crash can never keep one without the other. The same key with the
same body answers the stored status and body, whatever happened since; with another body
IDEMPOTENCY_CONFLICT. A concurrent request with the same key waits on the claim's unique
index until the first commits, then replays its answer (or, when the first rolled back, does
the work itself). A refusal (DomainError) rolls the claim back with the work: only answers
of work that was done are stored.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from livrili.core.errors import DomainError

from .models import IdempotencyRecord


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any


def request_fingerprint(body) -> str:
    """SHA-256 of the canonical JSON body: tells a replay from another request with the same key."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _json(body):
    return json.loads(json.dumps(body, cls=DjangoJSONEncoder))


def _claim(*, scope: str, owner: str, key: str, fingerprint: str) -> IdempotencyRecord:
    """One statement for a new key: INSERT … ON CONFLICT DO NOTHING. On a key already claimed it
    inserts nothing (after waiting for a concurrent claimer to commit or roll back) and the
    stored record is read."""
    record = IdempotencyRecord(scope=scope, owner=owner, key=key, fingerprint=fingerprint, created_at=timezone.now())
    if _insert_unless_claimed(record):
        return record
    record = IdempotencyRecord.objects.get(scope=scope, owner=owner, key=key)
    if record.fingerprint != fingerprint:
        raise DomainError("IDEMPOTENCY_CONFLICT")
    return record


# Claims a key unless it is claimed: the unique constraint's columns are the conflict target.
CLAIM_SQL = (
    'INSERT INTO core_idempotencyrecord (id, scope, owner, "key", fingerprint, created_at) '
    'VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (scope, owner, "key") DO NOTHING RETURNING id'
)
CLAIM_FIELDS = ("id", "scope", "owner", "key", "fingerprint", "created_at")


def _insert_unless_claimed(record: IdempotencyRecord) -> bool:
    connection = transaction.get_connection()
    fields = [IdempotencyRecord._meta.get_field(name) for name in CLAIM_FIELDS]
    values = [field.get_db_prep_save(getattr(record, field.attname), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(CLAIM_SQL, values)
        inserted = cursor.fetchone() is not None
    record._state.adding, record._state.db = False, connection.alias
    return inserted


def idempotent(*, scope: str, owner, key: str, fingerprint: str, work: Callable[[], Answer]) -> Answer:
    """Run `work` once per (scope, owner, key) and answer what it answered the first time."""
    with transaction.atomic():
        record = _claim(scope=scope, owner=str(owner), key=key, fingerprint=fingerprint)
        if record.status_code is not None:
            return Answer(record.status_code, record.body)
        answer = work()
        record.status_code, record.body = answer.status, _json(answer.body)
        record.save(update_fields=["status_code", "body"])
        return Answer(record.status_code, record.body)


def idempotency_records_purge(*, now=None) -> int:
    """Delete stored answers older than IDEMPOTENCY_RETENTION (a client retries within minutes
    or hours, not weeks). Placement stays safe past it: the order keeps its own unique key."""
    cutoff = (now or timezone.now()) - settings.IDEMPOTENCY_RETENTION
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
