from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from apps.notifications.models import EmailPreference, Notification
from apps.tenancy.models import Membership


def notification_list(*, recipient: Membership) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=recipient).order_by("-created_at", "-id")


def unread_count(*, recipient: Membership) -> int:
    return Notification.objects.filter(recipient=recipient, read_at__isnull=True).count()


def unread_count_subquery() -> Coalesce:
    """`unread_count` as an expression over an outer membership query, the one every page runs
    (the navigation's badge then costs no query of its own).

    A subquery is not scoped by the tenant manager (that happens when a queryset runs), so it
    names the outer row's organisation itself; the partial index on unread notifications,
    (organisation, recipient), answers it.
    """
    unread = (
        Notification.objects.filter(
            organization_id=OuterRef("organization_id"),
            recipient_id=OuterRef("pk"),
            read_at__isnull=True,
        )
        .order_by()
        .values("recipient_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(unread), 0)


def email_preferences(*, membership: Membership) -> dict[str, bool]:
    return dict(
        EmailPreference.objects.filter(membership=membership).values_list("category", "enabled")
    )
