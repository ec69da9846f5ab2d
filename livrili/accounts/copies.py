"""Each process's copies of the user rows that access tokens name, so an authenticated request
need not read its user from the database (docs/performance.md, pass 2, eleventh session).

A copy is used only while the user's *revision* in the shared cache (Redis) is the one it was
read under. Every write of a user row changes the revision twice: to a hold value inside the
writing transaction (while it is held, nobody keeps a copy) and to a fresh revision once the write
commits. A reader reads the revision before the row, so a copy read before a commit carries a
revision that the commit replaces: a deactivated user is refused at the next request, in every
process. Without the revision (the cache unreachable, expired or flushed) the row is read from the
database. A copy is also re-read after `AUTH_USER_COPY_MAX_AGE` seconds whatever the revision says:
the backstop for a cache that lost the write's two updates but kept serving reads.

User rows change through `save()` and `delete()` only (services, the admin, `update_last_login`);
a queryset `update()` of users must call `user_changed` for each row it writes.
"""

import random

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from livrili.core.process_copies import ProcessCopies

HOLD = 0  # a write is in flight: read the database, keep no copy
HOLD_SECONDS = 60  # longer than any transaction that writes a user; the commit replaces it anyway
REVISION_SECONDS = 7 * 24 * 3600  # idle users' revisions expire; a missing one is created again
MAX_COPIES = 20_000  # per process; past it the copies start again from none

_rows = ProcessCopies(size=MAX_COPIES, max_age=lambda: settings.AUTH_USER_COPY_MAX_AGE)  # user id → row


def _key(user_id: str) -> str:
    return f"accounts:user-revision:{user_id}"


def _fresh() -> int:
    # an int: the cache stores it as is (no pickling), and never equal to HOLD
    return random.getrandbits(62) + 1


def enabled() -> bool:
    return settings.AUTH_USER_COPY_MAX_AGE > 0


def revision(user_id: str) -> int | None:
    """The user's revision to read the row under: None when no copy may be kept (a write in
    flight, or the cache unreachable)."""
    key = _key(user_id)
    current = cache.get(key)
    if current is None:  # never set, expired, flushed, or the cache is down
        created = _fresh()
        added = cache.add(key, created, REVISION_SECONDS)  # None: the cache is down (errors ignored)
        current = created if added else cache.get(key) if added is False else None
    return current or None  # HOLD and None alike


def copy(user_id: str, current: int) -> tuple | None:
    """The row kept for `user_id` under revision `current`, if it is not too old."""
    return _rows.get(user_id, current)


def keep(user_id: str, current: int, row: tuple) -> None:
    _rows.keep(user_id, tuple(row), current)


def user_changed(user_id) -> None:
    """A user row is being written: no process keeps a copy until the write commits, and copies
    read before the commit are refused after it (a rolled-back write leaves the hold to expire)."""
    key = _key(str(user_id))
    cache.set(key, HOLD, HOLD_SECONDS)
    transaction.on_commit(lambda: cache.set(key, _fresh(), REVISION_SECONDS))


def user_saved(sender, instance, **kwargs) -> None:
    user_changed(instance.pk)


def user_deleted(sender, instance, **kwargs) -> None:
    user_changed(instance.pk)
