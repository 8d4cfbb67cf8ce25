"""Statements that PostgreSQL parses and plans once per connection: the few every page runs.

Django's PostgreSQL cursors bind parameters on the client, so the server plans every statement
afresh. For the membership read of every organisation page (four joins under row-level
security) planning was 0.4 ms of its 0.75 (docs/benchmarks.md). `prepared_cursor()` runs such a
statement through a server-binding psycopg cursor that prepares it, wrapped as Django wraps its
own: the statement is still logged, counted by the tests' query counters and its errors are
Django's.

Preparing needs `OPTIONS["prepare_threshold"]` set (settings.DATABASE_PREPARED_STATEMENTS); an
operator behind a connection pooler in transaction mode, where a prepared statement would not
follow the session, turns it off and these statements are planned each time like the others
(pgbouncer 1.21 and later follows them with `max_prepared_statements`).

A statement prepared before a migration changed a column it returns fails once on each
connection ("cached plan must not change result type"); the request's rollback makes psycopg
drop the connection's prepared statements, and the next request prepares it afresh
(tests/tenancy/test_membership_for_user.py). Parameters go as `bigint` (`bigints()`) so that
one statement serves every id: psycopg would type a small int as smallint and a large one as
integer, each its own statement.
"""

import functools
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@functools.cache
def _preparing_cursor_class():
    import psycopg  # here: the demo, on SQLite, need not have it

    class PreparingCursor(psycopg.Cursor):
        def execute(self, query, params=None, **kwargs):
            return super().execute(query, params, prepare=True, **kwargs)

    return PreparingCursor


def bigints(*values: int) -> list:
    """Ids as PostgreSQL bigints whatever their size (the parameters of a prepared statement)."""
    if connection.vendor != "postgresql":
        return list(values)
    from psycopg.types.numeric import Int8

    return [Int8(value) for value in values]


@contextmanager
def prepared_cursor() -> Iterator:
    """A cursor whose statements are prepared on the connection (plain elsewhere: SQLite, or
    preparing turned off)."""
    if (
        connection.vendor != "postgresql"
        or connection.settings_dict["OPTIONS"].get("prepare_threshold") is None
    ):
        with connection.cursor() as cursor:
            yield cursor
        return
    # As connection.cursor() does before it hands out a cursor.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = _preparing_cursor_class()(connection.connection)
    logged = connection.queries_logged
    with (connection.make_debug_cursor if logged else connection.make_cursor)(raw) as cursor:
        yield cursor
