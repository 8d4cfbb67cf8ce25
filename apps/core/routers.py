"""The database cache (lockout and rate-limit counters) on a connection of its own.

A request's writes run inside its tenant transaction, which is rolled back when the response is a
5xx. Counted on that connection, the failed login, unknown token or throttled call that caused
the error would be rolled back with it, so a client could dodge every limit by making requests
fail. On PostgreSQL the cache table is reached through the `counters` alias instead: the same
database and role, another connection, each counter write committed at once.
"""

COUNTERS = "counters"


class CountersRouter:
    def db_for_read(self, model, **hints):
        return COUNTERS if model._meta.app_label == "django_cache" else None

    db_for_write = db_for_read

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The alias names the same database as `default`: migrations run there only.
        return False if db == COUNTERS else None
