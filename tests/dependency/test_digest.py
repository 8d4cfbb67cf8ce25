"""The weekly digest: Monday morning in the organisation's time zone, last week's team figures
to each manager, once a week, with an unsubscribe link."""

import datetime as dt
import zoneinfo

import pytest
import time_machine

from apps.dependency.digest import (
    DIGEST_CATEGORY,
    digest_due,
    digest_recipients,
    digests_send,
    organizations_due,
    previous_week,
)
from apps.dependency.models import Escalation, ServiceDetour, Topic
from apps.dependency.services import escalation_log, escalation_record_outcome
from apps.dependency.tasks import digests_sweep, send_digests
from apps.notifications.models import Notification, OutboundEmail
from apps.notifications.services import email_preference_set
from apps.tenancy.context import no_tenant, tenant_context
from tests.factories import MembershipFactory, OrganizationFactory, TeamFactory

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CHICAGO)


# Monday 23 November 2026, 7:10 in Chicago: last week is Monday 16 to Sunday 22 November.
MONDAY_MORNING = at(2026, 11, 23, 7, 10)


@pytest.fixture
def chicago(org):
    org.time_zone = "America/Chicago"
    org.save()
    return org


@pytest.fixture
def team(chicago):
    vp = MembershipFactory(role="manager", user__full_name="Victoria VP")
    sam = MembershipFactory(role="manager", reports_to=vp, user__full_name="Sam Manager")
    riley = MembershipFactory(role="rep", reports_to=sam, user__full_name="Riley Rep")
    jordan = MembershipFactory(role="rep", reports_to=sam, user__full_name="Jordan Rep")
    service = TeamFactory(name="Customer Service", kind="customer_service")
    dana = MembershipFactory(role="manager", team=service, user__full_name="Dana Support")
    MembershipFactory(role="support", team=service, reports_to=dana)
    return {"vp": vp, "sam": sam, "riley": riley, "jordan": jordan, "dana": dana,
            "service": service}  # fmt: skip


def _log(rep, when, **kwargs):
    kwargs.setdefault("urgency", "routine")
    return escalation_log(actor=rep.reports_to, rep=rep, channel="call", occurred_at=when,
                          **kwargs)  # fmt: skip


@pytest.fixture
def last_week(team):
    """Last week: Riley solved one of two routine ones alone, repeated a topic; Jordan had an
    urgent one. One callback is still open. Outside the week: one before, one after."""
    pricing = Topic.objects.create(name="Pricing", handled_by_team=team["service"])
    sam, riley, jordan = team["sam"], team["riley"], team["jordan"]
    alone = _log(riley, at(2026, 11, 16, 9, 0), topic=pricing)
    escalation_record_outcome(escalation=alone, actor=sam, outcome="solved_alone")
    solved = _log(riley, at(2026, 11, 17, 9, 0), topic=pricing)
    escalation_record_outcome(escalation=solved, actor=sam, outcome="manager_solved")
    _log(jordan, at(2026, 11, 20, 15, 0))  # still open: its callback is overdue
    _log(jordan, at(2026, 11, 22, 23, 30), urgency="urgent")  # Sunday night still counts
    _log(riley, at(2026, 11, 15, 23, 30), urgency="urgent")  # the Sunday before: not last week
    _log(riley, at(2026, 11, 23, 0, 30), urgency="urgent")  # this Monday: not last week
    ServiceDetour.objects.create(rep=riley, occurred_at=at(2026, 11, 18, 10, 0), kind="repair",
                                 team=team["service"], minutes=25)  # fmt: skip
    return pricing


@pytest.mark.parametrize(
    ("moment", "due"),
    [
        (at(2026, 11, 23, 7, 0), True),
        (at(2026, 11, 23, 7, 59), True),
        (at(2026, 11, 23, 6, 59), False),
        (at(2026, 11, 23, 8, 0), False),
        (at(2026, 11, 24, 7, 10), False),  # Tuesday
        (at(2026, 11, 22, 7, 10), False),  # Sunday
        # The Monday after the daylight-saving change (1 November 2026): 7:30 in Chicago is
        # 13:30 UTC, where it was 12:30 UTC the Monday before.
        (dt.datetime(2026, 11, 2, 13, 30, tzinfo=dt.UTC), True),
        (dt.datetime(2026, 11, 2, 12, 30, tzinfo=dt.UTC), False),
        (dt.datetime(2026, 10, 26, 12, 30, tzinfo=dt.UTC), True),
    ],
)
def test_it_is_due_on_monday_between_seven_and_eight_local_time(chicago, moment, due):
    assert digest_due(chicago, moment) is due


def test_each_organisation_gets_it_in_its_own_time_zone(chicago, outsider):
    london = outsider.organization  # Europe/London
    assert organizations_due(now=MONDAY_MORNING) == [chicago.pk]
    london_morning = dt.datetime(2026, 11, 23, 7, 10, tzinfo=zoneinfo.ZoneInfo("Europe/London"))
    assert organizations_due(now=london_morning) == [london.pk]


def test_last_week_runs_monday_to_sunday_in_local_time(chicago):
    assert previous_week(chicago, MONDAY_MORNING) == (dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    # Monday 5:30 UTC is still Sunday night in Chicago: last week is the one before.
    early = dt.datetime(2026, 11, 23, 5, 30, tzinfo=dt.UTC)
    assert previous_week(chicago, early) == (dt.date(2026, 11, 9), dt.date(2026, 11, 15))


def test_managers_with_reps_in_their_tree_receive_it(team, admin):
    gone = MembershipFactory(role="manager", is_active=False)
    MembershipFactory(role="rep", reports_to=gone)
    lonely = MembershipFactory(role="manager")
    MembershipFactory(role="rep", reports_to=lonely, is_active=False)
    recipients = digest_recipients()
    # Sam leads reps, and so does Victoria through him; Dana leads support staff only, the
    # admin nobody; a deactivated manager and a manager of a former rep get nothing.
    assert recipients == [team["vp"], team["sam"]]


def test_it_sends_last_weeks_team_figures(team, last_week, settings):
    sam = team["sam"]
    assert digests_send(now=MONDAY_MORNING) == 2
    email = OutboundEmail.objects.get(recipient=sam, category=DIGEST_CATEGORY)
    assert email.subject == "Last week in your team: 4 escalations, 50% solved alone"
    text = email.body_text
    assert "16 Nov to 22 Nov 2026" in text
    assert "Escalations: 4" in text
    assert "Solved alone during the wait: 50%" in text
    assert "Repeated topics: 1" in text
    assert "Could have gone to support: 50%" in text  # the two on a routed topic
    assert "Service detours: 1" in text
    assert "- Riley Rep: 2, 50%" in text
    assert "- Jordan Rep: 2, —" in text
    assert "- Pricing: 2 (next time, call Customer Service)" in text
    assert "1 callback is still open." in text
    report_url = f"{settings.SITE_URL}/{team['sam'].organization.slug}/reports/dependency/"
    assert f"{report_url}?start=2026-11-16&end=2026-11-22" in text
    assert "Stop the weekly digest: " in text
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Riley Rep" in email.body_html
    notice = Notification.objects.get(recipient=sam, category=DIGEST_CATEGORY)
    assert notice.title == email.subject
    assert notice.url.endswith("?start=2026-11-16&end=2026-11-22")


def test_it_is_sent_once_a_week(team, last_week):
    assert digests_send(now=MONDAY_MORNING) == 2
    assert digests_send(now=MONDAY_MORNING + dt.timedelta(minutes=30)) == 0
    assert digests_send(now=MONDAY_MORNING + dt.timedelta(days=1)) == 0  # a late retry
    assert OutboundEmail.objects.filter(category=DIGEST_CATEGORY).count() == 2
    assert digests_send(now=MONDAY_MORNING + dt.timedelta(weeks=1)) == 2  # the next week
    assert OutboundEmail.objects.filter(recipient=team["sam"], category=DIGEST_CATEGORY).count() \
        == 2  # fmt: skip


def test_a_quiet_week_says_so(team):
    digests_send(now=MONDAY_MORNING)
    email = OutboundEmail.objects.get(recipient=team["sam"], category=DIGEST_CATEGORY)
    assert email.subject == "Last week in your team: 0 escalations"
    assert "No callbacks are waiting." in email.body_text


def test_an_unsubscribed_manager_gets_no_email_and_still_only_one_notice(team, last_week):
    email_preference_set(membership=team["sam"], category=DIGEST_CATEGORY, enabled=False)
    digests_send(now=MONDAY_MORNING)
    digests_send(now=MONDAY_MORNING + dt.timedelta(minutes=20))
    assert not OutboundEmail.objects.filter(recipient=team["sam"]).exists()
    assert Notification.objects.filter(recipient=team["sam"], category=DIGEST_CATEGORY).count() == 1
    assert OutboundEmail.objects.filter(recipient=team["vp"], category=DIGEST_CATEGORY).exists()


def test_the_hourly_sweep_sends_where_it_is_monday_morning(chicago, team, last_week, outsider):
    with tenant_context(outsider.organization_id):
        their_rep = MembershipFactory(role="rep", reports_to=outsider)
        Escalation.objects.create(rep=their_rep, manager=outsider, occurred_at=at(2026, 11, 17, 9),
                                  channel="call", urgency="urgent")  # fmt: skip
    with time_machine.travel(MONDAY_MORNING, tick=False), no_tenant():
        assert digests_sweep() == 1  # Chicago; it is 13:10 in London
    # (Re-entered: leaving no_tenant() does not restore the database's tenant setting.)
    with tenant_context(chicago):
        assert OutboundEmail.objects.filter(category=DIGEST_CATEGORY).count() == 2
    with tenant_context(outsider.organization_id):
        assert not OutboundEmail.objects.filter(category=DIGEST_CATEGORY).exists()
    london_morning = dt.datetime(2026, 11, 23, 7, 10, tzinfo=zoneinfo.ZoneInfo("Europe/London"))
    with time_machine.travel(london_morning, tick=False), no_tenant():
        assert digests_sweep() == 1
    with tenant_context(outsider.organization_id):
        (theirs,) = OutboundEmail.objects.filter(category=DIGEST_CATEGORY)
        assert theirs.recipient_id == outsider.pk
        assert "Escalations: 1" in theirs.body_text
    with tenant_context(chicago):
        assert OutboundEmail.objects.filter(category=DIGEST_CATEGORY).count() == 2


def test_the_task_stays_in_its_organisation(chicago, team, last_week):
    other = OrganizationFactory(time_zone="America/Chicago")
    with time_machine.travel(MONDAY_MORNING, tick=False), no_tenant():
        assert send_digests(organization_id=other.pk) == 0
        assert send_digests(organization_id=chicago.pk) == 2
    with tenant_context(chicago):
        assert OutboundEmail.objects.filter(category=DIGEST_CATEGORY).count() == 2
    with tenant_context(other):
        assert not OutboundEmail.objects.exists()


def test_beat_asks_every_hour_and_prunes_every_day(db, outsider):
    from celery.schedules import crontab

    from salesculture.celery import app

    schedule = app.conf.beat_schedule
    digests, retention = schedule["dependency-digests"], schedule["dependency-retention"]
    assert digests["task"] == digests_sweep.name
    assert retention["task"] == "dependency.retention_sweep"
    assert {digests["task"], retention["task"]} <= set(app.tasks)
    # Once an hour, so every time zone's 7:00-8:00 (also at :30 or :45 offsets) has one run.
    assert digests["schedule"] == crontab(minute=2)
    assert retention["schedule"] == crontab(hour=2, minute=41)
