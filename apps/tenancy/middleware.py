"""Select the organisation for the whole response, rendering and streaming included."""

import functools
from collections.abc import Iterator

from django.db import transaction
from django.http import Http404
from django.urls import Resolver404, get_resolver, get_urlconf
from django.utils import timezone

from apps.accounts import lockout
from apps.accounts.tokens import (
    api_token_forget,
    api_token_membership,
    api_token_route,
    api_token_touch,
)
from apps.core.requests import client_ip
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Organization
from apps.tenancy.selectors import membership_for_user, organization_by_slug


class TenantMiddleware:
    """`/<org-slug>/…` pages run inside that organisation, for members only.

    The URL resolver tells us whether the path is an organisation page (its pattern captures
    `org_slug`); the organisation must exist and the user must be an active member, otherwise 404,
    so a stranger learns nothing about which organisations exist. API requests enter the context
    in `apps.accounts.authentication`, through the token's route.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organization = None
        request.membership = None
        request.api_token = None
        if request.path_info.startswith("/api/"):
            return self._api(request)
        slug = _org_slug_of(request.path_info)
        if slug is None:
            return self.get_response(request)

        if not request.user.is_authenticated:
            # No organisation for strangers: LoginRequiredMiddleware sends them to the login
            # page, and a tenant query without a context fails closed anyway.
            return self.get_response(request)
        organization = organization_by_slug(slug)
        if organization is None:
            raise Http404

        timezone.activate(organization.time_zone)
        try:
            return self._respond_in(organization, request)
        finally:
            timezone.deactivate()

    def _respond_in(self, organization, request):
        with tenant_context(organization):
            membership = membership_for_user(request.user)
            if membership is None:
                raise Http404
            request.organization = organization
            request.membership = membership
            response = self.get_response(request)
            if response.status_code >= 500:
                # The view failed after writing: keep nothing of it (as ATOMIC_REQUESTS would).
                transaction.set_rollback(True)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            if getattr(response, "streaming", False):
                response.streaming_content = _stream_in(organization, response.streaming_content)
            return response

    def _api(self, request):
        """API calls name their organisation through the bearer token's route."""
        header = request.headers.get("Authorization", "")
        scheme, _sep, raw = header.partition(" ")
        presented = scheme.lower() == "bearer" and bool(raw.strip())
        route = api_token_route(raw.strip()) if presented else None
        if route is None:
            if presented:
                # Only unknown tokens are counted and checked, so valid calls cost nothing more.
                ip = client_ip(request)
                if lockout.is_token_guessing_locked(ip=ip):
                    return lockout.too_many_token_failures_response()
                lockout.record_token_failure(ip=ip)
            return self.get_response(request)  # DRF answers 401 (or serves the public schema)
        try:
            with tenant_context(route.organization_id):
                resolved = api_token_membership(route)
                if resolved is None:
                    api_token_forget(route)  # revoked: the next call counts as an unknown token
                else:
                    request.api_token, request.membership = resolved
                    # Read once the token is known to be live; kept on the membership too, so
                    # services that need it (kudos' links, say) do not fetch it again.
                    organization = Organization.objects.get(pk=route.organization_id)
                    request.membership.organization = organization
                    request.organization = organization
                    timezone.activate(organization.time_zone)
                    api_token_touch(request.api_token)
                response = self.get_response(request)
                if response.status_code >= 500:
                    transaction.set_rollback(True)
                return response
        finally:
            timezone.deactivate()


def _org_slug_of(path: str) -> str | None:
    """The organisation slug a path's route captures, if any. Kept per path and URL
    configuration: resolving an organisation page walks most of the routes, 0.26 ms, and
    Django's handler resolves it once more to find the view. Only ordinary paths are kept: a
    stranger's long ones would only fill the memory."""
    resolver = get_resolver(get_urlconf())
    return (_resolved_slug if len(path) <= 200 else _resolved_slug.__wrapped__)(path, resolver)


@functools.lru_cache(maxsize=4096)
def _resolved_slug(path: str, resolver) -> str | None:
    try:
        return resolver.resolve(path).kwargs.get("org_slug")
    except Resolver404:
        return None


def _stream_in(organization, chunks) -> Iterator[bytes]:
    """Stream a response's body inside the organisation again (the view's context has ended)."""
    with tenant_context(organization):
        yield from chunks
