from django.urls import path

from apps.recognition import nomination_apis as apis

urlpatterns = [
    path("nomination-links/", apis.LinkListCreateApi.as_view(), name="api_nomination_links"),
    path(
        "nomination-links/<int:link_id>/",
        apis.LinkDetailApi.as_view(),
        name="api_nomination_link_detail",
    ),
    path(
        "nomination-links/<int:link_id>/revoke/",
        apis.LinkRevokeApi.as_view(),
        name="api_nomination_link_revoke",
    ),
    path("nominations/", apis.NominationListApi.as_view(), name="api_nominations"),
    path(
        "nominations/<int:nomination_id>/approve/",
        apis.NominationApproveApi.as_view(),
        name="api_nomination_approve",
    ),
    path(
        "nominations/<int:nomination_id>/reject/",
        apis.NominationRejectApi.as_view(),
        name="api_nomination_reject",
    ),
    path(
        "nominations/<int:nomination_id>/spam/",
        apis.NominationSpamApi.as_view(),
        name="api_nomination_spam",
    ),
]
