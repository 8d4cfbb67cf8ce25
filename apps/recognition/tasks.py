"""Thin tasks of recognition."""

from celery import shared_task

from apps.core.tasks import TenantTask, enqueue_for_each_organization
from apps.recognition.nudges import recognition_nudges_send


@shared_task(name="recognition.nudges", base=TenantTask, time_limit=600, soft_time_limit=540)
def recognition_nudges(*, organization_id: int) -> int:
    return recognition_nudges_send()


@shared_task(name="recognition.nudges_sweep", time_limit=120, soft_time_limit=108)
def recognition_nudges_sweep() -> int:
    """Weekly, global: one nudge task per organisation."""
    return enqueue_for_each_organization(recognition_nudges)
