"""Personal API tokens: shown once, stored only as a SHA-256 digest in the global routing table."""

import hashlib
import secrets
from dataclasses import dataclass
from typing import NamedTuple

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import ApiToken
from apps.audit.services import audit_record
from apps.core.errors import ApplicationError
from apps.tenancy.models import GlobalRoute, Membership

TOKEN_PREFIX = "sc_"  # noqa: S105 - a public marker, not a secret
TOKEN_NAME_REQUIRED = "Give the token a name, so you recognise it later."  # noqa: S105
TOKEN_ALREADY_REVOKED = "This token is already revoked."  # noqa: S105


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown to the user once, never stored


@transaction.atomic
def api_token_create(
    *, membership: Membership, name: str, request: HttpRequest | None = None
) -> IssuedToken:
    name = name.strip()
    if not name:
        raise ApplicationError(_(TOKEN_NAME_REQUIRED), field="name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)  # 256 bits
    token = ApiToken.objects.create(membership=membership, name=name[:80], prefix=secret[:10])
    GlobalRoute.objects.create(
        kind=GlobalRoute.Kind.API_TOKEN,
        digest=token_digest(secret),
        organization_id=token.organization_id,
        object_id=token.pk,
    )
    audit_record(actor=membership, action="api_token.created", target=token, request=request)
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def api_token_revoke(
    *, token: ApiToken, actor: Membership, request: HttpRequest | None = None
) -> ApiToken:
    if token.revoked_at is not None:
        raise ApplicationError(_(TOKEN_ALREADY_REVOKED))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    GlobalRoute.objects.filter(
        kind=GlobalRoute.Kind.API_TOKEN,
        organization_id=token.organization_id,
        object_id=token.pk,
    ).delete()
    audit_record(actor=actor, action="api_token.revoked", target=token, request=request)
    return token


class TokenRoute(NamedTuple):
    """Which organisation and token row a presented secret names: only a directory entry.

    Kept per process (`_routes`), since a token never moves to another organisation. Whether the
    token still opens anything is decided on every call by its row, inside the organisation
    (`api_token_membership`): a revoked token or a deactivated member is refused at once, in
    every process, whatever this directory still holds.
    """

    organization_id: int
    token_id: int
    digest: str


ROUTE_CACHE_SIZE = 10_000
_routes: dict[str, TokenRoute] = {}


def api_token_route(raw: str) -> TokenRoute | None:
    """Find which organisation a presented token opens (before any tenant context exists)."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    digest = token_digest(raw)
    route = _routes.get(digest)
    if route is not None:
        return route
    row = (
        GlobalRoute.objects.filter(kind=GlobalRoute.Kind.API_TOKEN, digest=digest)
        .values_list("organization_id", "object_id")
        .first()
    )
    if row is None:
        return None  # unknown tokens are not remembered: the caller counts each one
    if len(_routes) >= ROUTE_CACHE_SIZE:
        _routes.clear()  # simpler than an LRU, and a miss costs one indexed query
    route = _routes[digest] = TokenRoute(organization_id=row[0], token_id=row[1], digest=digest)
    return route


def api_token_forget(route: TokenRoute) -> None:
    """Drop a route that no longer opens anything, so the next call with it counts as unknown."""
    _routes.pop(route.digest, None)


def api_token_membership(route: TokenRoute) -> tuple[ApiToken, Membership] | None:
    """Inside the route's organisation: the live token and its active membership, or None.

    Only the member's user and team come along: each further join (the organisation, the
    manager) cost more in SQL compilation and model building than a query of its own."""
    token = (
        ApiToken.objects.select_related("membership__user", "membership__team")
        .filter(pk=route.token_id, revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.membership.is_active or not token.membership.user.is_active:
        return None
    return token, token.membership


def api_token_touch(token: ApiToken) -> None:
    """Record use at most once a minute, so busy integrations do not write on every call."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
