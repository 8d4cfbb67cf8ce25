"""The dependency report: how often reps escalate, whether they solve it alone when the manager
lets it ring, what keeps coming back, and what should have gone straight to a support team.

A fixed number of aggregate queries whatever the volume (on PostgreSQL the figures per rep and
per week with the detours and names in one statement, the topics in a second, both in one round
trip), reading the `(organization, occurred_at)` indexes and the weekly sums. Pages, CSV and the
API all take their numbers from `dependency_report`.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Count, Q
from django.db.models.functions import TruncWeek
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import display_name_of
from apps.dependency.models import Escalation
from apps.tenancy.context import TenantMismatch, require_organization_id
from apps.tenancy.models import Membership, Organization

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


_CENT = Decimal("0.01")


class ReportNotAllowed(Exception):
    """Support staff have no dependency report (design.md)."""


# Slotted, and not frozen, where a report builds one per rep: an organisation's thousand-odd
# reps are built in about half the time.
@dataclass(slots=True)
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
        # Minutes (int) times a Decimal rate are exact, as Decimal(minutes) would be, and cost
        # half as much: the API computes this for every rep.
        manager = self.manager_minutes * self.manager_cost_per_hour
        rep = (self.rep_minutes + self.detour_minutes) * self.rep_cost_per_hour
        return ((manager + rep) / 60).quantize(_CENT, rounding=ROUND_HALF_UP)

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


@dataclass(slots=True)
class ReportPerson:
    """The little the report shows of a rep (id, name, team), read as plain values: an
    organisation's report has a thousand reps, and three model instances each cost more than
    the figures themselves."""

    pk: int
    display_name: str
    team: ReportTeam | None


@dataclass(slots=True)
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
    return report_audience(viewer).people


@dataclass(frozen=True, slots=True)
class ReportAudience:
    """Whose numbers a viewer may see (`people`, None for everyone) and the teams of those
    people as (id, name) in name order (`teams`, None for every team of the organisation): the
    report page offers a manager their own people's teams, as another team's report would be
    empty. A manager's are read in one round trip, with the reporting tree."""

    people: set[int] | None
    teams: list[tuple[int, str]] | None


def report_audience(viewer: Membership) -> ReportAudience:
    if viewer.role == Membership.Role.ADMIN:
        return ReportAudience(None, None)
    if viewer.role == Membership.Role.MANAGER:
        return _reporting_tree(viewer)
    if viewer.role == Membership.Role.REP:
        team = [(viewer.team.pk, viewer.team.name)] if viewer.team else []
        return ReportAudience({viewer.pk}, team)
    raise ReportNotAllowed


# The manager and everyone who reports to them, directly or not: `reporting_tree_ids(manager) |
# {manager}`, walked by the database on the (organization, reports_to) index. Reading all of a
# large organisation's reporting lines (sorted by name, as the model orders members) to walk
# them in Python cost 5 ms of the team report. UNION, not UNION ALL: a loop in the reporting
# lines ends the walk.
# With each member's team, in team-name order: the team filter's choices come with the scope,
# in the same round trip.
_REPORTING_TREE_SQL = """
WITH RECURSIVE tree(id) AS (
    SELECT CAST(%(manager_id)s AS bigint)
    UNION
    SELECT m.id FROM tenancy_membership m JOIN tree ON m.reports_to_id = tree.id
    WHERE m.organization_id = %(organization_id)s
)
SELECT tree.id, team.id, team.name FROM tree
LEFT JOIN tenancy_membership m ON m.id = tree.id AND m.organization_id = %(organization_id)s
LEFT JOIN tenancy_team team ON team.id = m.team_id AND team.organization_id = m.organization_id
ORDER BY team.name, team.id
"""


def _reporting_tree(manager: Membership) -> ReportAudience:
    params = {"manager_id": manager.pk, "organization_id": require_organization_id()}
    with connection.cursor() as cursor:
        cursor.execute(_REPORTING_TREE_SQL, params)
        rows = cursor.fetchall()
    teams = {team_id: name for _member, team_id, name in rows if team_id is not None}
    return ReportAudience({member_id for member_id, _team, _name in rows}, list(teams.items()))


def _bounds(organization: Organization, start: dt.date, end: dt.date):
    tz = zoneinfo.ZoneInfo(organization.time_zone)
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return tz, since, until


def _trend_weeks(end: dt.date) -> list[dt.date]:
    """The last TREND_WEEKS local weeks up to the end (Mondays), in order."""
    first_week = end - dt.timedelta(days=end.weekday()) - dt.timedelta(weeks=TREND_WEEKS - 1)
    return [first_week + dt.timedelta(weeks=i) for i in range(TREND_WEEKS)]


def dependency_report(
    *,
    viewer: Membership,
    start: dt.date,
    end: dt.date,
    team_id: int | None = None,
    rep_id: int | None = None,
    audience: ReportAudience | None = None,
) -> DependencyReport:
    """The report for the reps `viewer` may see, between `start` and `end` (inclusive, in the
    organisation's time zone), optionally one team or one rep. `audience`: the viewer's
    `report_audience`, when the caller has read it already (the page, for its team filter)."""
    organization = viewer.organization  # no query when the request's is attached (pages, API)
    scope = (audience or report_audience(viewer)).people
    rep_rows, week_rows, topic_rows = _report_rows(
        organization=organization, start=start, end=end, scope=scope, team_id=team_id,
        rep_id=rep_id,
    )  # fmt: skip

    # An organisation's report has over a thousand reps: each row becomes its Figures in one
    # call from the row's own columns, and the totals are summed per column.
    weeks = max((end - start).days + 1, 1) / 7
    # Decimal(): a new organisation's rates are the model's int defaults until it is reloaded.
    rates = Decimal(organization.manager_cost_per_hour), Decimal(organization.rep_cost_per_hour)
    costs = (weeks, *rates)
    teams: dict[str, ReportTeam] = {}
    reps = []
    for row in rep_rows:
        full_name, email, team_name = row[_NAME_COLUMNS]
        if email is None:  # not a member of this organisation (the foreign keys prevent it)
            continue
        team = teams.setdefault(team_name, ReportTeam(team_name)) if team_name else None
        person = ReportPerson(pk=row[0], display_name=display_name_of(full_name, email), team=team)
        reps.append(RepRow(member=person, figures=Figures(*row[_FIGURE_COLUMNS], *costs)))
    columns = zip(*(row[_FIGURE_COLUMNS] for row in rep_rows), strict=True)
    totals = Figures(*([sum(column) for column in columns] or [0] * len(_SUMMED_FIGURES)), *costs)
    # Most escalations first, then by name; namesakes with as many escalations by id, so that
    # the order (and a page of the table) is the same on every request.
    reps.sort(key=lambda row: (-row.figures.escalations, row.member.display_name, row.member.pk))

    trend = [WeekPoint(week, *week_rows.get(week, (0, 0))) for week in _trend_weeks(end)]
    return DependencyReport(
        start=start,
        end=end,
        currency=organization.currency,
        totals=totals,
        reps=reps,
        trend=trend,
        top_topics=_top_topics(topic_rows),
    )


# The report's SQL, raw: the organisation is filtered explicitly, as the tenant manager would,
# and row-level security applies as always.
#
# On PostgreSQL the weeks wholly inside the period come from the weekly sums that PostgreSQL
# keeps (EscalationWeek, TopicWeek: triggers of migration 0007): a year of a large organisation
# is about 70 000 of them instead of 500 000 escalations. The days before the first whole week
# and after the last one are counted from the escalations themselves, on the covering index
# esc_report_idx. Three statements, sent in one round trip: the figures per rep (weeks, edge
# days and service detours added up, with the rep's name), the trend's weeks, and the topics
# with their names. The trend is a statement of its own rather than a second grouping set of
# the first: that summed every figure of the year's 77 000 rows twice (8 ms), for 12 weeks.
# SQLite (the embedded demo, a few hundred escalations) has no such triggers: there every
# figure is counted from the escalations, per rep, per week (`_weeks_counted`) and per topic.
#
# Every branch of the per-rep statement yields the rep and the figures in the order of Figures'
# fields. A row of the result is the rep, their figures (so Figures(*row[...]) needs no dict
# per rep), their name, address and team.
_SUMMED_FIGURES = tuple(f.name for f in fields(Figures) if f.type is int)
_FIGURE_COLUMNS = slice(1, 1 + len(_SUMMED_FIGURES))
_NAME_COLUMNS = slice(_FIGURE_COLUMNS.stop, _FIGURE_COLUMNS.stop + 3)
_FROM_WEEKS = """
    SELECT w.rep_id AS rep_id, w.escalations AS escalations, w.urgent AS urgent,
           w.routine_answered AS routine_answered, w.routine_solved_alone AS solved_alone,
           w.repeats AS repeats, w.supportable AS supportable,
           w.manager_minutes AS manager_minutes, w.rep_minutes AS rep_minutes,
           0 AS detours, 0 AS detour_minutes
    FROM dependency_escalationweek w
    {team_join_w}
    WHERE w.organization_id = %(organization_id)s AND w.week_start = ANY(%(week_starts)s)
      {filters_w}
"""
_FROM_ESCALATIONS = """
    SELECT e.rep_id AS rep_id, 1 AS escalations,
           CASE WHEN e.urgency = %(urgent)s THEN 1 ELSE 0 END AS urgent,
           CASE WHEN e.urgency = %(routine)s AND e.outcome <> '' THEN 1 ELSE 0 END
               AS routine_answered,
           CASE WHEN e.urgency = %(routine)s AND e.outcome = %(solved_alone)s THEN 1 ELSE 0 END
               AS solved_alone,
           CASE WHEN e.repeats_topic THEN 1 ELSE 0 END AS repeats,
           CASE WHEN e.outcome = %(redirected)s OR e.topic_id IN (
               SELECT t.id FROM dependency_topic t WHERE t.organization_id = %(organization_id)s
               AND (t.handled_by_team_id IS NOT NULL OR t.handled_by_member_id IS NOT NULL)
           ) THEN 1 ELSE 0 END AS supportable,
           COALESCE(e.manager_minutes, 0) AS manager_minutes,
           COALESCE(e.rep_minutes, 0) AS rep_minutes, 0 AS detours, 0 AS detour_minutes
    FROM dependency_escalation e
    {team_join_e}
    WHERE e.organization_id = %(organization_id)s AND {period}
      {filters_e}
"""
# COUNT(*), not COUNT(id): the covering index detour_report_idx then answers alone (an
# index-only scan; counting ids read every detour's row: 25 000 pages for a year).
_FROM_DETOURS = """
    SELECT d.rep_id, 0, 0, 0, 0, 0, 0, 0, 0, COUNT(*), SUM(d.minutes)
    FROM dependency_servicedetour d
    {team_join_d}
    WHERE d.organization_id = %(organization_id)s
      AND d.occurred_at >= %(since)s AND d.occurred_at < %(until)s
      {filters_d}
    GROUP BY d.rep_id
"""


def _per_rep(branches: str) -> str:
    """The figures of `branches` summed per rep, with the rep's name, address and team."""
    sums = ", ".join(f"CAST(SUM(c.{name}) AS bigint) AS {name}" for name in _SUMMED_FIGURES)
    figures = ", ".join(f"g.{name}" for name in _SUMMED_FIGURES)
    return (
        f"SELECT g.rep_id, {figures}, u.full_name, u.email, team.name "  # noqa: S608 - constants
        f"FROM (SELECT c.rep_id, {sums} FROM ({branches}) c GROUP BY c.rep_id) g "
        "LEFT JOIN tenancy_membership p ON p.id = g.rep_id "
        "AND p.organization_id = %(organization_id)s "
        "LEFT JOIN accounts_user u ON u.id = p.user_id "
        "LEFT JOIN tenancy_team team ON team.id = p.team_id"
    )


_PER_REP_FROM_WEEKS_SQL = _per_rep(
    f"{_FROM_WEEKS} UNION ALL {_FROM_ESCALATIONS} UNION ALL {_FROM_DETOURS}"
)
_PER_REP_SQL = _per_rep(f"{_FROM_ESCALATIONS} UNION ALL {_FROM_DETOURS}")
_EDGE_DAYS = """((e.occurred_at >= %(since)s AND e.occurred_at < %(edge_until)s)
               OR (e.occurred_at >= %(edge_since)s AND e.occurred_at < %(until)s))"""
_WHOLE_PERIOD = "e.occurred_at >= %(since)s AND e.occurred_at < %(until)s"
# The trend: escalations and those solved alone (urgent ones too) per local week, for the
# trend's weeks only.
_TREND_FROM_WEEKS_SQL = """
SELECT c.week_start, CAST(SUM(c.escalations) AS bigint), CAST(SUM(c.solved_alone) AS bigint)
FROM (
    SELECT w.week_start, w.escalations, w.solved_alone
    FROM dependency_escalationweek w
    {team_join_w}
    WHERE w.organization_id = %(organization_id)s AND w.week_start = ANY(%(trend_week_starts)s)
      {filters_w}
    UNION ALL
    SELECT (date_trunc('week', e.occurred_at AT TIME ZONE %(time_zone)s))::date, 1,
           CASE WHEN e.outcome = %(solved_alone)s THEN 1 ELSE 0 END
    FROM dependency_escalation e
    {team_join_e}
    WHERE e.organization_id = %(organization_id)s
      AND ((e.occurred_at >= %(trend_head_from)s AND e.occurred_at < %(edge_until)s)
           OR (e.occurred_at >= %(trend_tail_from)s AND e.occurred_at < %(until)s))
      {filters_e}
) c
GROUP BY c.week_start
"""

# Topics: the organisation's weekly topic counts when the report is the whole organisation's;
# otherwise the period's escalations of the reps in the report. Each with its name and who
# really handles it (a person's name, else a team's).
_TOPICS_FROM_WEEKS = """
    SELECT c.topic_key, SUM(c.n) AS escalations FROM (
        SELECT t.topic_key, t.escalations AS n FROM dependency_topicweek t
        WHERE t.organization_id = %(organization_id)s
          AND t.week_start >= %(weeks_from)s AND t.week_start < %(weeks_until)s
        UNION ALL
        SELECT COALESCE(e.topic_id, 0), 1 FROM dependency_escalation e
        WHERE e.organization_id = %(organization_id)s AND {period}
    ) c
    GROUP BY c.topic_key
"""
_TOPICS_COUNTED = """
    SELECT COALESCE(e.topic_id, 0) AS topic_key, COUNT(*) AS escalations
    FROM dependency_escalation e
    {team_join_e}
    WHERE e.organization_id = %(organization_id)s
      AND e.occurred_at >= %(since)s AND e.occurred_at < %(until)s
      {filters_e}
    GROUP BY 1
"""


def _topics_named(counted: str) -> str:
    return (
        "SELECT c.topic_key, c.escalations, topic.name, "  # noqa: S608 - constants
        "COALESCE(NULLIF(handler.full_name, ''), handling_team.name, '') "
        f"FROM ({counted}) c "
        "LEFT JOIN dependency_topic topic ON topic.id = c.topic_key "
        "AND topic.organization_id = %(organization_id)s "
        "LEFT JOIN tenancy_membership handling ON handling.id = topic.handled_by_member_id "
        "LEFT JOIN accounts_user handler ON handler.id = handling.user_id "
        "LEFT JOIN tenancy_team handling_team ON handling_team.id = topic.handled_by_team_id"
    )


_TOPICS_FROM_WEEKS_SQL = _topics_named(_TOPICS_FROM_WEEKS)
_TOPICS_SQL = _topics_named(_TOPICS_COUNTED)


def _whole_weeks(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The local weeks (Monday first) wholly inside start..end: [first, until); empty if none."""
    first = start + dt.timedelta(days=(7 - start.weekday()) % 7)
    until = end + dt.timedelta(days=1) - dt.timedelta(days=(end.weekday() + 1) % 7)
    return (first, until) if first < until else (first, first)


def _report_rows(
    *, organization: Organization, start: dt.date, end: dt.date, scope: set[int] | None,
    team_id: int | None, rep_id: int | None,
) -> tuple[list[tuple], dict[dt.date, tuple[int, int]], list[tuple]]:  # fmt: skip
    """Per-rep rows (the rep, their figures, name, address and team), per-week (escalations,
    solved alone) and per-topic rows (topic or None, escalations, name, handled by)."""
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
        # The whole weeks as a list, not a range: for a manager's reps the sums' index
        # (organization, week_start, rep) is then searched week by week and rep by rep (600
        # entries for 50 reps and 12 weeks) instead of read across the whole organisation's
        # reps (15 000): 8 ms -> 1.5 ms.
        whole_weeks = (weeks_until - weeks_from).days // 7
        week_starts = [weeks_from + dt.timedelta(weeks=i) for i in range(whole_weeks)]
        trend_from = _trend_weeks(end)[0]
        params["week_starts"] = week_starts
        params["trend_week_starts"] = [week for week in week_starts if week >= trend_from]
        # The edge days inside the trend's weeks, as two ranges the index can read.
        trend_since = dt.datetime.combine(trend_from, dt.time.min, tzinfo=tz)
        params["trend_head_from"] = adapt(max(since, trend_since))
        params["trend_tail_from"] = adapt(max(edge_since, trend_since))
        statements = (
            _PER_REP_FROM_WEEKS_SQL, _TREND_FROM_WEEKS_SQL,
            _TOPICS_FROM_WEEKS_SQL if whole_organization else _TOPICS_SQL,
        )  # fmt: skip
        with connection.cursor() as cursor:  # one round trip for the three
            cursor.execute(
                ";\n".join(sql.format(period=_EDGE_DAYS, **clauses) for sql in statements), params
            )
            rep_rows = cursor.fetchall()
            cursor.nextset()
            week_rows = {week: (count, alone) for week, count, alone in cursor.fetchall()}
            cursor.nextset()
            topic_rows = cursor.fetchall()
        return rep_rows, week_rows, topic_rows
    with connection.cursor() as cursor:
        cursor.execute(_PER_REP_SQL.format(period=_WHOLE_PERIOD, **clauses), params)
        rep_rows = cursor.fetchall()
        cursor.execute(_TOPICS_SQL.format(**clauses), params)
        topic_rows = cursor.fetchall()
    week_rows = _weeks_counted(organization, since, until, scope, team_id, rep_id)
    return rep_rows, week_rows, topic_rows


def _filter_clauses(params: dict, *, scope, team_id, rep_id, postgresql: bool) -> dict:
    """The SQL for the report's filters, for the weeks (w), escalations (e) and detours (d)."""
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
    clauses = {}
    for alias in ("w", "e", "d"):  # weekly sums, escalations, detours
        clauses[f"filters_{alias}"] = where.replace("{t}", alias)
        clauses[f"team_join_{alias}"] = team_join.replace("{t}", alias)
    return clauses


def _top_topics(topic_rows: list[tuple]) -> list[TopicRow]:
    """The ten topics with the most escalations (ties by name; no topic last among equals)."""
    needed = str(_("Topic needed"))
    rows = [
        TopicRow(key or None, needed if name is None else name, count, handled_by)
        for key, count, name, handled_by in topic_rows
    ]
    rows.sort(key=lambda row: (-row.escalations, row.topic_id is None, row.name))
    return rows[:10]


def _in_report(rows, since, until, scope, team_id, rep_id):
    """The escalations of the period and of the reps in the report."""
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
