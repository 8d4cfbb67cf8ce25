"""Brute-force protection: failed logins per account and per client address, and unknown API
tokens per client. Counters are shared by every web process (apps.core.ratelimit)."""

import hashlib

from django.conf import settings

from apps.core import ratelimit
from apps.core.api.problems import problem_json

# Tokens carry 256 random bits, so guessing one is hopeless; still, a client that keeps
# presenting unknown tokens is refused for a while.
TOKEN_FAILURE_LIMIT = 30
TOKEN_LOCKOUT_SECONDS = 10 * 60


def _key(kind: str, value: str) -> str:
    return f"lockout:{kind}:{hashlib.sha256(value.lower().encode()).hexdigest()[:32]}"


def is_locked_out(*, email: str, ip: str | None) -> bool:
    limit = settings.LOGIN_FAILURE_LIMIT
    account_failures = ratelimit.count(_key("account", email))
    client_failures = ratelimit.count(_key("client", ip)) if ip else 0
    # A client gets a wider allowance: one office may share an address.
    return account_failures >= limit or client_failures >= limit * 3


def record_failure(*, email: str, ip: str | None) -> None:
    window = settings.LOGIN_LOCKOUT_SECONDS
    ratelimit.hit(_key("account", email), window=window)
    if ip:
        ratelimit.hit(_key("client", ip), window=window)


def clear_failures(*, email: str) -> None:
    ratelimit.reset(_key("account", email))


def is_token_guessing_locked(*, ip: str | None) -> bool:
    return bool(ip) and ratelimit.count(_key("token", ip)) >= TOKEN_FAILURE_LIMIT


def record_token_failure(*, ip: str | None) -> None:
    if ip:
        ratelimit.hit(_key("token", ip), window=TOKEN_LOCKOUT_SECONDS)


def too_many_token_failures_response():
    return problem_json(
        status=429,
        title="Too Many Requests",
        detail="Too many requests with unknown tokens from this address; try again later.",
        headers={"Retry-After": str(TOKEN_LOCKOUT_SECONDS)},
    )
