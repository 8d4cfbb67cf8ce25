"""Django's PostgreSQL backend, with a cheaper health check (settings: ENGINE names this package).

With CONN_HEALTH_CHECKS on, Django checks a kept connection at the start of every request with
a `SELECT 1`: a round trip, and a statement for PostgreSQL, before every page and API call
(0.15-0.5 ms of a page: docs/benchmarks.md). A busy worker's connection was in use a moment
ago, and a server that shuts down, restarts or ends a session says so on the socket before it
closes it. So a connection that served a request within the last few seconds, idle, in a good
state and with nothing to read, is used as it is. Any other connection gets Django's own check,
which replaces it if it fails: one with something to say on its socket, one in a transaction,
and one idle for longer, which a firewall, a NAT's idle timeout or a failover may have dropped
without a word (and whose server's `idle_session_timeout` the check resets, as before).
"""

import select
import time

from django.db.backends.postgresql import base
from psycopg import pq

# Well under any idle timeout of a firewall, a NAT or PostgreSQL that a deployment would set.
RECENT_SECONDS = 5.0


class DatabaseWrapper(base.DatabaseWrapper):
    # When a request that used the connection ended. A connection opened during a request
    # needs no check in it (Django counts a new connection as checked), and is stamped as the
    # request ends.
    used_at: float | None = None

    def close_if_unusable_or_obsolete(self) -> None:
        # Django calls this as each request starts and ends; `health_check_done` is set once
        # the request has used the connection, and is reset here.
        used = self.health_check_done
        super().close_if_unusable_or_obsolete()
        if used and self.connection is not None:
            self.used_at = time.monotonic()

    def is_usable(self) -> bool:
        if (
            self.connection is not None
            and self.used_at is not None
            and time.monotonic() - self.used_at < RECENT_SECONDS
            and _idle_and_quiet(self.connection)
        ):
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
