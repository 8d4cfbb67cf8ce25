"""Counters for lockouts and rate limits, shared by every process through the cache.

The cache is the database cache, so limits hold across web processes and while Redis is down.
Callers put the organisation in the key when the counter belongs to one.
"""

from django.core.cache import cache


def hit(key: str, *, window: int) -> int:
    """Count one event in a window of `window` seconds (from the first event); the new count."""
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=window)
        return 1


def count(key: str) -> int:
    return cache.get(key, 0)


def reset(key: str) -> None:
    cache.delete(key)
