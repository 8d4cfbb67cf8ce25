"""Everything under /api/v1/. Feature apps add their routes here (or `include()` them)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from apps.accounts.apis import MeApi
from apps.core.api.views import ApiDocsView, ApiNotFoundView
from apps.tenancy.apis import MemberDetailApi, MemberListApi


def outside_login_required(patterns: list) -> list:
    """The API authenticates with bearer tokens only, never the session: LoginRequiredMiddleware
    must not send API clients to the HTML login page, so every API route (included ones too) is
    exempt from it. DRF's permissions refuse the anonymous with a 401 problem instead."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            outside_login_required(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            login_not_required(pattern.callback)
    return patterns


urlpatterns = outside_login_required(
    [
        path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
        path("docs/", ApiDocsView.as_view(), name="api_docs"),
        path("me/", MeApi.as_view(), name="api_me"),
        path("members/", MemberListApi.as_view(), name="api_member_list"),
        path("members/<int:member_id>/", MemberDetailApi.as_view(), name="api_member_detail"),
        path("", include("apps.recognition.api_urls")),
        path("", include("apps.recognition.nomination_api_urls")),
        path("", include("apps.dependency.api_urls")),
        path("", include("apps.dependency.import_api_urls")),
        # Last: any other path under /api/v1/ is a problem+json 404.
        re_path(r"^.*$", ApiNotFoundView.as_view(), name="api_not_found"),
    ]
)
