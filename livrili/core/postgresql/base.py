"""Django's PostgreSQL backend with a health check that sends nothing to the server.

With persistent connections (`CONN_MAX_AGE`) and `CONN_HEALTH_CHECKS`, Django checks a reused
connection at the first query of each request with `SELECT 1`: a round trip, and a wake-up of its
server process, on every request (docs/performance.md, pass 2, seventh session). An idle connection
has nothing to read, so a server that has closed it (a restart, a terminated backend, an idle
timeout) leaves its socket readable: its last message, or the end of the stream. Checking that
costs one `select` and catches what `SELECT 1` catches; pgx's `CheckConn` (Go) checks a connection
the same way, without writing a byte.
"""

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus

_UNUSABLE = (TransactionStatus.INERROR, TransactionStatus.UNKNOWN)


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if connection.info.transaction_status in _UNUSABLE:
            return False
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):  # the socket is gone
            return False
        return not readable  # anything the server sent unasked (a FATAL, the end of the stream)
