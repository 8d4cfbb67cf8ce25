from django.urls import path

from apps.dependency import apis

urlpatterns = [
    path(
        "reports/dependency/",
        apis.DependencyReportApi.as_view(),
        name="api_dependency_report",
    ),
]
