"""Retention: escalation records are employee-monitoring data. Each organisation sets how long
they are kept (`escalation_retention_months`, default 24); a daily job deletes older
escalations, their change history and service detours, by when they happened."""

import datetime as dt
from dataclasses import astuple, dataclass

from django.utils import timezone

from apps.dependency.models import Escalation, EscalationChange, ServiceDetour
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Organization

BATCH_SIZE = 2000


@dataclass(frozen=True)
class Pruned:
    escalations: int = 0
    changes: int = 0
    detours: int = 0


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time `months` calendar months earlier (the month's last day when that
    day does not exist, as 31 March → 28 or 29 February)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - dt.timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def retention_cutoff(organization: Organization, now: dt.datetime) -> dt.datetime:
    return months_before(now, organization.escalation_retention_months)


def escalations_prune(
    *, organization_id: int, now: dt.datetime | None = None, batch_size: int = BATCH_SIZE
) -> Pruned:
    """Delete the organisation's escalations (with their history) and service detours that
    happened before its retention period. Each batch is its own transaction in the tenant's
    context, so a first run over years of rows commits as it goes and never holds one huge
    delete; safe to run twice (the second finds nothing)."""
    now = now or timezone.now()
    with tenant_context(organization_id):
        cutoff = retention_cutoff(Organization.objects.get(pk=organization_id), now)
    total = Pruned()
    while True:
        with tenant_context(organization_id):
            batch = _prune_batch(cutoff, batch_size)
        total = Pruned(*(a + b for a, b in zip(astuple(total), astuple(batch), strict=True)))
        if batch == Pruned():
            return total


def _prune_batch(cutoff: dt.datetime, batch_size: int) -> Pruned:
    escalation_ids = list(
        Escalation.objects.filter(occurred_at__lt=cutoff)
        .order_by("occurred_at", "id")
        .values_list("id", flat=True)[:batch_size]
    )
    changes = escalations = 0
    if escalation_ids:
        changes = EscalationChange.objects.filter(escalation_id__in=escalation_ids).delete()[0]
        escalations = Escalation.objects.filter(pk__in=escalation_ids).delete()[0]
    detour_ids = list(
        ServiceDetour.objects.filter(occurred_at__lt=cutoff)
        .order_by("occurred_at", "id")
        .values_list("id", flat=True)[:batch_size]
    )
    detours = ServiceDetour.objects.filter(pk__in=detour_ids).delete()[0] if detour_ids else 0
    return Pruned(escalations=escalations, changes=changes, detours=detours)
