"""Nomination pages inside an organisation (the public form is in public_urls)."""

from django.urls import path

from apps.recognition.views import nomination_links, nomination_moderation

urlpatterns = [
    path("nominations/links/", nomination_links.link_list, name="nomination_links"),
    path(
        "nominations/links/<int:link_id>/",
        nomination_links.link_detail,
        name="nomination_link_detail",
    ),
    path(
        "nominations/links/<int:link_id>/revoke/",
        nomination_links.link_revoke,
        name="nomination_link_revoke",
    ),
    path(
        "nominations/moderation/",
        nomination_moderation.queue,
        name="nomination_moderation",
    ),
    path(
        "nominations/<int:nomination_id>/",
        nomination_moderation.detail,
        name="nomination_detail",
    ),
    path(
        "nominations/<int:nomination_id>/moderate/",
        nomination_moderation.moderate,
        name="nomination_moderate",
    ),
    path(
        "nominations/<int:nomination_id>/erase/",
        nomination_moderation.erase_customer,
        name="nomination_erase",
    ),
    path(
        "nominations/<int:nomination_id>/delete/",
        nomination_moderation.delete,
        name="nomination_delete",
    ),
]
