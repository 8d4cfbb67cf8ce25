"""The dependency tracker's demo data: months of history, callbacks due now with their
reminders (no Redis needed), seeded once, and only into each demo organisation."""

import datetime as dt
import random

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.dependency.demo import seed
from apps.dependency.models import Escalation, EscalationChange, ServiceDetour, Topic
from apps.dependency.reports import dependency_report
from apps.dependency.selectors import overdue_callbacks
from apps.dependency.services import repeats_recent_topic
from apps.notifications.models import Notification
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Membership, Organization
from tests.factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db, outsider):
    call_command("seed_demo", quiet=True)
    return Organization.objects.get(slug="northwind")


def test_the_demo_has_months_of_escalations_with_every_outcome(demo):
    with tenant_context(demo):
        assert Escalation.objects.count() > 200
        oldest = Escalation.objects.order_by("occurred_at").first().occurred_at
        assert timezone.now() - oldest > dt.timedelta(days=170)
        outcomes = set(Escalation.objects.values_list("outcome", flat=True))
        assert outcomes == {"", "solved_alone", "manager_solved", "redirected", "unresolved"}
        assert set(Escalation.objects.values_list("urgency", flat=True)) == {"urgent", "routine"}
        assert Escalation.objects.filter(manager_minutes__isnull=False).count() > 100
        assert Escalation.objects.filter(redirected_to_member__isnull=False).exists()
        assert ServiceDetour.objects.count() >= 4
        assert Topic.objects.filter(name="Pricing and quotes").exists()
        # Each answered escalation carries its line of history, dated when it was answered.
        answered = Escalation.objects.exclude(outcome="").order_by("occurred_at").first()
        change = EscalationChange.objects.get(escalation=answered)
        assert change.created_at == answered.outcome_recorded_at
        assert not Escalation.objects.filter(occurred_at__gt=timezone.now()).exists()
        assert set(Escalation.objects.values_list("rep__role", flat=True)) == {"rep"}


def test_the_repeat_flags_follow_the_rule(demo):
    with tenant_context(demo):
        sample = Escalation.objects.order_by("?")[:40]
        for escalation in sample:
            assert escalation.repeats_topic == repeats_recent_topic(escalation), escalation.pk


def test_the_manager_has_reminders_and_callbacks_due_right_away(demo):
    with tenant_context(demo):
        sam = Membership.objects.get(user__email="sam@demo.salesculture.test")
        reminders = Notification.objects.filter(recipient=sam, category="callbacks")
        assert reminders.count() == 2
        assert all("/callback/" in notice.url for notice in reminders)
        due = overdue_callbacks(viewer=sam, now=timezone.now())
        assert due.count() == 4  # the two reminded just now, and two left from last week
        nearly = Escalation.objects.filter(callback_due_at__gt=timezone.now(), outcome="")
        assert nearly.count() == 1
        assert nearly.get().callback_reminded_at is None


def test_the_report_tells_each_reps_story(demo):
    with tenant_context(demo):
        sam = Membership.objects.get(user__email="sam@demo.salesculture.test")
        today = timezone.localdate()
        report = dependency_report(viewer=sam, start=today - dt.timedelta(days=89), end=today)
        by_name = {row.member.display_name: row.figures for row in report.reps}
        assert set(by_name) == {"Riley Chen", "Jordan Blake", "Priya Natarajan", "Marcus Bell"}
        # Jordan calls about everything; Priya mostly solves it alone.
        assert by_name["Jordan Blake"].escalations > by_name["Priya Natarajan"].escalations
        assert (by_name["Priya Natarajan"].self_resolution_rate
                > by_name["Jordan Blake"].self_resolution_rate)  # fmt: skip
        assert report.totals.detours > 0


def test_seeding_again_adds_nothing(demo):
    with tenant_context(demo):
        counts = (Escalation.objects.count(), ServiceDetour.objects.count(),
                  Notification.objects.filter(category="callbacks").count())  # fmt: skip
    call_command("seed_demo", quiet=True)
    with tenant_context(demo):
        assert counts == (
            Escalation.objects.count(),
            ServiceDetour.objects.count(),
            Notification.objects.filter(category="callbacks").count(),
        )


def test_each_organisation_gets_its_own_and_the_outsider_none(demo, outsider):
    harbor = Organization.objects.get(slug="harbor")
    with tenant_context(harbor):
        people = set(Membership.objects.values_list("id", flat=True))
        assert Escalation.objects.exists()
        rows = Escalation.objects.values_list("rep_id", "manager_id")
        assert {member for row in rows for member in row} <= people
    with tenant_context(outsider.organization_id):
        assert not Escalation.objects.exists()
        assert not ServiceDetour.objects.exists()


def test_a_small_organisation_without_support_teams_still_seeds(org):
    manager = MembershipFactory(role="manager")
    rep = MembershipFactory(role="rep", reports_to=manager)
    seed(org, {"rep": rep, "sales_manager": manager}, random.Random(7))
    assert Escalation.objects.filter(rep=rep).count() > 20
    assert not ServiceDetour.objects.exists()  # no support team to have gone to
    assert Notification.objects.filter(recipient=manager, category="callbacks").count() == 2


def test_nothing_is_seeded_without_reps(org):
    TeamFactory(kind="customer_service")
    seed(org, {"sales_manager": MembershipFactory(role="manager")}, random.Random(7))
    assert not Escalation.objects.exists()
    assert Topic.objects.exists()  # the starting topics still are
