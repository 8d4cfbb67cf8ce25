"""The base class of tenant tasks: an explicit organisation, entered for the whole body."""

from celery import Task

from apps.tenancy.context import tenant_context


class TenantTask(Task):
    """A task that runs inside `tenant_context(organization_id)`.

    The organisation is an explicit keyword argument, never inherited from whoever enqueued the
    task, so a worker cannot run one tenant's work in another's context.
    """

    abstract = True
    acks_late = True
    reject_on_worker_lost = True

    def __call__(self, *args, **kwargs):
        organization_id = kwargs.get("organization_id")
        if not isinstance(organization_id, int):
            raise TypeError(f"{self.name} needs an integer organization_id keyword argument.")
        with tenant_context(organization_id):
            return super().__call__(*args, **kwargs)


def enqueue_for_each_organization(task) -> int:
    """The periodic fan-out: one `task` per organisation, each run in its own tenant context.

    Organization is a global table, so no tenant context is needed to list them.
    """
    from apps.tenancy.models import Organization

    organization_ids = list(Organization.objects.values_list("id", flat=True))
    for organization_id in organization_ids:
        task.delay(organization_id=organization_id)
    return len(organization_ids)
