"""The let-it-ring callback: when it falls due, and the scanner that reminds the manager."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse

from apps.dependency.models import Escalation, EscalationChange
from apps.dependency.services import (
    callback_due_at,
    callbacks_remind,
    escalation_log,
    escalation_record_outcome,
)
from apps.notifications.models import Notification, OutboundEmail
from apps.tenancy.context import tenant_context
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


@pytest.fixture
def chicago(org):
    org.time_zone = "America/Chicago"
    org.callback_delay_minutes = 60
    org.save()
    return org


@pytest.fixture
def team(chicago):
    manager = MembershipFactory(role="manager", user__full_name="Sam Manager")
    rep = MembershipFactory(role="rep", reports_to=manager, user__full_name="Riley Rep")
    return manager, rep


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CHICAGO)


@pytest.mark.parametrize(
    ("occurred", "due"),
    [
        (at(2026, 11, 18, 10, 0), at(2026, 11, 18, 11, 0)),  # Wednesday morning: an hour later
        (at(2026, 11, 18, 16, 30), at(2026, 11, 19, 8, 0)),  # due after 17:00: next morning
        (at(2026, 11, 20, 16, 45), at(2026, 11, 23, 8, 0)),  # Friday evening: Monday 8:00
        (at(2026, 11, 21, 10, 0), at(2026, 11, 23, 8, 0)),  # Saturday: Monday
        (at(2026, 11, 18, 6, 0), at(2026, 11, 18, 8, 0)),  # 7:00 is before opening: 8:00
        # Across the daylight-saving change (1 Nov 2026, 2:00 in Chicago): Saturday 31 Oct
        # → Monday 2 Nov at 8:00 local, which is 14:00 UTC (it was 13:00 UTC the week before).
        (at(2026, 10, 31, 12, 0), at(2026, 11, 2, 8, 0)),
    ],
)
def test_a_routine_callback_falls_due_after_the_delay_within_working_hours(chicago, occurred, due):
    assert callback_due_at(chicago, occurred) == due


def test_the_organisation_sets_the_delay_and_working_days(chicago):
    chicago.callback_delay_minutes = 30
    chicago.work_days = "123456"  # Saturdays too
    assert callback_due_at(chicago, at(2026, 11, 21, 10, 0)) == at(2026, 11, 21, 10, 30)


def test_an_urgent_escalation_is_handled_now_and_gets_no_callback(team):
    manager, rep = team
    escalation = escalation_log(actor=manager, rep=rep, channel="call", urgency="urgent")
    assert escalation.callback_due_at is None
    assert escalation.manager == manager


def test_changing_the_delay_affects_new_escalations_only(team, chicago):
    _manager, rep = team
    first = escalation_log(
        actor=rep, rep=rep, channel="text", urgency="routine",
        occurred_at=at(2026, 11, 18, 9, 0),
    )  # fmt: skip
    chicago.callback_delay_minutes = 120
    chicago.save()
    second = escalation_log(
        actor=rep, rep=rep, channel="text", urgency="routine",
        occurred_at=at(2026, 11, 18, 9, 0),
    )  # fmt: skip
    first.refresh_from_db()
    assert first.callback_due_at == at(2026, 11, 18, 10, 0)
    assert second.callback_due_at == at(2026, 11, 18, 11, 0)


def _routine(team, when):
    manager, rep = team
    return escalation_log(actor=manager, rep=rep, channel="call", urgency="routine",
                          occurred_at=when)  # fmt: skip


def test_the_scanner_reminds_due_callbacks_once(team):
    manager, _rep = team
    due = _routine(team, at(2026, 11, 18, 9, 0))  # due 10:00
    later = _routine(team, at(2026, 11, 18, 9, 50))  # due 10:50
    assert callbacks_remind(now=at(2026, 11, 18, 10, 1)) == 1
    assert callbacks_remind(now=at(2026, 11, 18, 10, 2)) == 0  # run twice: one reminder
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.callback_reminded_at is not None
    assert later.callback_reminded_at is None
    notice = Notification.objects.get(recipient=manager, category="callbacks")
    assert "Riley Rep" in notice.title
    assert notice.url.endswith(f"/escalations/{due.pk}/callback/")
    assert OutboundEmail.objects.filter(recipient=manager, category="callbacks").count() == 1


def test_answered_or_urgent_escalations_are_never_reminded(team):
    manager, rep = team
    answered = _routine(team, at(2026, 11, 18, 9, 0))
    escalation_record_outcome(escalation=answered, actor=manager, outcome="solved_alone")
    escalation_log(actor=manager, rep=rep, channel="call", urgency="urgent",
                   occurred_at=at(2026, 11, 18, 9, 0))  # fmt: skip
    assert callbacks_remind(now=at(2026, 11, 18, 12, 0)) == 0


def test_a_callback_due_outside_hours_waits_for_the_morning(team):
    _routine(team, at(2026, 11, 18, 16, 30))  # due next day 8:00
    assert callbacks_remind(now=at(2026, 11, 18, 23, 0)) == 0
    assert callbacks_remind(now=at(2026, 11, 19, 8, 0)) == 1


def test_the_reminder_link_shows_a_page_and_only_its_button_records(team, org, client_for):
    manager, _rep = team
    escalation = _routine(team, at(2026, 11, 18, 9, 0))
    url = reverse(
        "escalation_callback", kwargs={"org_slug": org.slug, "escalation_id": escalation.pk}
    )
    client = client_for(manager)
    page = client.get(url)
    assert page.status_code == 200
    escalation.refresh_from_db()
    assert escalation.outcome == ""  # a link alone never changes data
    response = client.post(url, {"outcome": "solved_alone", "manager_minutes": "3"})
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert escalation.outcome == "solved_alone"
    assert escalation.manager_minutes == 3
    change = EscalationChange.objects.get(escalation=escalation)
    assert change.changed_by == manager
    assert change.changes["outcome"] == ["", "solved_alone"]


def test_redirected_needs_a_target_and_bad_minutes_are_refused(team, org, client_for):
    manager, _rep = team
    escalation = _routine(team, at(2026, 11, 18, 9, 0))
    url = reverse(
        "escalation_callback", kwargs={"org_slug": org.slug, "escalation_id": escalation.pk}
    )
    client = client_for(manager)
    redirected = client.post(url, {"outcome": "redirected"})
    assert "Say who it was redirected to" in redirected.content.decode()
    minutes = client.post(url, {"outcome": "solved_alone", "manager_minutes": "-5"})
    assert minutes.status_code == 200
    escalation.refresh_from_db()
    assert escalation.outcome == ""


@pytest.mark.parametrize("role", ["rep", "support", "manager"])
def test_only_those_concerned_open_the_callback_page(team, org, client_for, role):
    escalation = _routine(team, at(2026, 11, 18, 9, 0))
    stranger = MembershipFactory(role=role)
    url = reverse(
        "escalation_callback", kwargs={"org_slug": org.slug, "escalation_id": escalation.pk}
    )
    assert client_for(stranger).get(url).status_code == 404


def test_the_outsider_cannot_see_or_answer_our_callbacks(team, org, outsider, client_for):
    escalation = _routine(team, at(2026, 11, 18, 9, 0))
    url = reverse(
        "escalation_callback",
        kwargs={"org_slug": outsider.organization.slug, "escalation_id": escalation.pk},
    )
    assert client_for(outsider).post(url, {"outcome": "solved_alone"}).status_code == 404
    with tenant_context(outsider.organization_id):
        assert callbacks_remind(now=at(2026, 11, 19, 12, 0)) == 0
    assert Escalation.objects.get(pk=escalation.pk).outcome == ""
