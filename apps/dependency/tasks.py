"""Thin tasks of the dependency tracker."""

from celery import shared_task
from django.db import OperationalError

from apps.core.tasks import TenantTask, enqueue_for_each_organization
from apps.dependency.digest import digests_send, organizations_due
from apps.dependency.imports import IMPORT_STOPPED, call_import_fail, call_import_run
from apps.dependency.retention import escalations_prune
from apps.dependency.services import callbacks_remind


@shared_task(
    name="dependency.callbacks_remind", base=TenantTask, time_limit=120, soft_time_limit=108
)
def remind_callbacks(*, organization_id: int) -> int:
    return callbacks_remind()


@shared_task(name="dependency.callbacks_sweep", time_limit=60, soft_time_limit=50)
def callbacks_sweep() -> int:
    """Every minute, global: one reminder task per organisation."""
    return enqueue_for_each_organization(remind_callbacks)


@shared_task(
    name="dependency.call_import_run",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=3,
    time_limit=3600,
    soft_time_limit=3540,
)
def run_call_import(self, *, organization_id: int, import_id: int) -> str:
    """Import an uploaded call log.

    Not a `TenantTask`: that one holds a single tenant context (one transaction) for the whole
    body, and an import must commit its progress batch by batch. The service enters the
    organisation's context itself, once per batch. A lost database connection is retried with
    backoff (the import resumes after its last committed batch); anything else, or the last
    retry, ends the import with a message on its page.
    """
    if not isinstance(organization_id, int) or not isinstance(import_id, int):
        raise TypeError(f"{self.name} needs integer organization_id and import_id arguments.")
    try:
        return call_import_run(organization_id=organization_id, import_id=import_id)
    except OperationalError as error:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=error, countdown=30 * 2**self.request.retries) from error
        call_import_fail(
            organization_id=organization_id, import_id=import_id, message=IMPORT_STOPPED
        )
        raise
    except Exception:
        call_import_fail(
            organization_id=organization_id, import_id=import_id, message=IMPORT_STOPPED
        )
        raise


@shared_task(name="dependency.digests_send", base=TenantTask, time_limit=600, soft_time_limit=540)
def send_digests(*, organization_id: int) -> int:
    return digests_send()


@shared_task(name="dependency.digests_sweep", time_limit=60, soft_time_limit=50)
def digests_sweep() -> int:
    """Every hour, global: the organisations where it is Monday, 7:00 to 8:00, get theirs."""
    organization_ids = organizations_due()
    for organization_id in organization_ids:
        send_digests.delay(organization_id=organization_id)
    return len(organization_ids)


@shared_task(
    name="dependency.retention_prune", time_limit=1800, soft_time_limit=1620, acks_late=True,
    reject_on_worker_lost=True,
)  # fmt: skip
def prune_old_records(*, organization_id: int) -> int:
    """Not a TenantTask: the prune enters the organisation's context once per batch, so what
    it deleted is committed as it goes."""
    if not isinstance(organization_id, int):
        raise TypeError("prune_old_records needs an integer organization_id.")
    pruned = escalations_prune(organization_id=organization_id)
    return pruned.escalations + pruned.detours


@shared_task(name="dependency.retention_sweep", time_limit=60, soft_time_limit=50)
def retention_sweep() -> int:
    """Daily, global: one prune task per organisation."""
    return enqueue_for_each_organization(prune_old_records)
