"""Hooks into the tenancy app: what recognition does when members come and go."""

from django.utils.translation import gettext_lazy as _

from apps.notifications import categories
from apps.notifications.categories import Category
from apps.recognition.services import letters_hand_over, values_seed_defaults
from apps.tenancy.services import register_handover, register_organization_setup


@register_handover
def _hand_over_letters(leaving, successor) -> None:
    letters_hand_over(leaving=leaving, successor=successor)


@register_organization_setup
def _seed_values(organization) -> None:
    values_seed_defaults()


categories.register(
    Category(
        key="kudos",
        label=_("Kudos you receive"),
        description=_("When someone thanks you with kudos."),
    )
)
categories.register(
    Category(
        key="letters",
        label=_("Thank-you letters"),
        description=_("Letters about you or your people, and their acknowledgements."),
    )
)
categories.register(
    Category(
        key="nudges",
        label=_("Recognition reminders"),
        description=_("A weekly reminder when you have not thanked anyone for a while."),
    )
)
categories.register(
    Category(
        key="nominations",
        label=_("Customer nominations"),
        description=_("Nominations about you or your people, and ones waiting for moderation."),
    )
)
categories.register(
    Category(
        key="nomination_confirmation",
        label=_("Confirmation to a customer"),
        description=_("Sent to a customer who left an e-mail address with their nomination."),
        transactional=True,
    )
)
