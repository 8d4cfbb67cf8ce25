"""The current organisation: a context variable, entered for a whole request, task or script.

A `ContextVar` (not a thread-local) so that threads and async tasks never inherit a stale tenant.
On PostgreSQL the context also sets the transaction-local `app.org_id`, which the row-level
security policies read; being transaction-local, it cannot leak through a connection pool.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connections, transaction

_current_organization_id: ContextVar[int | None] = ContextVar(
    "current_organization_id", default=None
)

RLS_SETTING = "app.org_id"


class NoTenantSelected(RuntimeError):
    """A tenant-owned table was queried with no organisation selected (fail closed)."""


class TenantMismatch(RuntimeError):
    """A row or query belongs to another organisation than the one selected."""


def current_organization_id() -> int | None:
    return _current_organization_id.get()


def require_organization_id() -> int:
    organization_id = _current_organization_id.get()
    if organization_id is None:
        raise NoTenantSelected(
            "No organisation is selected: enter tenant_context() before querying tenant data."
        )
    return organization_id


def _set_database_setting(organization_id: int | None, using: str) -> None:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config(%s, %s, true)",
            [RLS_SETTING, "" if organization_id is None else str(organization_id)],
        )


@contextmanager
def tenant_context(organization, *, using: str = "default") -> Iterator[None]:
    """Run the block as `organization` (an Organization or its id), in one transaction.

    Nested contexts restore the outer organisation on exit, in Python and in the database:
    releasing a savepoint keeps the inner `set_config`, so it is reset explicitly.
    """
    organization_id = organization if isinstance(organization, int) else organization.pk
    if organization_id is None:
        raise NoTenantSelected("tenant_context() needs a saved organisation.")
    previous = _current_organization_id.get()
    token = _current_organization_id.set(organization_id)
    # The outermost block is a whole transaction: its local setting ends with it, so resetting
    # it would be one more round trip on every request for nothing.
    outermost = not connections[using].in_atomic_block
    try:
        with transaction.atomic(using=using):
            _set_database_setting(organization_id, using)
            try:
                yield
            finally:
                if not outermost and not connections[using].needs_rollback:
                    _set_database_setting(previous, using)
    finally:
        _current_organization_id.reset(token)


@contextmanager
def no_tenant(*, using: str = "default") -> Iterator[None]:
    """Leave any current organisation for the block (global work such as a periodic fan-out).

    Inside an outer tenant transaction, the database setting is put back on exit too: a
    tenant context entered in the block resets it to "none" when it ends.
    """
    previous = _current_organization_id.get()
    token = _current_organization_id.set(None)
    try:
        yield
    finally:
        _current_organization_id.reset(token)
        connection = connections[using]
        if previous is not None and connection.in_atomic_block and not connection.needs_rollback:
            _set_database_setting(previous, using)
