"""Rendered fragments of the busiest pages, kept while nothing they show has changed.

The recognition wall, a person's recognition page and the dependency report cost tens to
hundreds of milliseconds to compute, and are read far more often than what they show is
written. Each is cached under the version of its area (`ContentVersion`), which PostgreSQL
bumps as every transaction that wrote a table the area shows commits (migrations core/0007,
core/0008; a reader inside such a transaction bumps first): whichever
code wrote the rows, the next request reads a new version, misses, and computes afresh. The
version is read on the request, before the fragment is computed, so a fragment is never older
than its key. What a key leaves out expires: fragments live `FRAGMENT_CACHE_SECONDS` (the
wall's "5 minutes ago" moves on).

A fragment belongs to one viewer: it is keyed by the organisation and the membership (what
one may see, another may not: tenancy.md, "unscoped cache keys leak data"), by the address
and the htmx headers that choose a variant, and by the language; the CSRF tokens of its forms
are each request's own (`cached_render`). The cache is each process's memory
(CACHES["fragments"]): nothing to connect to, nothing to fail, bounded in entries. SQLite
keeps no versions, so there (the demo) every request computes.
"""

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from apps.core.prepared import bigints, prepared_cursor

CACHE_ALIAS = "fragments"
# The request headers that make a page answer differently (htmx asks for parts of pages).
VARYING_HEADERS = ("HX-Request", "HX-Boosted", "HX-Target")


def _versions(request: HttpRequest) -> dict[str, int] | None:
    """The organisation's content versions, read once per request (one query), this
    transaction's own writes included (migration core/0008)."""
    if not hasattr(request, "_content_versions"):
        request._content_versions = (
            content_versions(request.organization.pk)
            if enabled() and request.organization is not None
            else None
        )
    return request._content_versions


def content_versions(organization_id: int) -> dict[str, int]:
    with prepared_cursor() as cursor:
        cursor.execute(
            "SELECT area, version FROM core_content_versions(%s)", bigints(organization_id)
        )
        return dict(cursor.fetchall())


def _key(request: HttpRequest, area: str, name: str) -> str | None:
    versions = _versions(request)
    if versions is None or request.membership is None:
        return None
    varying = "\n".join(
        [request.get_full_path(), *(request.headers.get(h, "") for h in VARYING_HEADERS)]
    )
    digest = hashlib.blake2b(varying.encode(), digest_size=16).hexdigest()
    # The organisation's date too: a default period ends today.
    return (
        f"{name}:{request.organization.pk}:{area}@{versions.get(area, 0)}:"
        f"{request.membership.pk}:{translation.get_language()}:{timezone.localdate()}:{digest}"
    )


def cached[T](request: HttpRequest, *, area: str, name: str, compute: Callable[[], T]) -> T:
    """`compute()`, or what it returned for this viewer, address and data before.

    `area` is the ContentVersion area whose tables the result shows. The result must be
    picklable (plain data, say, for the API).
    """
    key = _key(request, area, name)
    if key is None:
        return compute()
    # A hard reload (Cache-Control: no-cache) computes the page afresh, and keeps that.
    reload = "no-cache" in request.headers.get("Cache-Control", "")
    return keep(key, compute, refresh=reload)


def enabled() -> bool:
    """Whether fragments are kept at all: not on SQLite, which keeps no versions."""
    return settings.FRAGMENT_CACHE_SECONDS > 0 and connection.vendor == "postgresql"


def keep[T](key: str, compute: Callable[[], T], *, refresh: bool = False) -> T:
    """`compute()`, kept under `key`, which must name the organisation and the content
    version the result shows (tests/security/test_tenant_keys.py)."""
    cache = caches[CACHE_ALIAS]
    value = None if refresh else cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, settings.FRAGMENT_CACHE_SECONDS)
    return value


def cached_render(
    request: HttpRequest, *, area: str, name: str, template: str, context: Callable[[], dict]
) -> SafeString:
    """`render_to_string(template, context(), request)`, or the same HTML kept from before."""
    html = cached(
        request,
        area=area,
        name=name,
        compute=lambda: render_for_keeping(template, context(), request),
    )
    return with_tokens(request, html)


def render_for_keeping(template: str, context: dict, request: HttpRequest) -> SafeString:
    """A template rendered to be kept: a kept fragment holds no CSRF token, which is the
    session's, so its forms get a placeholder (`with_tokens` puts each request's own there)."""
    return render_to_string(template, {**context, "csrf_token": _TOKEN_PLACEHOLDER}, request)


def with_tokens(request: HttpRequest, html: str) -> SafeString:
    """A kept fragment with this request's CSRF token in its forms. The placeholder is
    replaced only inside the attribute the token tag writes: text anyone typed has its quotes
    escaped, so it can never spell that attribute."""
    token = _token_attribute(get_token(request))
    return mark_safe(html.replace(_TOKEN_ATTRIBUTE, token))  # noqa: S308 - our template's HTML


_TOKEN_PLACEHOLDER = "csrf-token-of-the-request"  # noqa: S105 - a placeholder, no secret


def _token_attribute(token: str) -> str:
    return f'name="csrfmiddlewaretoken" value="{token}"'


_TOKEN_ATTRIBUTE = _token_attribute(_TOKEN_PLACEHOLDER)
