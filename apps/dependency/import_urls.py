from django.urls import path

from apps.dependency import import_views

urlpatterns = [
    path("escalations/import/", import_views.upload, name="escalation_import"),
    path(
        "escalations/import/<int:import_id>/",
        import_views.detail,
        name="escalation_import_detail",
    ),
    path(
        "escalations/import/<int:import_id>/progress/",
        import_views.progress,
        name="escalation_import_progress",
    ),
]
