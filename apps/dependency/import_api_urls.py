from django.urls import path

from apps.dependency import import_apis

urlpatterns = [
    path("imports/calls/", import_apis.CallImportListCreateApi.as_view(), name="api_call_imports"),
    path(
        "imports/calls/<int:import_id>/",
        import_apis.CallImportDetailApi.as_view(),
        name="api_call_import_detail",
    ),
]
