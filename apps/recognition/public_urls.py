"""The public nomination form: no account, found by the link's token."""

from django.urls import path

from apps.recognition.views import nomination_public

urlpatterns = [
    path("n/<str:token>/", nomination_public.form, name="nomination_form"),
    path("n/<str:token>/thanks/", nomination_public.thanks, name="nomination_thanks"),
]
