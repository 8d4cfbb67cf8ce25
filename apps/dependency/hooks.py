"""Hooks into the tenancy and notification apps."""

from django.utils.translation import gettext_lazy as _

from apps.dependency.services import callbacks_hand_over, topics_seed_defaults
from apps.notifications import categories
from apps.notifications.categories import Category
from apps.tenancy.services import register_handover, register_organization_setup


@register_handover
def _hand_over_callbacks(leaving, successor) -> None:
    callbacks_hand_over(leaving=leaving, successor=successor)


@register_organization_setup
def _seed_topics(organization) -> None:
    topics_seed_defaults()


categories.register(
    Category(
        key="callbacks",
        label=_("Callback reminders"),
        description=_("When it is time to call a rep back about a routine escalation."),
    )
)
categories.register(
    Category(
        key="digest",
        label=_("Weekly digest"),
        description=_("On Monday morning: last week's escalations of your team, in numbers."),
    )
)
