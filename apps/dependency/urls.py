from django.urls import path

from apps.dependency import views

urlpatterns = [
    path(
        "escalations/<int:escalation_id>/callback/",
        views.callback,
        name="escalation_callback",
    ),
]
