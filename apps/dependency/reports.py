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

from apps.accounts.models import display_name_of
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


_REP_FIGURES = ("escalations", "urgent", "routine_answered", "solved_alone", "repeats",
                "supportable", "manager_minutes", "rep_minutes")  # fmt: skip
_SUMMED_FIGURES = (*_REP_FIGURES, "detours", "detour_minutes")


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


@dataclass(frozen=True)
class ReportTeam:
    name: str


@dataclass(frozen=True)
class ReportPerson:
    """The little the report shows of a rep (id, name, team), read as plain values: an
    organisation's report has a thousand reps, and three model instances each cost more than
    the figures themselves."""

    pk: int
    display_name: str
    team: ReportTeam | None


@dataclass
class RepRow:
    member: ReportPerson
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
    _tz, since, until = _bounds(organization, start, end)
    weeks = max((end - start).days + 1, 1) / 7

    detours = _in_report(ServiceDetour.objects, since, until, scope, team_id, rep_id)

    # An organisation's report has a thousand reps: Figures are built in one call each and the
    # totals summed per column, not attribute by attribute.
    costs = {
        "weeks": weeks,
        "manager_cost_per_hour": organization.manager_cost_per_hour,
        "rep_cost_per_hour": organization.rep_cost_per_hour,
    }
    rep_rows, week_rows, topic_counts = _escalation_figures(
        organization=organization, start=start, end=end, scope=scope, team_id=team_id,
        rep_id=rep_id,
    )  # fmt: skip
    by_rep: dict[int, Figures] = {
        row["rep_id"]: Figures(**{name: row[name] for name in _REP_FIGURES}, **costs)
        for row in rep_rows
    }
    for row in detours.values("rep_id").annotate(n=Count("id"), minutes=Sum("minutes")):
        figures = by_rep.get(row["rep_id"])
        if figures is None:
            figures = by_rep[row["rep_id"]] = Figures(**costs)
        figures.detours, figures.detour_minutes = row["n"], row["minutes"] or 0

    members = _people(list(by_rep))
    every = by_rep.values()
    totals = Figures(
        **{name: sum(getattr(f, name) for f in every) for name in _SUMMED_FIGURES}, **costs
    )
    reps = [
        RepRow(member=members[member_id], figures=figures)
        for member_id, figures in by_rep.items()
        if member_id in members
    ]
    reps.sort(key=lambda row: (-row.figures.escalations, row.member.display_name))

    # The last TREND_WEEKS weeks up to the end, as far as they fall inside the period.
    first_week = end - dt.timedelta(days=end.weekday()) - dt.timedelta(weeks=TREND_WEEKS - 1)
    trend = [
        WeekPoint(week, *week_rows.get(week, (0, 0)))
        for week in (first_week + dt.timedelta(weeks=i) for i in range(TREND_WEEKS))
    ]

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


# The weeks wholly inside the period come from the weekly sums that PostgreSQL keeps
# (EscalationWeek, TopicWeek: triggers of migration 0007): a year of a large organisation is
# about 70 000 of them instead of 500 000 escalations. The days before the first whole week and
# after the last one are counted from the escalations themselves, on the covering index
# esc_report_idx. One statement adds both up per rep and per week (GROUPING SETS); a second one
# counts topics. Raw SQL because the ORM has no grouping sets; the organisation is filtered
# explicitly, as the tenant manager would, and row-level security applies as always.
# SQLite (the embedded demo, a few hundred escalations) has no such triggers: there every
# figure is counted from the escalations, with GROUP BYs joined by UNION ALL.
_ROW_FIGURES = """
    (e.urgency = %(urgent)s) AS urgent,
    (e.urgency = %(routine)s AND e.outcome <> '') AS routine_answered,
    (e.urgency = %(routine)s AND e.outcome = %(solved_alone)s) AS routine_solved_alone,
    (e.outcome = %(solved_alone)s) AS solved_alone,
    e.repeats_topic AS repeats,
    COALESCE(e.outcome = %(redirected)s OR e.topic_id IN (
        SELECT t.id FROM dependency_topic t WHERE t.organization_id = %(organization_id)s
        AND (t.handled_by_team_id IS NOT NULL OR t.handled_by_member_id IS NOT NULL)), FALSE)
        AS supportable,
    COALESCE(e.manager_minutes, 0) AS manager_minutes,
    COALESCE(e.rep_minutes, 0) AS rep_minutes
"""
_COUNTED = ("urgent", "routine_answered", "routine_solved_alone", "solved_alone", "repeats",
            "supportable")  # fmt: skip
_SUMMED = ("manager_minutes", "rep_minutes")
_WEEKS_AND_EDGES_SQL = (
    "SELECT GROUPING(c.week_start) = 1 AS by_rep, c.rep_id, c.week_start, "  # noqa: S608 - constants; values are bound
    "SUM(c.escalations)::bigint AS escalations, "
    + ", ".join(f"SUM(c.{name})::bigint AS {name}" for name in _COUNTED + _SUMMED)
    + """
FROM (
    SELECT w.rep_id, w.week_start, w.escalations, """
    + ", ".join(f"w.{name}" for name in _COUNTED + _SUMMED)
    + """
    FROM dependency_escalationweek w
    {team_join_w}
    WHERE w.organization_id = %(organization_id)s
      AND w.week_start >= %(weeks_from)s AND w.week_start < %(weeks_until)s
      {filters_w}
    UNION ALL
    SELECT r.rep_id, r.week_start, 1, """
    + ", ".join(f"r.{name}::int" for name in _COUNTED)
    + ", "
    + ", ".join(f"r.{name}" for name in _SUMMED)
    + """
    FROM (
        SELECT e.rep_id,
               (date_trunc('week', e.occurred_at AT TIME ZONE %(time_zone)s))::date AS week_start,
               """
    + _ROW_FIGURES
    + """
        FROM dependency_escalation e
        {team_join_e}
        WHERE e.organization_id = %(organization_id)s
          AND ((e.occurred_at >= %(since)s AND e.occurred_at < %(edge_until)s)
               OR (e.occurred_at >= %(edge_since)s AND e.occurred_at < %(until)s))
          {filters_e}
    ) r
) c
GROUP BY GROUPING SETS ((c.rep_id), (c.week_start))
"""
)
# Topics: the organisation's weekly topic counts when the report is the whole organisation's;
# otherwise the period's escalations of the reps in the report.
_TOPICS_FROM_WEEKS_SQL = """
SELECT c.topic_key, SUM(c.n) AS escalations FROM (
    SELECT t.topic_key, t.escalations AS n FROM dependency_topicweek t
    WHERE t.organization_id = %(organization_id)s
      AND t.week_start >= %(weeks_from)s AND t.week_start < %(weeks_until)s
    UNION ALL
    SELECT COALESCE(e.topic_id, 0), 1 FROM dependency_escalation e
    WHERE e.organization_id = %(organization_id)s
      AND ((e.occurred_at >= %(since)s AND e.occurred_at < %(edge_until)s)
           OR (e.occurred_at >= %(edge_since)s AND e.occurred_at < %(until)s))
) c
GROUP BY c.topic_key
"""
_TOPICS_SQL = """
SELECT COALESCE(e.topic_id, 0) AS topic_key, COUNT(*) AS escalations
FROM dependency_escalation e
{team_join_e}
WHERE e.organization_id = %(organization_id)s
  AND e.occurred_at >= %(since)s AND e.occurred_at < %(until)s
  {filters_e}
GROUP BY 1
"""
_PER_REP_SQL = (
    "SELECT r.rep_id, COUNT(*) AS escalations, "  # noqa: S608 - constants; values are bound
    + ", ".join(f"SUM(CASE WHEN r.{n} THEN 1 ELSE 0 END) AS {n}" for n in _COUNTED)
    + ", "
    + ", ".join(f"SUM(r.{n}) AS {n}" for n in _SUMMED)
    + " FROM (SELECT e.rep_id, "
    + _ROW_FIGURES
    + """
    FROM dependency_escalation e
    {team_join_e}
    WHERE e.organization_id = %(organization_id)s
      AND e.occurred_at >= %(since)s AND e.occurred_at < %(until)s
      {filters_e}) r
    GROUP BY r.rep_id
"""
)


def _people(member_ids: list[int]) -> dict[int, ReportPerson]:
    teams: dict[str, ReportTeam] = {}
    people = {}
    for pk, full_name, email, team_name in Membership.objects.filter(pk__in=member_ids).values_list(
        "pk", "user__full_name", "user__email", "team__name"
    ):
        name = display_name_of(full_name, email)
        team = teams.setdefault(team_name, ReportTeam(team_name)) if team_name else None
        people[pk] = ReportPerson(pk=pk, display_name=name, team=team)
    return people


def _whole_weeks(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The local weeks (Monday first) wholly inside start..end: [first, until); empty if none."""
    first = start + dt.timedelta(days=(7 - start.weekday()) % 7)
    until = end + dt.timedelta(days=1) - dt.timedelta(days=(end.weekday() + 1) % 7)
    return (first, until) if first < until else (first, first)


def _escalation_figures(
    *, organization: Organization, start: dt.date, end: dt.date, scope: set[int] | None,
    team_id: int | None, rep_id: int | None,
) -> tuple[list[dict], dict[dt.date, tuple[int, int]], dict[int | None, int]]:  # fmt: skip
    """Per-rep figures, per-week (escalations, solved alone) and per-topic counts."""
    if organization.pk != require_organization_id():
        raise TenantMismatch("The report's organisation is not the current one.")
    tz, since, until = _bounds(organization, start, end)
    weeks_from, weeks_until = _whole_weeks(start, end)
    if weeks_from < weeks_until:
        edge_until = dt.datetime.combine(weeks_from, dt.time.min, tzinfo=tz)
        edge_since = dt.datetime.combine(weeks_until, dt.time.min, tzinfo=tz)
    else:
        edge_until = edge_since = until
    # As the ORM would pass them: SQLite compares the stored UTC text, not an offset.
    adapt = connection.ops.adapt_datetimefield_value
    params = {
        "organization_id": organization.pk, "since": adapt(since), "until": adapt(until),
        "edge_until": adapt(edge_until), "edge_since": adapt(edge_since), "weeks_from": weeks_from,
        "weeks_until": weeks_until, "time_zone": organization.time_zone,
        "urgent": Escalation.Urgency.URGENT, "routine": Escalation.Urgency.ROUTINE,
        "solved_alone": Escalation.Outcome.SOLVED_ALONE,
        "redirected": Escalation.Outcome.REDIRECTED,
    }  # fmt: skip
    postgresql = connection.vendor == "postgresql"
    clauses = _filter_clauses(params, scope=scope, team_id=team_id, rep_id=rep_id,
                              postgresql=postgresql)  # fmt: skip
    whole_organization = scope is None and team_id is None and rep_id is None
    if postgresql:
        rows = _fetch(_WEEKS_AND_EDGES_SQL.format(**clauses), params)
        rep_rows = [row for row in rows if row["by_rep"]]
        week_rows = {
            row["week_start"]: (row["escalations"], row["solved_alone"])
            for row in rows
            if not row["by_rep"]
        }
        topics_sql = _TOPICS_FROM_WEEKS_SQL if whole_organization else _TOPICS_SQL
    else:
        rep_rows = _fetch(_PER_REP_SQL.format(**clauses), params)
        week_rows = _weeks_counted(organization, since, until, scope, team_id, rep_id)
        topics_sql = _TOPICS_SQL
    for row in rep_rows:
        row["solved_alone"] = row.pop("routine_solved_alone")
    topic_counts = {
        row["topic_key"] or None: row["escalations"]
        for row in _fetch(topics_sql.format(**clauses), params)
    }
    return rep_rows, week_rows, topic_counts


def _filter_clauses(params: dict, *, scope, team_id, rep_id, postgresql: bool) -> dict:
    """The SQL for the report's filters, for the weeks (w) and the escalations (e)."""
    filters, team_join = [], ""
    if scope is not None:
        if postgresql:
            filters.append("AND {t}.rep_id = ANY(%(scope)s)")
            params["scope"] = sorted(scope)
        elif scope:
            names = [f"scope{index}" for index in range(len(scope))]
            filters.append("AND {t}.rep_id IN (" + ", ".join(f"%({n})s" for n in names) + ")")
            params.update(zip(names, sorted(scope), strict=True))
        else:
            filters.append("AND 1 = 0")
    if team_id is not None:
        team_join = (
            "JOIN tenancy_membership m ON m.id = {t}.rep_id "
            "AND m.organization_id = {t}.organization_id AND m.team_id = %(team_id)s"
        )
        params["team_id"] = team_id
    if rep_id is not None:
        filters.append("AND {t}.rep_id = %(rep_id)s")
        params["rep_id"] = rep_id
    where = " ".join(filters)
    return {
        "filters_w": where.replace("{t}", "w"), "filters_e": where.replace("{t}", "e"),
        "team_join_w": team_join.replace("{t}", "w"),
        "team_join_e": team_join.replace("{t}", "e"),
    }  # fmt: skip


def _fetch(sql: str, params: dict) -> list[dict]:
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


def _in_report(rows, since, until, scope, team_id, rep_id):
    """The rows (escalations or detours) of the period and of the reps in the report."""
    rows = rows.filter(occurred_at__gte=since, occurred_at__lt=until)
    if scope is not None:
        rows = rows.filter(rep_id__in=scope)
    if team_id is not None:
        rows = rows.filter(rep__team_id=team_id)
    if rep_id is not None:
        rows = rows.filter(rep_id=rep_id)
    return rows


def _weeks_counted(organization, since, until, scope, team_id, rep_id):
    """Escalations and solved-alone counts per local week (Monday first), counted directly."""
    tz = zoneinfo.ZoneInfo(organization.time_zone)
    escalations = _in_report(Escalation.objects, since, until, scope, team_id, rep_id)
    rows = (
        escalations.annotate(week=TruncWeek("occurred_at", tzinfo=tz))
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


def rebuild_report_weeks() -> None:
    """Recount the current organisation's weekly sums from its escalations. The triggers keep
    them right on their own; this is for operators (manage.py rebuild_report_weeks) after a
    restore or a bulk load that bypassed triggers."""
    organization_id = require_organization_id()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT dependency_rebuild_weeks(%s)", [organization_id])
