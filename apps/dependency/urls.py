from django.urls import include, path

from apps.dependency import directory_views, report_views, views

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
    path("reports/dependency/", report_views.report, name="dependency_report"),
    path("reports/dependency/export.csv", report_views.report_csv, name="dependency_report_csv"),
    path(
        "reports/dependency/reps/<int:member_id>/",
        report_views.rep_report,
        name="dependency_rep_report",
    ),
    path("who-to-call/", directory_views.who_to_call, name="who_to_call"),
    path("detours/", directory_views.detour_list, name="detours"),
    path("detours/new/", directory_views.detour_new, name="detour_new"),
    path("settings/topics/", directory_views.topic_list, name="settings_topics"),
    path("settings/topics/<int:topic_id>/", directory_views.topic_edit, name="settings_topic_edit"),
    path("", include("apps.dependency.import_urls")),
]
