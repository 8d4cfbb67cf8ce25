"""Counters for lockouts and rate limits, shared by every process: one row each in `core_counter`.

They live in the database, so limits hold across web processes and while Redis is down. On
PostgreSQL they go through a connection of their own (apps/core/routers.py), in autocommit, so a
request that fails and rolls back still counts. Callers put the organisation in the key when the
counter belongs to one.

A hit is one statement: an upsert that counts and starts a new window when the old one has
ended, atomically under concurrent requests. The database cache this replaces needed six round
trips for it (read, count the table for culling, begin, read, write, commit), restarted the
window on every increment (`incr` re-set the key with the cache's default five-minute timeout)
and culled keys once the table held 300, counters included.
"""

import random
import time
from typing import NamedTuple

from django.db import connections, router

from apps.core.models import Counter

# Expired rows are deleted now and then by the hits themselves, so the table holds about as many
# rows as there are live counters without a periodic job.
PURGE_ONE_HIT_IN = 500

_HIT_SQL = f"""
    INSERT INTO {Counter._meta.db_table} (key, count, expires) VALUES (%s, 1, %s)
    ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN {Counter._meta.db_table}.expires <= %s THEN 1
                     ELSE {Counter._meta.db_table}.count + 1 END,
        expires = CASE WHEN {Counter._meta.db_table}.expires <= %s THEN excluded.expires
                       ELSE {Counter._meta.db_table}.expires END
    RETURNING count, expires
"""  # noqa: S608 - the table name is ours, every value is a parameter


class Hit(NamedTuple):
    count: int  # events in the current window, this one included
    resets_in: float  # seconds until the window ends


def _alias() -> str:
    return router.db_for_write(Counter)


def hit_window(key: str, *, window: int) -> Hit:
    """Count one event in a fixed window of `window` seconds (from the window's first event)."""
    now = time.time()
    with connections[_alias()].cursor() as cursor:
        cursor.execute(_HIT_SQL, [key, now + window, now, now])
        count, expires = cursor.fetchone()
        if random.randrange(PURGE_ONE_HIT_IN) == 0:  # noqa: S311 - housekeeping, not a secret
            cursor.execute(f"DELETE FROM {Counter._meta.db_table} WHERE expires <= %s", [now])  # noqa: S608
    return Hit(count=count, resets_in=max(0.0, expires - now))


def hit(key: str, *, window: int) -> int:
    """Count one event in a window of `window` seconds (from the first event); the new count."""
    return hit_window(key, window=window).count


def count(key: str) -> int:
    row = (
        Counter.objects.using(_alias())
        .filter(key=key, expires__gt=time.time())
        .values_list("count", flat=True)
        .first()
    )
    return row or 0


def reset(key: str) -> None:
    Counter.objects.using(_alias()).filter(key=key).delete()
