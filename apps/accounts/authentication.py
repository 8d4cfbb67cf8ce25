"""`Authorization: Bearer <token>`: the only way into the API.

TenantMiddleware resolves the token before the view runs (so the tenant context wraps the whole
response); this class only hands DRF the result, or refuses a token that did not resolve.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

INVALID_TOKEN = _("The token is invalid, expired or revoked.")


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _sep, _raw = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        django_request = request._request
        membership = getattr(django_request, "membership", None)
        token = getattr(django_request, "api_token", None)
        if membership is None or token is None:
            raise exceptions.AuthenticationFailed(INVALID_TOKEN)
        request.membership = membership
        request.organization = django_request.organization
        return membership.user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'
