"""The dependency report: how often reps escalate, whether they solve it alone when the manager
lets it ring, what keeps coming back, and what should have gone straight to a support team.

Four aggregate queries whatever the volume (escalations per rep and per topic in one pass,
detours, the weekly trend), reading the `(organization, occurred_at)` indexes. Pages, CSV and
the API all take their numbers from `dependency_report`.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncWeek
from django.utils.translation import gettext_lazy as _

from apps.dependency.models import Escalation, ServiceDetour, Topic
from apps.tenancy.context import TenantMismatch, require_organization_id
from apps.tenancy.models import Membership, Organization
from apps.tenancy.selectors import reporting_tree_ids

TREND_WEEKS = 12

# One line next to every figure, on the page, in the CSV header notes and in the API.
DEFINITIONS = {
    "escalations": _("Times the rep took a problem to a manager in the period."),
    "per_week": _("Escalations divided by the number of weeks in the period."),
    "urgent_share": _("Share of escalations marked urgent (handled at once)."),
    "self_resolution_rate": _(
        "Of the routine escalations with a recorded outcome, the share the rep solved alone "
        "before the callback."
    ),
    "repeats": _("Escalations on a topic the same rep escalated in the 30 days before."),
    "support_share": _(
        "Share of escalations whose topic has a support team or person, or that were "
        "redirected to one: they could have gone there directly."
    ),
    "detours": _("Customer requests that reached the rep but belong to a support team."),
    "detour_minutes": _("Rep minutes spent on those service detours."),
    "manager_minutes": _("Manager minutes recorded on escalations."),
    "rep_minutes": _("Rep minutes recorded on escalations."),
    "cost": _(
        "Manager and rep minutes (escalations and detours) at the organisation's hourly costs."
    ),
}


class ReportNotAllowed(Exception):
    """Support staff have no dependency report (design.md)."""


@dataclass
class Figures:
    escalations: int = 0
    urgent: int = 0
    routine_answered: int = 0
    solved_alone: int = 0
    repeats: int = 0
    supportable: int = 0
    manager_minutes: int = 0
    rep_minutes: int = 0
    detours: int = 0
    detour_minutes: int = 0
    weeks: float = 1.0
    manager_cost_per_hour: Decimal = Decimal(0)
    rep_cost_per_hour: Decimal = Decimal(0)

    @staticmethod
    def _share(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    @property
    def per_week(self) -> float:
        return round(self.escalations / self.weeks, 2)

    @property
    def urgent_share(self) -> float | None:
        return self._share(self.urgent, self.escalations)

    @property
    def self_resolution_rate(self) -> float | None:
        return self._share(self.solved_alone, self.routine_answered)

    @property
    def support_share(self) -> float | None:
        return self._share(self.supportable, self.escalations)

    @property
    def cost(self) -> Decimal:
        manager = Decimal(self.manager_minutes) * self.manager_cost_per_hour
        rep = Decimal(self.rep_minutes + self.detour_minutes) * self.rep_cost_per_hour
        return ((manager + rep) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def add(self, other: "Figures") -> None:
        for name in ("escalations", "urgent", "routine_answered", "solved_alone", "repeats",
                     "supportable", "manager_minutes", "rep_minutes", "detours",
                     "detour_minutes"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        return {
            "escalations": self.escalations,
            "per_week": self.per_week,
            "urgent": self.urgent,
            "urgent_share": self.urgent_share,
            "routine_answered": self.routine_answered,
            "solved_alone": self.solved_alone,
            "self_resolution_rate": self.self_resolution_rate,
            "repeats": self.repeats,
            "supportable": self.supportable,
            "support_share": self.support_share,
            "detours": self.detours,
            "detour_minutes": self.detour_minutes,
            "manager_minutes": self.manager_minutes,
            "rep_minutes": self.rep_minutes,
            "cost": str(self.cost),
        }


@dataclass
class RepRow:
    member: Membership
    figures: Figures


@dataclass
class WeekPoint:
    week_start: dt.date
    escalations: int
    solved_alone: int


@dataclass
class TopicRow:
    topic_id: int | None
    name: str
    escalations: int
    handled_by: str


@dataclass
class DependencyReport:
    start: dt.date
    end: dt.date
    currency: str
    totals: Figures
    reps: list[RepRow] = field(default_factory=list)
    trend: list[WeekPoint] = field(default_factory=list)
    top_topics: list[TopicRow] = field(default_factory=list)


def report_scope(viewer: Membership) -> set[int] | None:
    """Whose numbers `viewer` may see: None means everyone (admins)."""
    if viewer.role == Membership.Role.ADMIN:
        return None
    if viewer.role == Membership.Role.MANAGER:
        return reporting_tree_ids(viewer) | {viewer.pk}
    if viewer.role == Membership.Role.REP:
        return {viewer.pk}
    raise ReportNotAllowed


def _bounds(organization: Organization, start: dt.date, end: dt.date):
    tz = zoneinfo.ZoneInfo(organization.time_zone)
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return tz, since, until


def dependency_report(
    *,
    viewer: Membership,
    start: dt.date,
    end: dt.date,
    team_id: int | None = None,
    rep_id: int | None = None,
) -> DependencyReport:
    """The report for the reps `viewer` may see, between `start` and `end` (inclusive, in the
    organisation's time zone), optionally one team or one rep."""
    organization = Organization.objects.get(pk=viewer.organization_id)
    scope = report_scope(viewer)
    tz, since, until = _bounds(organization, start, end)
    weeks = max((end - start).days + 1, 1) / 7

    escalations = Escalation.objects.filter(occurred_at__gte=since, occurred_at__lt=until)
    detours = ServiceDetour.objects.filter(occurred_at__gte=since, occurred_at__lt=until)
    if scope is not None:
        escalations = escalations.filter(rep_id__in=scope)
        detours = detours.filter(rep_id__in=scope)
    if team_id is not None:
        escalations = escalations.filter(rep__team_id=team_id)
        detours = detours.filter(rep__team_id=team_id)
    if rep_id is not None:
        escalations = escalations.filter(rep_id=rep_id)
        detours = detours.filter(rep_id=rep_id)

    def blank() -> Figures:
        return Figures(
            weeks=weeks,
            manager_cost_per_hour=organization.manager_cost_per_hour,
            rep_cost_per_hour=organization.rep_cost_per_hour,
        )

    by_rep: dict[int, Figures] = {}
    topic_counts: dict[int | None, int] = {}
    for row in _escalation_aggregates(
        organization_id=organization.pk, since=since, until=until, scope=scope,
        team_id=team_id, rep_id=rep_id,
    ):  # fmt: skip
        if row["by_rep"]:
            figures = by_rep.setdefault(row["rep_id"], blank())
            for name in ("escalations", "urgent", "routine_answered", "solved_alone", "repeats",
                         "supportable", "manager_minutes", "rep_minutes"):  # fmt: skip
                setattr(figures, name, row[name])
        else:
            topic_counts[row["topic_id"]] = row["escalations"]
    for row in detours.values("rep_id").annotate(n=Count("id"), minutes=Sum("minutes")):
        figures = by_rep.setdefault(row["rep_id"], blank())
        figures.detours, figures.detour_minutes = row["n"], row["minutes"] or 0

    members = Membership.objects.select_related("user", "team").in_bulk(list(by_rep))
    totals = blank()
    reps = []
    for member_id, figures in by_rep.items():
        totals.add(figures)
        if member_id in members:
            reps.append(RepRow(member=members[member_id], figures=figures))
    reps.sort(key=lambda row: (-row.figures.escalations, row.member.display_name))

    trend_since = dt.datetime.combine(
        end - dt.timedelta(days=end.weekday()) - dt.timedelta(weeks=TREND_WEEKS - 1),
        dt.time.min,
        tzinfo=tz,
    )
    trend_rows = _trend(escalations, trend_since, until, tz)
    first_week = trend_since.date()
    weeks_shown = [first_week + dt.timedelta(weeks=i) for i in range(TREND_WEEKS)]
    trend = [WeekPoint(week, *trend_rows.get(week, (0, 0))) for week in weeks_shown]

    top_topics = _top_topics(topic_counts)
    return DependencyReport(
        start=start,
        end=end,
        currency=organization.currency,
        totals=totals,
        reps=reps,
        trend=trend,
        top_topics=top_topics,
    )


# One pass over the period's escalations gives both the per-rep figures and the per-topic counts
# (GROUPING SETS): a year of a large organisation is half a million rows, and reading them once
# instead of twice, without joining every row to its topic, is what keeps the report fast. The
# covering index esc_report_idx (organisation, date, then the columns read here) lets PostgreSQL
# answer from the index alone. Raw SQL because the ORM has no grouping sets; the organisation is
# filtered explicitly, as the tenant manager would, and row-level security applies as always.
# SQLite (the embedded demo) has no grouping sets: there the same figures come from two GROUP BYs
# joined with UNION ALL, which is the same result at demo sizes.
_FIGURES_SQL = """
       COUNT(*) AS escalations,
       COUNT(*) FILTER (WHERE e.urgency = %(urgent)s) AS urgent,
       COUNT(*) FILTER (WHERE e.urgency = %(routine)s AND e.outcome <> '') AS routine_answered,
       COUNT(*) FILTER (WHERE e.urgency = %(routine)s AND e.outcome = %(solved_alone)s)
           AS solved_alone,
       COUNT(*) FILTER (WHERE e.repeats_topic) AS repeats,
       COUNT(*) FILTER (WHERE e.outcome = %(redirected)s OR e.topic_id IN (
           SELECT t.id FROM dependency_topic t WHERE t.organization_id = %(organization_id)s
           AND (t.handled_by_team_id IS NOT NULL OR t.handled_by_member_id IS NOT NULL)))
           AS supportable,
       COALESCE(SUM(e.manager_minutes), 0) AS manager_minutes,
       COALESCE(SUM(e.rep_minutes), 0) AS rep_minutes
FROM dependency_escalation e
{team_join}
WHERE e.organization_id = %(organization_id)s
  AND e.occurred_at >= %(since)s AND e.occurred_at < %(until)s
  {filters}
"""
_AGGREGATES_SQL = (
    "SELECT GROUPING(e.topic_id) = 1 AS by_rep, e.rep_id, e.topic_id,"
    + _FIGURES_SQL
    + "GROUP BY GROUPING SETS ((e.rep_id), (e.topic_id))"
)
_AGGREGATES_SQL_WITHOUT_GROUPING_SETS = (
    "SELECT 1 AS by_rep, e.rep_id, NULL AS topic_id,"
    + _FIGURES_SQL
    + "GROUP BY e.rep_id UNION ALL SELECT 0 AS by_rep, NULL AS rep_id, e.topic_id,"
    + _FIGURES_SQL
    + "GROUP BY e.topic_id"
)


def _escalation_aggregates(*, organization_id, since, until, scope, team_id, rep_id) -> list[dict]:
    """Per-rep figures (rows with `by_rep`) and per-topic counts of the period's escalations."""
    if organization_id != require_organization_id():
        raise TenantMismatch("The report's organisation is not the current one.")
    params = {
        "organization_id": organization_id, "since": since, "until": until,
        "urgent": Escalation.Urgency.URGENT, "routine": Escalation.Urgency.ROUTINE,
        "solved_alone": Escalation.Outcome.SOLVED_ALONE,
        "redirected": Escalation.Outcome.REDIRECTED,
    }  # fmt: skip
    postgresql = connection.vendor == "postgresql"
    filters, team_join = [], ""
    if scope is not None:
        if postgresql:
            filters.append("AND e.rep_id = ANY(%(scope)s)")
            params["scope"] = sorted(scope)
        elif scope:
            names = [f"scope{index}" for index in range(len(scope))]
            filters.append("AND e.rep_id IN (" + ", ".join(f"%({n})s" for n in names) + ")")
            params.update(zip(names, sorted(scope), strict=True))
        else:
            filters.append("AND 1 = 0")
    if team_id is not None:
        team_join = (
            "JOIN tenancy_membership m ON m.id = e.rep_id "
            "AND m.organization_id = e.organization_id AND m.team_id = %(team_id)s"
        )
        params["team_id"] = team_id
    if rep_id is not None:
        filters.append("AND e.rep_id = %(rep_id)s")
        params["rep_id"] = rep_id
    template = _AGGREGATES_SQL if postgresql else _AGGREGATES_SQL_WITHOUT_GROUPING_SETS
    sql = template.format(team_join=team_join, filters=" ".join(filters))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _top_topics(topic_counts: dict[int | None, int]) -> list[TopicRow]:
    """The ten topics with the most escalations (ties by name; no topic last among equals)."""
    topics = Topic.objects.select_related("handled_by_team", "handled_by_member__user").in_bulk(
        [pk for pk in topic_counts if pk is not None]
    )
    rows = []
    for topic_id, count in topic_counts.items():
        topic = topics.get(topic_id)
        handled_by = ""
        if topic is not None:
            member = topic.handled_by_member
            handled_by = (member.user.full_name if member else "") or (
                topic.handled_by_team.name if topic.handled_by_team else ""
            )
        rows.append(
            TopicRow(
                topic_id=topic_id,
                name=topic.name if topic else str(_("Topic needed")),
                escalations=count,
                handled_by=handled_by,
            )
        )
    rows.sort(key=lambda row: (-row.escalations, row.topic_id is None, row.name))
    return rows[:10]


def _trend(escalations, since, until, tz) -> dict[dt.date, tuple[int, int]]:
    """Escalations and solved-alone counts per week (weeks start on Monday, local time)."""
    rows = (
        escalations.filter(occurred_at__gte=since, occurred_at__lt=until)
        .annotate(week=TruncWeek("occurred_at", tzinfo=tz))
        .values("week")
        .annotate(
            n=Count("id"),
            alone=Count("id", filter=Q(outcome=Escalation.Outcome.SOLVED_ALONE)),
        )
    )
    result = {}
    for row in rows:
        week = row["week"]
        week = week.astimezone(tz).date() if isinstance(week, dt.datetime) else week
        result[week] = (row["n"], row["alone"])
    return result
