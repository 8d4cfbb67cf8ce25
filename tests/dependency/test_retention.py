"""Retention: escalations (with their history) and service detours older than the
organisation's setting are deleted by a daily job, one organisation at a time."""

import datetime as dt

import pytest
import time_machine

from apps.dependency.models import Escalation, EscalationChange, ServiceDetour
from apps.dependency.retention import Pruned, escalations_prune, months_before
from apps.dependency.services import escalation_log, escalation_record_outcome
from apps.dependency.tasks import retention_sweep
from apps.tenancy.context import no_tenant, tenant_context
from tests.factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (utc(2026, 11, 23, 12), 24, utc(2024, 11, 23, 12)),
        (utc(2026, 1, 15, 8), 1, utc(2025, 12, 15, 8)),
        (utc(2026, 3, 31), 1, utc(2026, 2, 28)),  # no 31 February: its last day
        (utc(2028, 3, 31), 1, utc(2028, 2, 29)),  # a leap year
        (utc(2026, 12, 1), 12, utc(2025, 12, 1)),
        (utc(2026, 5, 10), 120, utc(2016, 5, 10)),
    ],
)
def test_months_are_calendar_months(moment, months, expected):
    assert months_before(moment, months) == expected


@pytest.fixture
def people(org):
    manager = MembershipFactory(role="manager")
    rep = MembershipFactory(role="rep", reports_to=manager)
    team = TeamFactory(kind="customer_service")
    return manager, rep, team


def _escalation(people, occurred_at):
    manager, rep, _team = people
    escalation = escalation_log(actor=manager, rep=rep, channel="call", urgency="routine",
                                occurred_at=occurred_at)  # fmt: skip
    escalation_record_outcome(escalation=escalation, actor=manager, outcome="solved_alone")
    return escalation


def _detour(people, occurred_at):
    _manager, rep, team = people
    return ServiceDetour.objects.create(rep=rep, occurred_at=occurred_at, kind="repair",
                                        team=team, minutes=10)  # fmt: skip


def test_it_deletes_what_is_older_than_the_retention_and_keeps_the_rest(org, people):
    cutoff = dt.datetime(2024, 11, 23, 12, 0, tzinfo=dt.UTC)  # 24 months before NOW
    old = _escalation(people, cutoff - dt.timedelta(seconds=1))
    kept = _escalation(people, cutoff)
    old_detour = _detour(people, cutoff - dt.timedelta(days=40))
    kept_detour = _detour(people, cutoff + dt.timedelta(days=1))

    pruned = escalations_prune(organization_id=org.pk, now=NOW)

    assert pruned == Pruned(escalations=1, changes=1, detours=1)
    assert list(Escalation.objects.all()) == [kept]
    assert not EscalationChange.objects.filter(escalation_id=old.pk).exists()
    assert EscalationChange.objects.filter(escalation=kept).exists()
    assert list(ServiceDetour.objects.all()) == [kept_detour]
    assert not ServiceDetour.objects.filter(pk=old_detour.pk).exists()
    assert escalations_prune(organization_id=org.pk, now=NOW) == Pruned()  # run twice


def test_the_organisation_sets_how_long(org, people):
    org.escalation_retention_months = 6
    org.save()
    _escalation(people, NOW - dt.timedelta(days=200))
    recent = _escalation(people, NOW - dt.timedelta(days=100))
    assert escalations_prune(organization_id=org.pk, now=NOW).escalations == 1
    assert list(Escalation.objects.all()) == [recent]


def test_it_deletes_in_batches(org, people):
    for days in range(5):
        _escalation(people, NOW - dt.timedelta(days=800 + days))
        _detour(people, NOW - dt.timedelta(days=800 + days))
    pruned = escalations_prune(organization_id=org.pk, now=NOW, batch_size=2)
    assert pruned == Pruned(escalations=5, changes=5, detours=5)
    assert not Escalation.objects.exists()


def test_the_daily_sweep_prunes_each_organisation_by_its_own_setting(org, people, outsider):
    org.escalation_retention_months = 12
    org.save()
    ours = _escalation(people, NOW - dt.timedelta(days=400))
    with tenant_context(outsider.organization_id):
        rep = MembershipFactory(role="rep", reports_to=outsider)
        theirs = escalation_log(actor=outsider, rep=rep, channel="call", urgency="urgent",
                                occurred_at=NOW - dt.timedelta(days=400))  # fmt: skip
    with time_machine.travel(NOW, tick=False), no_tenant():
        assert retention_sweep() == 2
    # (Re-entered: leaving no_tenant() does not restore the database's tenant setting.)
    with tenant_context(org):
        assert not Escalation.objects.filter(pk=ours.pk).exists()
    with tenant_context(outsider.organization_id):
        # Their default of 24 months keeps theirs.
        assert Escalation.objects.filter(pk=theirs.pk).exists()
