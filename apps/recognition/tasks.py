"""Thin tasks of recognition."""

from celery import shared_task

from apps.core.tasks import TenantTask
from apps.recognition.nudges import recognition_nudges_send
from apps.tenancy.models import Organization


@shared_task(name="recognition.nudges", base=TenantTask, time_limit=600, soft_time_limit=540)
def recognition_nudges(*, organization_id: int) -> int:
    return recognition_nudges_send()


@shared_task(name="recognition.nudges_sweep", time_limit=120, soft_time_limit=108)
def recognition_nudges_sweep() -> int:
    """Weekly, global: one nudge task per organisation."""
    organization_ids = list(Organization.objects.values_list("id", flat=True))
    for organization_id in organization_ids:
        recognition_nudges.delay(organization_id=organization_id)
    return len(organization_ids)
