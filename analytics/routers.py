"""Reports read from the replica (`DATABASE_REPLICA_URL`) when one is configured.

A router cannot tell a report's query from any other, so the reports say so: the reads made
inside `replica_reads()` (`analytics.reports.report_build`) go to the `replica` alias; every
other read, and every write (the export records), stays on `default`. A replica lags a little:
a report may miss the last seconds of activity (docs/decisions.md, Analytics)."""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"
_reading_from_replica: ContextVar[bool] = ContextVar("analytics_replica_reads", default=False)


@contextmanager
def replica_reads():
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _reading_from_replica.get() and REPLICA in settings.DATABASES:
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return True if REPLICA in {obj1._state.db, obj2._state.db} else None  # the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA else None  # the replica follows the primary's schema
