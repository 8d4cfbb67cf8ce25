"""Django's PostgreSQL backend, with a cheaper health check (settings: ENGINE names this package).

With CONN_HEALTH_CHECKS on, Django checks a kept connection at the start of every request with
a `SELECT 1`: a round trip, and a statement for PostgreSQL, before every page and API call
(0.3-0.5 ms of a page: docs/benchmarks.md). Yet a connection the server has ended always says
so: a server that shuts down, restarts or terminates a session sends its error and closes the
socket. So an idle connection with nothing to read, in a good state, is usable as it is; only
when the socket has something to say (or the connection is in any other state) is Django's own
check run, which then reads that error and has the connection replaced. A peer that vanished
without a word (a cable cut) is noticed by the request's first statement either way.
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        if self.connection is not None and _idle_and_quiet(self.connection):
            return True
        return super().is_usable()


def _idle_and_quiet(connection) -> bool:
    """Open, idle outside a transaction, and nothing from the server waiting to be read."""
    pgconn = connection.pgconn
    if (
        connection.closed
        or connection.broken
        or pgconn.status != pq.ConnStatus.OK
        or pgconn.transaction_status != pq.TransactionStatus.IDLE
    ):
        return False
    poller = select.poll()
    poller.register(pgconn.socket, select.POLLIN | select.POLLPRI)
    return not poller.poll(0)  # an error, a hang-up or data: let SELECT 1 find out
