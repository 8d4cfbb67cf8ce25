"""The dependency report, checked against hand-computed figures and plain counts."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.dependency.models import Escalation, ServiceDetour, Topic
from apps.dependency.reports import ReportNotAllowed, dependency_report, report_scope
from apps.dependency.services import escalation_log, escalation_record_outcome
from apps.tenancy.context import tenant_context
from apps.tenancy.selectors import reporting_tree_ids
from tests.factories import MembershipFactory, TeamFactory
from tests.proof.hypothesis_profiles import examples

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CHICAGO)


@pytest.fixture
def setup(org):
    org.time_zone = "America/Chicago"
    org.manager_cost_per_hour = Decimal("90")
    org.rep_cost_per_hour = Decimal("60")
    org.save()
    sales = TeamFactory(name="Sales", kind="sales")
    service = TeamFactory(name="Customer Service", kind="customer_service")
    manager = MembershipFactory(role="manager", team=sales, user__full_name="Sam")
    riley = MembershipFactory(role="rep", team=sales, reports_to=manager, user__full_name="Riley")
    jordan = MembershipFactory(role="rep", team=sales, reports_to=manager, user__full_name="Jo")
    pricing = Topic.objects.create(name="Pricing", handled_by_team=service)
    strategy = Topic.objects.create(name="Deal strategy")
    return {"org": org, "manager": manager, "riley": riley, "jordan": jordan,
            "pricing": pricing, "strategy": strategy, "service": service}  # fmt: skip


def _log(s, rep, when, topic, urgency="routine", outcome=None, **minutes):
    escalation = escalation_log(
        actor=s["manager"], rep=rep, channel="call", urgency=urgency, topic=topic,
        occurred_at=when,
    )  # fmt: skip
    if outcome:
        escalation_record_outcome(escalation=escalation, actor=s["manager"], outcome=outcome,
                                  redirected_to_team=s["service"], **minutes)  # fmt: skip
    return escalation


def test_the_figures_match_a_hand_computed_week(setup):
    s = setup
    riley, jordan = s["riley"], s["jordan"]
    # Riley: 4 escalations in the week of 2 Nov 2026.
    _log(s, riley, at(2026, 11, 2, 9), s["pricing"], outcome="solved_alone", manager_minutes=2)
    _log(s, riley, at(2026, 11, 3, 9), s["pricing"], outcome="manager_solved",
         manager_minutes=10, rep_minutes=5)  # repeat of pricing within 30 days  # fmt: skip
    _log(s, riley, at(2026, 11, 4, 9), s["strategy"], urgency="urgent",
         outcome="manager_solved", manager_minutes=20)  # fmt: skip
    _log(s, riley, at(2026, 11, 5, 9), s["strategy"], outcome="solved_alone")  # a repeat
    # Jordan: one, redirected to customer service (could have gone there directly).
    _log(s, jordan, at(2026, 11, 6, 9), s["strategy"], outcome="redirected")
    ServiceDetour.objects.create(
        rep=riley, occurred_at=at(2026, 11, 4, 12), kind="repair", team=s["service"], minutes=30
    )
    report = dependency_report(
        viewer=s["manager"], start=dt.date(2026, 11, 2), end=dt.date(2026, 11, 8)
    )
    rows = {row.member.pk: row.figures for row in report.reps}
    r = rows[riley.pk]
    assert r.escalations == 4
    assert r.per_week == 4.0
    assert r.urgent_share == 0.25
    assert (r.routine_answered, r.solved_alone, r.self_resolution_rate) == (3, 2, 0.6667)
    assert r.repeats == 2
    assert (r.supportable, r.support_share) == (2, 0.5)  # the two pricing escalations
    assert (r.detours, r.detour_minutes) == (1, 30)
    assert (r.manager_minutes, r.rep_minutes) == (32, 5)
    # 32 manager minutes at 90/h = 48.00; 35 rep minutes at 60/h = 35.00
    assert r.cost == Decimal("83.00")
    j = rows[jordan.pk]
    assert (j.escalations, j.supportable, j.self_resolution_rate) == (1, 1, 0.0)
    assert report.totals.escalations == 5
    assert report.top_topics[0].name == "Deal strategy"
    assert report.top_topics[0].escalations == 3
    assert [t.handled_by for t in report.top_topics if t.name == "Pricing"] == ["Customer Service"]


def test_weeks_follow_the_organisations_time_zone_across_daylight_saving(setup):
    s = setup
    # Sunday 1 Nov 2026 23:30 in Chicago is Monday 05:30 UTC: it belongs to the week of 26 Oct.
    _log(s, s["riley"], at(2026, 11, 1, 23, 30), s["pricing"])
    # Monday 2 Nov 00:30 in Chicago (after the clocks went back): the week of 2 Nov.
    _log(s, s["riley"], at(2026, 11, 2, 0, 30), s["pricing"])
    report = dependency_report(
        viewer=s["manager"], start=dt.date(2026, 10, 26), end=dt.date(2026, 11, 8)
    )
    weeks = {point.week_start: point.escalations for point in report.trend}
    assert weeks[dt.date(2026, 10, 26)] == 1
    assert weeks[dt.date(2026, 11, 2)] == 1
    assert len(report.trend) == 12


def test_each_role_sees_what_design_allows(setup, admin, org):
    s = setup
    _log(s, s["riley"], at(2026, 11, 2, 9), s["pricing"])
    _log(s, s["jordan"], at(2026, 11, 2, 9), s["pricing"])
    other_manager = MembershipFactory(role="manager")
    stranger = MembershipFactory(role="rep", reports_to=other_manager)
    _log({**s, "manager": other_manager}, stranger, at(2026, 11, 2, 9), s["pricing"])
    period = {"start": dt.date(2026, 11, 1), "end": dt.date(2026, 11, 30)}

    def reps(viewer):
        return {row.member.pk for row in dependency_report(viewer=viewer, **period).reps}

    assert reps(admin) == {s["riley"].pk, s["jordan"].pk, stranger.pk}
    assert reps(s["manager"]) == {s["riley"].pk, s["jordan"].pk}
    assert reps(s["riley"]) == {s["riley"].pk}  # a rep cannot read a colleague's numbers
    with pytest.raises(ReportNotAllowed):
        dependency_report(viewer=MembershipFactory(role="support"), **period)


def test_the_report_runs_a_fixed_number_of_queries(setup, django_assert_num_queries):
    s = setup
    for day in range(1, 20):
        _log(s, s["riley"] if day % 2 else s["jordan"], at(2026, 11, day, 10), s["pricing"])
    # 1 the organisation (none when the request has attached it), 2 the manager's reporting
    # tree; on PostgreSQL 3 one round trip for three statements (the figures per rep with their
    # detours and names, the trend's weeks, the topics with their names); on SQLite 3 per rep,
    # 4 topics and 5 per week
    with django_assert_num_queries(3 if connection.vendor == "postgresql" else 5):
        dependency_report(viewer=s["manager"], start=dt.date(2026, 11, 1),
                          end=dt.date(2026, 11, 30))  # fmt: skip


def test_the_outsider_sees_none_of_our_escalations(setup, outsider):
    _log(setup, setup["riley"], at(2026, 11, 2, 9), setup["pricing"])
    with tenant_context(outsider.organization_id):
        report = dependency_report(
            viewer=outsider, start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30)
        )
    assert report.reps == []
    assert report.totals.escalations == 0


outcomes = st.sampled_from(["", "solved_alone", "manager_solved", "redirected", "unresolved"])
rows = st.lists(
    st.tuples(
        st.integers(0, 1),  # which rep
        st.integers(0, 60 * 24 * 27),  # minutes into November
        st.sampled_from(["urgent", "routine"]),
        outcomes,
        st.integers(0, 1),  # topic
    ),
    max_size=25,
)


@pytest.mark.fuzz
@settings(max_examples=examples(25))  # deadline and health checks: the active profile
@given(data=rows)
def test_the_totals_equal_plain_counts(setup, data):
    s = setup
    Escalation.objects.all().delete()
    reps, topics = [s["riley"], s["jordan"]], [s["pricing"], s["strategy"]]
    for rep_index, minutes, urgency, outcome, topic_index in data:
        escalation = Escalation.objects.create(
            rep=reps[rep_index], manager=s["manager"], channel="call", urgency=urgency,
            topic=topics[topic_index], outcome=outcome,
            occurred_at=at(2026, 11, 1) + dt.timedelta(minutes=minutes),
        )  # fmt: skip
        assert escalation.pk
    report = dependency_report(
        viewer=s["manager"], start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30)
    )
    everything = Escalation.objects.all()
    assert report.totals.escalations == everything.count()
    assert report.totals.urgent == everything.filter(urgency="urgent").count()
    assert (
        report.totals.solved_alone
        == everything.filter(urgency="routine", outcome="solved_alone").count()
    )
    assert report.totals.supportable == everything.filter(topic=s["pricing"]).count() + (
        everything.filter(topic=s["strategy"], outcome="redirected").count()
    )
    assert sum(p.escalations for p in report.trend) == everything.count()
    assert sum(row.figures.escalations for row in report.reps) == everything.count()


def test_the_period_runs_from_local_midnight_to_local_midnight(setup):
    """23:30 on the last Sunday in Chicago is already Monday in UTC: it counts; 00:30 on the
    Monday after does not, nor does 23:30 on the Sunday before."""
    s = setup
    _log(s, s["jordan"], at(2026, 11, 15, 23, 30), s["pricing"], urgency="urgent")
    _log(s, s["riley"], at(2026, 11, 22, 23, 30), s["pricing"], urgency="urgent")
    _log(s, s["jordan"], at(2026, 11, 23, 0, 30), s["pricing"], urgency="urgent")
    report = dependency_report(
        viewer=s["manager"], start=dt.date(2026, 11, 16), end=dt.date(2026, 11, 22)
    )
    assert {row.member.pk: row.figures.escalations for row in report.reps} == {s["riley"].pk: 1}
    assert [p.escalations for p in report.trend if p.week_start == dt.date(2026, 11, 16)] == [1]


def test_a_manager_sees_everyone_below_them_however_deep_and_a_loop_ends_the_walk(setup):
    """The report walks the reporting lines in SQL: the same people as reporting_tree_ids, the
    manager included, even when the lines loop back (a data error the walk must survive)."""
    s = setup
    lead = MembershipFactory(role="manager", reports_to=s["manager"], user__full_name="Lee")
    deep = MembershipFactory(role="rep", reports_to=lead, user__full_name="Dee")
    deeper = MembershipFactory(role="rep", reports_to=deep, user__full_name="Di")
    elsewhere = MembershipFactory(role="rep", reports_to=MembershipFactory(role="manager"))
    expected = {s["manager"].pk, s["riley"].pk, s["jordan"].pk, lead.pk, deep.pk, deeper.pk}
    assert (
        report_scope(s["manager"])
        == expected
        == reporting_tree_ids(s["manager"]) | {s["manager"].pk}
    )
    assert report_scope(lead) == {lead.pk, deep.pk, deeper.pk}
    s["manager"].reports_to = deeper  # a loop: the manager now reports to their own report
    s["manager"].save()
    assert report_scope(lead) == expected == reporting_tree_ids(lead) | {lead.pk}
    assert elsewhere.pk not in report_scope(s["manager"])


def test_the_reporting_tree_stays_in_the_organisation(setup, outsider):
    with tenant_context(outsider.organization_id):
        theirs = MembershipFactory(role="manager")
        their_rep = MembershipFactory(role="rep", reports_to=theirs)
        assert report_scope(theirs) == {theirs.pk, their_rep.pk}
    ours = {setup["manager"].pk, setup["riley"].pk, setup["jordan"].pk}
    assert report_scope(setup["manager"]) == ours


def test_namesakes_with_as_many_escalations_keep_one_order(setup):
    """The table pages through the reps: two people of the same name with the same count must
    not swap places between requests, or one would show on two pages and the other on none."""
    s = setup
    twins = [MembershipFactory(role="rep", reports_to=s["manager"], user__full_name="Alex")
             for _ in range(3)]  # fmt: skip
    for rep in reversed(twins):
        _log(s, rep, at(2026, 11, 3, 9), s["pricing"])
    report = dependency_report(
        viewer=s["manager"], start=dt.date(2026, 11, 2), end=dt.date(2026, 11, 8)
    )
    assert [row.member.pk for row in report.reps] == sorted(rep.pk for rep in twins)
