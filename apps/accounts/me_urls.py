from django.urls import path

from apps.accounts import me_views as views

urlpatterns = [
    path("", views.profile, name="me_profile"),
    path("notifications/", views.notification_preferences, name="me_notification_preferences"),
    path("tokens/", views.token_list, name="me_tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="me_token_revoke"),
]
