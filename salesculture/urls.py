"""Top-level routes first; organisation pages (`/<org-slug>/…`) last, so reserved words win."""

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
