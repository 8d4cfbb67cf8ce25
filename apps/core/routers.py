"""Lockout and rate-limit counters (apps/core/ratelimit.py) on a connection of their own.

A request's writes run inside its tenant transaction, which is rolled back when the response is a
5xx. Counted on that connection, the failed login, unknown token or throttled call that caused
the error would be rolled back with it, so a client could dodge every limit by making requests
fail. On PostgreSQL the counters table (and the database cache) are reached through the
`counters` alias instead: the same database and role, another connection, each write committed
at once.
"""

COUNTERS = "counters"
# The database cache's app label (it is no model of an app) and our counters' table.
COUNTER_TABLES = {"django_cache", "core_counter"}


class CountersRouter:
    def db_for_read(self, model, **hints):
        counted = {model._meta.app_label, model._meta.db_table} & COUNTER_TABLES
        return COUNTERS if counted else None

    db_for_write = db_for_read

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The alias names the same database as `default`: migrations run there only.
        return False if db == COUNTERS else None
