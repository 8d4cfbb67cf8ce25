"""Top-level routes first; organisation pages (`/<org-slug>/…`) last, so reserved words win."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from apps.core import views as core_views

handler403 = "apps.core.views.permission_denied"
handler404 = "apps.core.views.page_not_found"
handler500 = "apps.core.views.server_error"

urlpatterns = [
    path("", core_views.root, name="root"),
    path("health/", core_views.health, name="health"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("apps.core.api.urls")),
    path("", include("apps.accounts.urls")),
    path("", include("apps.notifications.public_urls")),
    path("", include("apps.recognition.public_urls")),
    path("<slug:org_slug>/", include("apps.tenancy.urls")),
]

if settings.BENCH_FLOOR_VIEWS:
    # Benchmark floor views (scripts/bench): never mounted unless BENCH_FLOOR_VIEWS is on.
    from apps.core import floor_views

    urlpatterns[:0] = [
        path("bench-floor/django/", floor_views.django_floor, name="bench_floor_django"),
        path("api/bench-floor/drf/", floor_views.drf_floor_view, name="bench_floor_drf"),
    ]
