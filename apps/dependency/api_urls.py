from django.urls import path

from apps.dependency import apis

urlpatterns = [
    path("escalations/", apis.EscalationListCreateApi.as_view(), name="api_escalation_list"),
    path(
        "escalations/<int:escalation_id>/",
        apis.EscalationDetailApi.as_view(),
        name="api_escalation_detail",
    ),
    path(
        "escalations/<int:escalation_id>/outcome/",
        apis.EscalationOutcomeApi.as_view(),
        name="api_escalation_outcome",
    ),
    path("topics/", apis.TopicListCreateApi.as_view(), name="api_topic_list"),
    path("service-detours/", apis.DetourListCreateApi.as_view(), name="api_detour_list"),
    path(
        "reports/dependency/",
        apis.DependencyReportApi.as_view(),
        name="api_dependency_report",
    ),
]
