from django.db.models import QuerySet
from django.utils.functional import SimpleLazyObject

from apps.notifications.selectors import unread_count
from apps.tenancy.selectors import organizations_for_user


def tenant(request) -> dict:
    """The current organisation and membership; lazy extras for the navigation bar."""
    user = getattr(request, "user", None)
    membership = getattr(request, "membership", None)
    return {
        "organization": getattr(request, "organization", None),
        "membership": membership,
        "switchable_organizations": _switchable_organizations(user, membership),
        # Moderators of customer nominations: admins, and managers unless the organisation
        # turned that off (read from the organisation already loaded: no query).
        "can_moderate": membership is not None
        and (
            membership.role == "admin"
            or (
                membership.role == "manager"
                and getattr(request.organization, "managers_can_moderate", False)
            )
        ),
        "unread_notification_count": _unread_notification_count(membership),
    }


def _switchable_organizations(user, membership) -> list | QuerySet:
    """The organisation switcher's entries, queried only when there is something to switch to.

    On an organisation's pages the membership already counted the user's organisations
    (`membership_for_user`); with one, the navigation shows its name and no switcher. Elsewhere
    (no membership) the list is read lazily, if the page shows it.
    """
    if user is None or not user.is_authenticated:
        return []
    if membership is not None and getattr(membership, "switchable_count", 2) <= 1:
        return []
    return organizations_for_user(user)


def _unread_notification_count(membership):
    """Counted with the membership on organisation pages (`membership_for_user`); a membership
    from elsewhere is counted lazily, only if the page shows the badge."""
    if membership is None:
        return 0
    counted = getattr(membership, "unread_notification_count", None)
    if counted is not None:
        return counted
    return SimpleLazyObject(lambda: unread_count(recipient=membership))
