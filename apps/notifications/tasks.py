"""Thin tasks: delivery of one outbox row, and the sweep that fans out per organisation."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from apps.core.tasks import TenantTask, enqueue_for_each_organization
from apps.notifications.models import OutboundEmail
from apps.notifications.services import DeliveryResult, outbox_deliver, outbox_due_ids
from apps.tenancy.models import Organization


@shared_task(
    name="notifications.deliver_email",
    base=TenantTask,
    bind=True,
    max_retries=5,
    time_limit=60,
    soft_time_limit=45,
)
def deliver_email(self, *, organization_id: int, email_id: int) -> str:
    result = outbox_deliver(email_id=email_id)
    if result == DeliveryResult.RETRY and self.request.retries < self.max_retries:
        # Back off 30 s, 60 s, 120 s …; the sweep covers anything beyond the cap.
        raise self.retry(countdown=30 * 2**self.request.retries)
    return result


@shared_task(
    name="notifications.outbox_flush", base=TenantTask, time_limit=300, soft_time_limit=270
)
def outbox_flush(*, organization_id: int) -> int:
    """Deliver the organisation's due rows (those whose first dispatch was lost or failed)."""
    sent = 0
    for email_id in outbox_due_ids():
        if outbox_deliver(email_id=email_id) == DeliveryResult.SENT:
            sent += 1
    return sent


@shared_task(name="notifications.outbox_sweep", time_limit=120, soft_time_limit=108)
def outbox_sweep() -> int:
    """Global: one flush task per organisation (Organization is a global table)."""
    return enqueue_for_each_organization(outbox_flush)


@shared_task(name="notifications.outbox_prune", time_limit=600, soft_time_limit=540)
def outbox_prune(*, keep_days: int = 90) -> int:
    """Global maintenance: forget delivered mail after `keep_days`, one organisation at a time."""
    from apps.tenancy.context import tenant_context

    cutoff = timezone.now() - timedelta(days=keep_days)
    deleted = 0
    for organization_id in Organization.objects.values_list("id", flat=True):
        with tenant_context(organization_id):
            count, _ = OutboundEmail.objects.filter(
                status=OutboundEmail.Status.SENT, sent_at__lt=cutoff
            ).delete()
            deleted += count
    return deleted
