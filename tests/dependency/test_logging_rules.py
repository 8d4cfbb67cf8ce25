"""Who may log an escalation for whom (design.md's permission table), and bad input."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.dependency.models import Escalation
from apps.dependency.services import escalation_log
from apps.tenancy.services import membership_deactivate
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(org):
    director = MembershipFactory(role="manager")
    manager = MembershipFactory(role="manager", reports_to=director)
    rep = MembershipFactory(role="rep", reports_to=manager)
    other_rep = MembershipFactory(role="rep", reports_to=MembershipFactory(role="manager"))
    return director, manager, rep, other_rep


def _log(actor, rep, **kwargs):
    return escalation_log(actor=actor, rep=rep, channel="call", urgency="routine", **kwargs)


def test_a_rep_logs_their_own_escalation_to_their_manager(tree):
    _director, manager, rep, _other = tree
    assert _log(rep, rep).manager == manager


def test_a_rep_cannot_log_for_a_colleague(tree):
    _director, _manager, rep, other = tree
    with pytest.raises(ApplicationError, match="own escalations"):
        _log(rep, other)


def test_a_manager_logs_for_anyone_in_their_reporting_tree_only(tree):
    director, manager, rep, other = tree
    assert _log(manager, rep).rep == rep
    assert _log(director, rep).rep == rep  # indirect report
    with pytest.raises(ApplicationError, match="reporting line"):
        _log(manager, other)


def test_an_admin_logs_for_anyone_and_support_staff_for_nobody(tree, admin):
    _director, _manager, rep, other = tree
    assert _log(admin, other).rep == other
    support = MembershipFactory(role="support")
    with pytest.raises(ApplicationError, match="Support staff"):
        _log(support, rep)


def test_bad_input_is_refused_and_nothing_is_written(tree):
    _director, manager, rep, _other = tree
    orphan = MembershipFactory(role="rep")
    with pytest.raises(ApplicationError, match="no manager"):
        _log(orphan, orphan)
    with pytest.raises(ApplicationError, match="future"):
        _log(manager, rep, occurred_at=timezone.now() + dt.timedelta(hours=2))
    with pytest.raises(ApplicationError, match="channel"):
        escalation_log(actor=manager, rep=rep, channel="pigeon", urgency="routine")
    with pytest.raises(ApplicationError, match="two people"):
        _log(manager, rep, manager=rep)
    assert not Escalation.objects.exists()


def test_open_escalations_move_to_the_successor_when_a_manager_leaves(tree, admin):
    director, manager, rep, _other = tree
    escalation = _log(rep, rep)
    membership_deactivate(membership=manager, actor=admin)
    escalation.refresh_from_db()
    assert escalation.manager == director
