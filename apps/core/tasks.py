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
