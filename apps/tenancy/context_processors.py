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
        "switchable_organizations": (
            organizations_for_user(user) if user is not None and user.is_authenticated else []
        ),
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
        "unread_notification_count": (
            SimpleLazyObject(lambda: unread_count(recipient=membership))
            if membership is not None
            else 0
        ),
    }
