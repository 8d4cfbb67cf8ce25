from django.urls import path

from apps.notifications import views

urlpatterns = [
    path("", views.notification_list, name="notifications"),
    path("read-all/", views.notification_mark_all_read, name="notifications_read_all"),
    path("<int:notification_id>/open/", views.notification_open, name="notification_open"),
]
