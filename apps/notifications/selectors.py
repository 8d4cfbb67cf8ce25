from django.db.models import QuerySet

from apps.notifications.models import EmailPreference, Notification
from apps.tenancy.models import Membership


def notification_list(*, recipient: Membership) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=recipient).order_by("-created_at", "-id")


def unread_count(*, recipient: Membership) -> int:
    return Notification.objects.filter(recipient=recipient, read_at__isnull=True).count()


def email_preferences(*, membership: Membership) -> dict[str, bool]:
    return dict(
        EmailPreference.objects.filter(membership=membership).values_list("category", "enabled")
    )
