from django.urls import path

from apps.recognition.views import kudos, letters, people

urlpatterns = [
    path("kudos/", kudos.wall, name="kudos_wall"),
    path("kudos/new/", kudos.compose, name="kudos_new"),
    path("kudos/people/", kudos.people_search, name="kudos_people_search"),
    path("kudos/wall-people/", kudos.wall_people, name="kudos_wall_people"),
    path("kudos/<int:kudos_id>/", kudos.detail, name="kudos_detail"),
    path("kudos/<int:kudos_id>/react/", kudos.react, name="kudos_react"),
    path("kudos/<int:kudos_id>/hide/", kudos.hide, name="kudos_hide"),
    path("letters/", letters.letter_list, name="letters"),
    path("letters/new/", letters.compose, name="letter_new"),
    path("letters/<int:letter_id>/", letters.detail, name="letter_detail"),
    path("letters/<int:letter_id>/acknowledge/", letters.acknowledge, name="letter_acknowledge"),
    path("team-recognition/", people.team_recognition, name="team_recognition"),
    path("people/<int:member_id>/recognition/", people.recognition_page, name="recognition_page"),
    path(
        "people/<int:member_id>/recognition/export.csv",
        people.recognition_csv,
        name="recognition_csv",
    ),
    path(
        "people/<int:member_id>/recognition/print/",
        people.recognition_print,
        name="recognition_print",
    ),
]
