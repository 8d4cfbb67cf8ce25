"""Thin tasks of the dependency tracker."""

from celery import shared_task

from apps.core.tasks import TenantTask
from apps.dependency.services import callbacks_remind
from apps.tenancy.models import Organization


@shared_task(name="dependency.callbacks_remind", base=TenantTask, time_limit=120)
def remind_callbacks(*, organization_id: int) -> int:
    return callbacks_remind()


@shared_task(name="dependency.callbacks_sweep", time_limit=60)
def callbacks_sweep() -> int:
    """Every minute, global: one reminder task per organisation."""
    organization_ids = list(Organization.objects.values_list("id", flat=True))
    for organization_id in organization_ids:
        remind_callbacks.delay(organization_id=organization_id)
    return len(organization_ids)
