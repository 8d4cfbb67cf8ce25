from django.urls import path

from apps.recognition import apis

urlpatterns = [
    path("kudos/", apis.KudosListCreateApi.as_view(), name="api_kudos_list"),
    path("kudos/<int:kudos_id>/", apis.KudosDetailApi.as_view(), name="api_kudos_detail"),
    path(
        "kudos/<int:kudos_id>/reactions/",
        apis.ReactionCreateApi.as_view(),
        name="api_kudos_reactions",
    ),
    path(
        "kudos/<int:kudos_id>/reactions/<str:emoji>/",
        apis.ReactionDeleteApi.as_view(),
        name="api_kudos_reaction_delete",
    ),
    path("letters/", apis.LetterListCreateApi.as_view(), name="api_letter_list"),
    path(
        "letters/<int:letter_id>/acknowledge/",
        apis.LetterAcknowledgeApi.as_view(),
        name="api_letter_acknowledge",
    ),
    path("values/", apis.ValueListApi.as_view(), name="api_value_list"),
    path(
        "members/<int:member_id>/recognition/",
        apis.MemberRecognitionApi.as_view(),
        name="api_member_recognition",
    ),
]
