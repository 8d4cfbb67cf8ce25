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

`prepared_instance()` reads one row of a model this way and builds the instance as the ORM's
`get()` would (`model_from_row`: the backend's and the fields' converters, then `from_db`).
Every signed-in page reads its session, user and organisation so: through the ORM, building
the query cost more Python than PostgreSQL spent answering it.
"""

import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.db import connection, models


@functools.cache
def _preparing_cursor_class():
    import psycopg  # here: the demo, on SQLite, need not have it

    class PreparingCursor(psycopg.Cursor):
        def execute(self, query, params=None, **kwargs):
            return super().execute(query, params, prepare=True, **kwargs)

    return PreparingCursor


def is_prepared(cursor) -> bool:
    """Whether a Django cursor (as execute wrappers see it) is one of `prepared_cursor()`'s."""
    if connection.vendor != "postgresql":
        return False
    return type(getattr(cursor, "cursor", None)) is _preparing_cursor_class()


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


def prepared_instance[M: models.Model](model: type[M], where: str, params: Sequence) -> M | None:
    """The `model` row matching `where` (SQL on the model's own table, `%s` placeholders), or
    None; several rows are an error, as with `get()`. `where` must be a constant: each
    distinct text is a statement of its own on every connection."""
    with prepared_cursor() as cursor:
        cursor.execute(_select_sql(model, where), params)
        rows = cursor.fetchmany(2)
    if len(rows) > 1:
        raise model.MultipleObjectsReturned(f"{where} matched more than one {model.__name__}")
    return model_from_row(model, iter(rows[0])) if rows else None


@functools.lru_cache(maxsize=64)  # bounded: a `where` that is not a constant would grow it
def _select_sql(model: type[models.Model], where: str) -> str:
    table = connection.ops.quote_name(model._meta.db_table)
    return f"SELECT {model_columns(None, model)} FROM {table} WHERE {where} LIMIT 2"  # noqa: S608


def model_columns(alias: str | None, model: type[models.Model]) -> str:
    """The model's concrete columns, in the order `model_from_row` reads them."""
    prefix = f"{alias}." if alias else ""
    fields = _COLUMNS[model][0]
    return ", ".join(f"{prefix}{connection.ops.quote_name(f.column)}" for f in fields)


def model_from_row[M: models.Model](model: type[M], values: Iterator) -> M | None:
    """The next columns of a row (`model_columns`) as a `model` instance (None for a left
    join that found none), each value through the backend's and the field's converters as the
    ORM's would be (SQLite returns date-times without their time zone, for one)."""
    fields, names, converters = _COLUMNS[model]
    row = []
    for convert in converters:
        value = next(values)
        for converter, expression in convert:
            value = converter(value, expression, connection)
        row.append(value)
    if row[fields.index(model._meta.pk)] is None:
        return None
    return model.from_db(connection.alias, names, row)


def _converters(field) -> list:
    expression = field.get_col(field.model._meta.db_table)
    found = connection.ops.get_db_converters(expression) + field.get_db_converters(connection)
    return [(converter, expression) for converter in found]


class _Columns(dict):
    """Per model: its concrete fields, their attribute names and their value converters, worked
    out once (the connection's backend is known only once settings are)."""

    def __missing__(self, model):
        fields = tuple(model._meta.concrete_fields)
        self[model] = (fields, [f.attname for f in fields], [_converters(f) for f in fields])
        return self[model]


_COLUMNS = _Columns()
