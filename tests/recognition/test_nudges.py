"""The weekly reminder: who gets it, what it suggests, and that it is sent once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.notifications.models import Notification, OutboundEmail
from apps.notifications.services import email_preference_set
from apps.recognition.nudges import recognition_nudges_send
from apps.recognition.tasks import recognition_nudges
from apps.tenancy.context import no_tenant, tenant_context
from apps.tenancy.models import Membership
from tests.factories import MembershipFactory, TeamFactory, send_kudos

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - timedelta(days=90)


@pytest.fixture
def team(org):
    return TeamFactory(name="Customer Service", kind="customer_service")


def _member(**kwargs):
    member = MembershipFactory(**kwargs)
    Membership.objects.filter(pk=member.pk).update(joined_at=LONG_AGO)
    member.refresh_from_db()
    return member


def _nudged():
    return set(
        OutboundEmail.objects.filter(category="nudges").values_list("recipient_id", flat=True)
    )


def test_it_reminds_those_who_thanked_nobody_lately_and_suggests_quiet_helpers(org, team):
    quiet_rep = _member(role="rep")
    grateful_rep = _member(role="rep")
    helper = _member(role="support", team=team, user__full_name="Quiet Helper")
    send_kudos(grateful_rep, [helper])
    assert recognition_nudges_send() >= 1
    assert quiet_rep.pk in _nudged()
    assert grateful_rep.pk not in _nudged()
    email = OutboundEmail.objects.get(recipient=quiet_rep, category="nudges")
    assert "Quiet Helper" in email.body_text
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Notification.objects.filter(recipient=quiet_rep, category="nudges").exists()


def test_it_suggests_people_they_thanked_before(org, team):
    rep = _member(role="rep")
    old_friend = _member(role="support", user__full_name="Old Friend")
    kudos = send_kudos(rep, [old_friend])
    kudos.__class__.objects.filter(pk=kudos.pk).update(created_at=LONG_AGO)
    kudos.recipient_links.update(created_at=LONG_AGO)
    recognition_nudges_send()
    assert "Old Friend" in OutboundEmail.objects.get(recipient=rep).body_text


def test_running_twice_reminds_once(org):
    rep = _member(role="rep")
    recognition_nudges_send()
    recognition_nudges_send()
    assert OutboundEmail.objects.filter(recipient=rep, category="nudges").count() == 1


def test_newcomers_and_opted_out_members_are_left_alone(org):
    MembershipFactory(role="rep")  # joined today
    opted_out = _member(role="rep")
    email_preference_set(membership=opted_out, category="nudges", enabled=False)
    recognition_nudges_send()
    assert _nudged() == set()


def test_the_organisation_sets_the_quiet_period(org):
    rep = _member(role="rep")
    helper = _member(role="support")
    kudos = send_kudos(rep, [helper])
    kudos.__class__.objects.filter(pk=kudos.pk).update(
        created_at=timezone.now() - timedelta(days=20)
    )
    org.nudge_after_days = 14
    org.save()
    recognition_nudges_send()
    assert rep.pk in _nudged()


def test_the_task_runs_per_organisation_and_never_crosses_over(org, outsider):
    _member(role="rep")
    with no_tenant():
        recognition_nudges(organization_id=outsider.organization_id)
    with tenant_context(outsider.organization_id):
        assert (
            not OutboundEmail.objects.filter(category="nudges")
            .exclude(recipient__organization_id=outsider.organization_id)
            .exists()
        )
    assert _nudged() == set()


def test_it_suggests_the_person_an_escalation_was_redirected_to_first(org, team):
    from apps.dependency.services import escalation_log, escalation_record_outcome

    manager = _member(role="manager")
    rep = _member(role="rep", reports_to=manager)
    fixer = _member(role="support", user__full_name="Redirect Fixer")
    escalation = escalation_log(actor=rep, rep=rep, channel="call", urgency="routine")
    escalation_record_outcome(
        escalation=escalation, actor=manager, outcome="redirected", redirected_to_member=fixer
    )
    recognition_nudges_send()
    body = OutboundEmail.objects.get(recipient=rep, category="nudges").body_text
    assert "Redirect Fixer" in body.split("People you could thank:")[1].splitlines()[1]
