"""Read queries of the tenancy app."""

import functools

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from apps.accounts.models import User
from apps.core.prepared import (
    bigints,
    model_columns,
    model_from_row,
    prepared_cursor,
    prepared_instance,
)
from apps.tenancy.context import require_organization_id
from apps.tenancy.models import Membership, Organization, Team, UserOrganization


def organization_by_slug(slug: str) -> Organization | None:
    """The organisation of an address, read on every organisation page: a prepared statement
    (0.36 ms through Django's raw(), 0.63 through filter().first())."""
    return prepared_instance(Organization, "slug = %s", [slug])


def membership_for_user(user) -> Membership | None:
    """The user's active membership in the current organisation, read on every page: one query.

    It carries the team and manager (pages show them), the navigation's unread notifications
    count (`unread_notification_count`), and `switchable_count`, how many organisations the user
    can switch to: the navigation lists them only when there are two or more. So the navigation
    needs no query of its own on most pages. The user is the request's, already loaded, so it
    is attached rather than joined again.

    The query is written in SQL (`_membership_sql`, from the models' own columns) and the rows
    become models through `from_db`, as the ORM's would: building it with select_related and
    two subquery annotations cost about 2.5 ms of Python a page, twice the query itself
    (docs/benchmarks.md). `tests/tenancy/test_membership_for_user.py` holds it to the ORM's
    answer.
    """
    with prepared_cursor() as cursor:  # planned once per connection: 0.75 -> 0.2 ms
        cursor.execute(_membership_sql(), bigints(require_organization_id(), user.pk))
        row = cursor.fetchone()
    if row is None:
        return None
    values = iter(row)
    membership = model_from_row(Membership, values)
    team = model_from_row(Team, values)
    manager = model_from_row(Membership, values)
    manager_user = model_from_row(User, values)
    membership.switchable_count, membership.unread_notification_count = values
    # Cached as select_related caches them: the keys stay as read, even where a join found
    # nothing (the setters would set them to None).
    Membership.user.field.set_cached_value(membership, user)
    Membership.team.field.set_cached_value(membership, team)
    Membership.reports_to.field.set_cached_value(membership, manager)
    if manager is not None:
        Membership.user.field.set_cached_value(manager, manager_user)
    return membership


@functools.cache
def _membership_sql() -> str:
    return (
        f"SELECT {model_columns('m', Membership)}, {model_columns('t', Team)}, "  # noqa: S608 - columns
        f"{model_columns('r', Membership)}, {model_columns('ru', User)}, "
        "(SELECT COUNT(*) FROM tenancy_userorganization uo "
        " WHERE uo.user_id = m.user_id AND uo.is_active), "
        "(SELECT COUNT(*) FROM notifications_notification n "
        " WHERE n.organization_id = m.organization_id AND n.recipient_id = m.id "
        " AND n.read_at IS NULL) "
        "FROM tenancy_membership m "
        "LEFT JOIN tenancy_team t ON t.id = m.team_id AND t.organization_id = m.organization_id "
        "LEFT JOIN tenancy_membership r ON r.id = m.reports_to_id "
        "AND r.organization_id = m.organization_id "
        "LEFT JOIN accounts_user ru ON ru.id = r.user_id "
        "WHERE m.organization_id = %s AND m.user_id = %s AND m.is_active"
    )


def organizations_for_user(user) -> QuerySet[UserOrganization]:
    """The organisations a user can switch to: read from the global routing table."""
    return (
        UserOrganization.objects.filter(user=user, is_active=True)
        .select_related("organization")
        .order_by("organization__name")
    )


def member_list(*, include_inactive: bool = False) -> QuerySet[Membership]:
    queryset = Membership.objects.select_related("user", "team", "reports_to__user")
    if not include_inactive:
        queryset = queryset.filter(is_active=True)
    return queryset.order_by("user__full_name", "id")


def team_list() -> QuerySet[Team]:
    return Team.objects.order_by("name")


def reporting_tree_ids(manager: Membership) -> set[int]:
    """Ids of everyone who reports to `manager`, directly or indirectly (manager excluded).

    One query for the organisation's reporting lines, walked in memory: organisations have at
    most a few thousand members, and recursive SQL would not run on every backend the same way.
    """
    children: dict[int, list[int]] = {}
    for member_id, boss_id in Membership.objects.filter(reports_to__isnull=False).values_list(
        "id", "reports_to_id"
    ):
        children.setdefault(boss_id, []).append(member_id)
    seen: set[int] = set()
    stack = list(children.get(manager.pk, []))
    while stack:
        member_id = stack.pop()
        if member_id in seen:
            continue
        seen.add(member_id)
        stack.extend(children.get(member_id, []))
    return seen


def home_summary(*, membership: Membership) -> dict:
    """What the home page shows, by role. A fixed number of queries whatever the data size."""
    from apps.accounts.models import Invitation
    from apps.notifications.selectors import notification_list

    summary: dict = {
        "notifications": list(notification_list(recipient=membership)[:5]),
        "manager": membership.reports_to,
    }
    if membership.role in (Membership.Role.MANAGER, Membership.Role.ADMIN):
        summary["direct_reports"] = list(member_list().filter(reports_to=membership)[:50])
    if membership.role == Membership.Role.ADMIN:
        counts = Membership.objects.aggregate(
            active=models.Count("id", filter=models.Q(is_active=True)),
            without_team=models.Count("id", filter=models.Q(is_active=True, team__isnull=True)),
            without_manager=models.Count(
                "id",
                filter=models.Q(
                    is_active=True, reports_to__isnull=True, role__in=["rep", "support"]
                ),
            ),
        )
        summary["counts"] = counts
        summary["team_count"] = Team.objects.count()
        summary["pending_invitations"] = Invitation.objects.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).count()
    if membership.team_id is not None:
        summary["teammates"] = list(
            member_list().filter(team_id=membership.team_id).exclude(pk=membership.pk)[:12]
        )
    return summary


def team_list_with_counts() -> QuerySet[Team]:
    return Team.objects.annotate(
        member_count=models.Count("members", filter=models.Q(members__is_active=True))
    ).order_by("name")


def member_search(*, role: str = "", team: int | None = None, q: str = "") -> QuerySet[Membership]:
    """Active members filtered by role, team and a free-text search on name, e-mail, title."""
    members = member_list()
    if role:
        members = members.filter(role=role)
    if team is not None:
        members = members.filter(team_id=team)
    if q := q.strip():
        members = members.filter(
            models.Q(user__full_name__icontains=q)
            | models.Q(user__email__icontains=q)
            | models.Q(title__icontains=q)
        )
    return members
