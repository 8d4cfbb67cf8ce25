"""Everything under `/<org-slug>/`: the organisation's pages, entered by TenantMiddleware."""

from django.urls import include, path

from apps.tenancy import views

urlpatterns = [
    path("", views.home, name="home"),
    path("me/", include("apps.accounts.me_urls")),
    path("notifications/", include("apps.notifications.urls")),
    path("settings/", include("apps.tenancy.settings_urls")),
    path("settings/", include("apps.recognition.settings_urls")),
    path("", include("apps.recognition.urls")),
    path("", include("apps.recognition.nomination_urls")),
    path("", include("apps.dependency.urls")),
]
