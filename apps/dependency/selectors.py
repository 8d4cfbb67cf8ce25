"""Read queries of the dependency tracker."""

from django.db.models import Q, QuerySet

from apps.dependency.models import Escalation, ServiceDetour, Topic
from apps.dependency.reports import report_scope
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


def escalation_list(*, viewer: Membership, filters: dict) -> QuerySet[Escalation]:
    """Escalations `viewer` may see, filtered (rep, manager, topic, urgency, outcome, dates)."""
    queryset = escalations_visible_to(viewer)
    for field in ("rep", "manager", "topic", "urgency"):
        if filters.get(field):
            queryset = queryset.filter(**{field: filters[field]})
    outcome = filters.get("outcome")
    if outcome == "open":
        queryset = queryset.filter(outcome="")
    elif outcome:
        queryset = queryset.filter(outcome=outcome)
    if filters.get("start"):
        queryset = queryset.filter(occurred_at__date__gte=filters["start"])
    if filters.get("end"):
        queryset = queryset.filter(occurred_at__date__lte=filters["end"])
    return queryset.order_by("-occurred_at", "-id")


def overdue_callbacks(*, viewer: Membership, now) -> QuerySet[Escalation]:
    """Routine escalations whose callback is due and whose outcome is not recorded."""
    return (
        escalations_visible_to(viewer)
        .filter(callback_due_at__lte=now, outcome="")
        .order_by("callback_due_at", "id")
    )


def escalation_history(escalation: Escalation):
    return escalation.changes.select_related("changed_by__user").order_by("created_at", "id")


def topic_list() -> QuerySet[Topic]:
    """Every topic with whoever really handles it, in name order (the who-to-call directory)."""
    return Topic.objects.select_related("handled_by_team", "handled_by_member__user").order_by(
        "name", "id"
    )


def detour_list(*, viewer: Membership, filters: dict) -> QuerySet[ServiceDetour]:
    """Service detours of the people whose numbers `viewer` may see (the report's scope),
    filtered by rep and dates. Raises ReportNotAllowed for support staff."""
    scope = report_scope(viewer)
    queryset = ServiceDetour.objects.select_related("rep__user", "team")
    if scope is not None:
        queryset = queryset.filter(rep_id__in=scope)
    if filters.get("rep"):
        queryset = queryset.filter(rep=filters["rep"])
    if filters.get("start"):
        queryset = queryset.filter(occurred_at__date__gte=filters["start"])
    if filters.get("end"):
        queryset = queryset.filter(occurred_at__date__lte=filters["end"])
    return queryset.order_by("-occurred_at", "-id")
