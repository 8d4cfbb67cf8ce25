"""Brute-force protection for logins: failures counted per account and per client address.

Counters live in the shared cache (the database cache table), so every web process sees them.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache


def _key(kind: str, value: str) -> str:
    return f"lockout:{kind}:{hashlib.sha256(value.lower().encode()).hexdigest()[:32]}"


def _keys(*, email: str, ip: str | None) -> list[str]:
    keys = [_key("account", email)]
    if ip:
        keys.append(_key("client", ip))
    return keys


def is_locked_out(*, email: str, ip: str | None) -> bool:
    limit = settings.LOGIN_FAILURE_LIMIT
    account_failures = cache.get(_key("account", email), 0)
    client_failures = cache.get(_key("client", ip), 0) if ip else 0
    # A client gets a wider allowance: one office may share an address.
    return account_failures >= limit or client_failures >= limit * 3


def record_failure(*, email: str, ip: str | None) -> None:
    for key in _keys(email=email, ip=ip):
        if cache.add(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS):
            continue
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)


def clear_failures(*, email: str) -> None:
    cache.delete(_key("account", email))


# --- API tokens --------------------------------------------------------------------------------
# Tokens carry 256 random bits, so guessing one is hopeless; still, a client that keeps
# presenting unknown tokens is refused for a while, across every process (shared cache).
TOKEN_FAILURE_LIMIT = 30
TOKEN_LOCKOUT_SECONDS = 10 * 60


def is_token_guessing_locked(*, ip: str | None) -> bool:
    return bool(ip) and cache.get(_key("token", ip), 0) >= TOKEN_FAILURE_LIMIT


def record_token_failure(*, ip: str | None) -> None:
    if not ip:
        return
    key = _key("token", ip)
    if not cache.add(key, 1, timeout=TOKEN_LOCKOUT_SECONDS):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=TOKEN_LOCKOUT_SECONDS)


def too_many_token_failures_response():
    from django.http import JsonResponse

    return JsonResponse(
        {
            "type": "about:blank",
            "title": "Too Many Requests",
            "status": 429,
            "detail": "Too many requests with unknown tokens from this address; try again later.",
        },
        status=429,
        content_type="application/problem+json",
        headers={"Retry-After": str(TOKEN_LOCKOUT_SECONDS)},
    )
