from django.urls import path

from apps.dependency import views

urlpatterns = [
    path("escalations/", views.escalation_list_view, name="escalations"),
    path("escalations/new/", views.log, name="escalation_new"),
    path("escalations/topic-hint/", views.topic_hint, name="escalation_topic_hint"),
    path("escalations/overdue/", views.overdue, name="escalations_overdue"),
    path("escalations/<int:escalation_id>/", views.detail, name="escalation_detail"),
    path(
        "escalations/<int:escalation_id>/callback/",
        views.callback,
        name="escalation_callback",
    ),
]
