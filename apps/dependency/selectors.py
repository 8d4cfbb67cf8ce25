"""Read queries of the dependency tracker."""

from django.db.models import Q, QuerySet

from apps.dependency.models import Escalation
from apps.tenancy.models import Membership
from apps.tenancy.selectors import reporting_tree_ids


def escalations_visible_to(viewer: Membership) -> QuerySet[Escalation]:
    """Admins see every escalation; managers their reporting tree's and their own; reps their
    own; support staff none."""
    queryset = Escalation.objects.select_related(
        "rep__user", "manager__user", "topic", "redirected_to_member__user", "redirected_to_team"
    )
    if viewer.role == Membership.Role.ADMIN:
        return queryset
    if viewer.role == Membership.Role.MANAGER:
        people = reporting_tree_ids(viewer) | {viewer.pk}
        return queryset.filter(Q(rep_id__in=people) | Q(manager=viewer))
    if viewer.role == Membership.Role.REP:
        return queryset.filter(rep=viewer)
    return queryset.none()
