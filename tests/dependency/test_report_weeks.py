# ruff: noqa: F811 - the `setup` fixture of test_report is imported, then requested by name
"""The report's weekly sums: PostgreSQL's triggers keep them equal to a plain recount of the
escalations through every kind of change, and the report built on them equals plain counts
for any period (whole weeks from the sums, the days at either end counted directly)."""

import datetime as dt
import io
import zoneinfo
from collections import Counter, defaultdict

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.dependency.models import Escalation, EscalationWeek, Topic, TopicWeek
from apps.dependency.reports import _whole_weeks, dependency_report
from apps.dependency.services import escalation_record_outcome
from tests.dependency.test_report import _log, at, setup  # noqa: F401 - the fixture
from tests.factories import MembershipFactory
from tests.proof.hypothesis_profiles import examples

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's triggers"),
]


def recount(time_zone: str) -> tuple[dict, dict]:
    """What the weekly tables must hold, counted in Python from the escalations."""
    tz = zoneinfo.ZoneInfo(time_zone)
    handled = set(
        Topic.objects.exclude(handled_by_team=None, handled_by_member=None).values_list(
            "pk", flat=True
        )
    )
    reps: dict = defaultdict(Counter)
    topics: Counter = Counter()
    for e in Escalation.objects.all():
        local = e.occurred_at.astimezone(tz).date()
        week = local - dt.timedelta(days=local.weekday())
        cell = reps[(e.rep_id, week)]
        cell["escalations"] += 1
        cell["urgent"] += e.urgency == "urgent"
        cell["routine_answered"] += e.urgency == "routine" and e.outcome != ""
        cell["routine_solved_alone"] += e.urgency == "routine" and e.outcome == "solved_alone"
        cell["solved_alone"] += e.outcome == "solved_alone"
        cell["repeats"] += e.repeats_topic
        cell["supportable"] += e.outcome == "redirected" or e.topic_id in handled
        cell["manager_minutes"] += e.manager_minutes or 0
        cell["rep_minutes"] += e.rep_minutes or 0
        topics[(week, e.topic_id or 0)] += 1
    return (
        {key: {k: v for k, v in cell.items() if v} for key, cell in reps.items()},
        dict(topics),
    )


def stored() -> tuple[dict, dict]:
    names = [
        "escalations", "urgent", "routine_answered", "routine_solved_alone", "solved_alone",
        "repeats", "supportable", "manager_minutes", "rep_minutes",
    ]  # fmt: skip
    reps = {
        (w.rep_id, w.week_start): {n: getattr(w, n) for n in names if getattr(w, n)}
        for w in EscalationWeek.objects.all()
    }
    topics = {(t.week_start, t.topic_key): t.escalations for t in TopicWeek.objects.all()}
    return reps, topics


def assert_weeks_match(org) -> None:
    org.refresh_from_db()
    assert stored() == recount(org.time_zone)


def test_whole_weeks_are_the_mondays_to_sundays_inside_the_period():
    # 2 Nov 2026 is a Monday.
    assert _whole_weeks(dt.date(2026, 11, 2), dt.date(2026, 11, 15)) == (
        dt.date(2026, 11, 2),
        dt.date(2026, 11, 16),
    )
    assert _whole_weeks(dt.date(2026, 11, 3), dt.date(2026, 11, 22)) == (
        dt.date(2026, 11, 9),
        dt.date(2026, 11, 23),
    )
    first, until = _whole_weeks(dt.date(2026, 11, 3), dt.date(2026, 11, 9))
    assert first == until  # no whole week: everything is counted directly


def test_the_weeks_follow_every_kind_of_change(setup):
    s = setup
    riley, jordan = s["riley"], s["jordan"]
    first = _log(s, riley, at(2026, 11, 2, 9), s["pricing"])
    _log(s, riley, at(2026, 11, 3, 9), s["pricing"], urgency="urgent")
    _log(s, jordan, at(2026, 11, 8, 23, 30), None)  # Sunday night, Chicago: still week of 2nd
    assert_weeks_match(s["org"])

    escalation_record_outcome(escalation=first, actor=s["manager"], outcome="solved_alone",
                              manager_minutes=4, rep_minutes=9)  # fmt: skip
    assert_weeks_match(s["org"])

    first.occurred_at = at(2026, 11, 10, 9)  # moved to the next week
    first.topic = s["strategy"]
    first.save()
    assert_weeks_match(s["org"])

    Escalation.objects.filter(rep=jordan).update(rep=riley, outcome="redirected")
    assert_weeks_match(s["org"])

    Escalation.objects.bulk_create(
        Escalation(rep=jordan, manager=s["manager"], channel="call", urgency="routine",
                   occurred_at=at(2026, 11, 4, 10 + i), topic=s["pricing"])
        for i in range(5)
    )  # fmt: skip
    assert_weeks_match(s["org"])

    first.delete()
    Escalation.objects.filter(rep=jordan)[:1].get().delete()
    assert_weeks_match(s["org"])

    Escalation.objects.all().delete()
    assert stored() == ({}, {})  # an emptied week leaves no row behind


def test_a_change_the_report_does_not_read_leaves_the_weeks_alone(setup):
    s = setup
    escalation = _log(s, s["riley"], at(2026, 11, 2, 9), s["pricing"])
    before = stored()
    Escalation.objects.filter(pk=escalation.pk).update(callback_reminded_at=at(2026, 11, 2, 10))
    assert stored() == before


def test_a_topic_that_gains_a_support_team_could_have_gone_to_support_all_along(setup):
    s = setup
    for day in (2, 3, 10):
        _log(s, s["riley"], at(2026, 11, day, 9), s["strategy"])
    _log(s, s["riley"], at(2026, 11, 4, 9), s["strategy"], outcome="redirected")

    def supportable() -> int:
        report = dependency_report(
            viewer=s["manager"], start=dt.date(2026, 11, 2), end=dt.date(2026, 11, 15)
        )
        return report.totals.supportable

    assert supportable() == 1  # only the redirected one
    s["strategy"].handled_by_member = s["jordan"]
    s["strategy"].save()
    assert supportable() == 4
    assert_weeks_match(s["org"])
    s["strategy"].handled_by_member = None
    s["strategy"].save()
    assert supportable() == 1
    assert_weeks_match(s["org"])


def test_a_new_time_zone_moves_escalations_to_their_new_local_week(setup):
    s = setup
    # Sunday 8 Nov, 23:30 in Chicago is Monday 9 Nov, 05:30 in UTC.
    _log(s, s["riley"], at(2026, 11, 8, 23, 30), s["pricing"])
    assert set(EscalationWeek.objects.values_list("week_start", flat=True)) == {
        dt.date(2026, 11, 2)
    }
    s["org"].time_zone = "UTC"
    s["org"].save()
    assert set(EscalationWeek.objects.values_list("week_start", flat=True)) == {
        dt.date(2026, 11, 9)
    }
    assert_weeks_match(s["org"])


def test_the_weeks_are_the_organisations_own(setup, outsider):
    from apps.tenancy.context import tenant_context

    _log(setup, setup["riley"], at(2026, 11, 2, 9), setup["pricing"])
    with tenant_context(outsider.organization_id):
        assert not EscalationWeek.objects.exists()
        assert not TopicWeek.objects.exists()


operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("log"),
            st.integers(0, 1),
            st.integers(0, 60 * 24 * 35),
            st.sampled_from(["urgent", "routine"]),
            st.integers(0, 2),
        ),
        st.tuples(
            st.just("outcome"),
            st.integers(0, 30),
            st.sampled_from(["solved_alone", "manager_solved", "redirected"]),
        ),
        st.tuples(st.just("move"), st.integers(0, 30), st.integers(0, 60 * 24 * 35)),
        st.tuples(st.just("topic"), st.integers(0, 30), st.integers(0, 2)),
        st.tuples(st.just("delete"), st.integers(0, 30)),
        st.tuples(st.just("handler"), st.integers(0, 1)),
    ),
    max_size=20,
)


@pytest.mark.fuzz
@settings(max_examples=examples(20))
@given(
    ops=operations, start_day=st.integers(0, 40), length=st.integers(0, 40),
    as_admin=st.booleans(),
)  # fmt: skip
def test_the_weeks_and_the_report_equal_plain_counts_after_any_changes(
    setup, admin, ops, start_day, length, as_admin
):
    """As an admin the report is the whole organisation's (topics from the weekly topic sums);
    as the manager it is their reporting tree's (topics counted directly)."""
    s = setup
    Escalation.objects.all().delete()
    reps, topics = [s["riley"], s["jordan"]], [s["pricing"], s["strategy"], None]
    origin = at(2026, 10, 25)  # a Sunday, so periods start on every day of the week
    for op in ops:
        existing = list(Escalation.objects.order_by("pk"))
        if op[0] == "log":
            _, rep, minutes, urgency, topic = op
            _log(s, reps[rep], origin + dt.timedelta(minutes=minutes), topics[topic],
                 urgency=urgency)  # fmt: skip
        elif op[0] == "handler":
            topic = topics[op[1]]
            topic.handled_by_team = None if topic.handled_by_team else s["service"]
            topic.save()
        elif existing:
            escalation = existing[op[1] % len(existing)]
            if op[0] == "outcome" and escalation.urgency == "routine" and escalation.is_open:
                escalation_record_outcome(escalation=escalation, actor=s["manager"],
                                          outcome=op[2], redirected_to_team=s["service"],
                                          manager_minutes=3)  # fmt: skip
            elif op[0] == "move":
                escalation.occurred_at = origin + dt.timedelta(minutes=op[2])
                escalation.save()
            elif op[0] == "topic":
                escalation.topic = topics[op[2]]
                escalation.save()
            elif op[0] == "delete":
                escalation.delete()
    assert_weeks_match(s["org"])

    start = origin.date() + dt.timedelta(days=start_day)
    end = start + dt.timedelta(days=length)
    report = dependency_report(viewer=admin if as_admin else s["manager"], start=start, end=end)
    tz = zoneinfo.ZoneInfo("America/Chicago")
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    period = Escalation.objects.filter(occurred_at__gte=since, occurred_at__lt=until)
    handled = Topic.objects.exclude(handled_by_team=None)
    assert report.totals.escalations == period.count()
    assert report.totals.urgent == period.filter(urgency="urgent").count()
    assert (
        report.totals.solved_alone
        == period.filter(urgency="routine", outcome="solved_alone").count()
    )
    assert report.totals.supportable == (
        period.filter(outcome="redirected").count()
        + period.exclude(outcome="redirected").filter(topic__in=handled).count()
    )
    assert report.totals.manager_minutes == sum(e.manager_minutes or 0 for e in period)
    per_rep = Counter(period.values_list("rep_id", flat=True))
    assert {row.member.pk: row.figures.escalations for row in report.reps} == dict(per_rep)
    by_topic = Counter(period.values_list("topic_id", flat=True))
    assert {t.topic_id: t.escalations for t in report.top_topics} == dict(by_topic)
    week_of = {p.week_start: p.escalations for p in report.trend}
    for week, n in week_of.items():
        in_week = period.filter(
            occurred_at__gte=dt.datetime.combine(week, dt.time.min, tzinfo=tz),
            occurred_at__lt=dt.datetime.combine(week + dt.timedelta(days=7), dt.time.min,
                                                tzinfo=tz),
        )  # fmt: skip
        assert n == in_week.count(), week


@pytest.fixture
def admin(setup):
    return MembershipFactory(role="admin")


def test_an_operator_can_recount_the_weeks_from_the_escalations(setup):
    from django.core.management import CommandError, call_command

    _log(setup, setup["riley"], at(2026, 11, 2, 9), setup["pricing"])
    expected = stored()
    EscalationWeek.objects.update(escalations=99)  # as if a bulk load had skipped the triggers
    call_command("rebuild_report_weeks", org=setup["org"].slug, stdout=io.StringIO())
    assert stored() == expected
    with pytest.raises(CommandError, match="No organisation"):
        call_command("rebuild_report_weeks", org="nobody-has-this", stdout=io.StringIO())


def test_a_time_zone_changed_outside_the_organisation_still_recounts_its_weeks(setup):
    """An operator's admin page has no current organisation: the recount runs inside the
    organisation anyway, and the caller's own setting is put back afterwards."""
    from apps.tenancy.context import current_organization_id, no_tenant
    from apps.tenancy.models import Organization

    s = setup
    _log(s, s["riley"], at(2026, 11, 8, 23, 30), s["pricing"])
    with no_tenant(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.org_id', '', true)")  # as an admin page's
        Organization.objects.filter(pk=s["org"].pk).update(time_zone="UTC")
        cursor.execute("SELECT current_setting('app.org_id', true)")
        assert cursor.fetchone()[0] == ""
    assert current_organization_id() == s["org"].pk
    assert set(EscalationWeek.objects.values_list("week_start", flat=True)) == {
        dt.date(2026, 11, 9)
    }
    assert_weeks_match(s["org"])
