"""The tenant-owned base model and its fail-closed manager.

`objects` scopes every query to the current organisation, and raises `NoTenantSelected` when none
is set. The filter is applied when the query runs, not when the queryset is built, so a lazy
queryset built in one organisation cannot be evaluated in another. `all_tenants` is the named
escape hatch for migrations, maintenance commands and periodic fan-outs (see ALL_TENANTS_USERS).
"""

from django.db import models

from apps.tenancy.context import (
    NoTenantSelected,
    TenantMismatch,
    current_organization_id,
    require_organization_id,
)

# Modules allowed to use `Model.all_tenants`; tests/tenancy/test_meta.py enforces the list.
# Nothing needs it yet: periodic jobs list organisations (a global table) and fan out per tenant.
ALL_TENANTS_USERS = frozenset({"apps/tenancy/managers.py"})


class TenantQuerySet(models.QuerySet):
    """A queryset that adds `organization_id = <current>` at evaluation time."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._tenant_scope: int | None = None

    def _clone(self):
        clone = super()._clone()
        clone._tenant_scope = self._tenant_scope
        return clone

    def _scope(self) -> None:
        organization_id = require_organization_id()
        if self._tenant_scope is None:
            self.query.add_q(models.Q(organization_id=organization_id))
            self._tenant_scope = organization_id
        elif self._tenant_scope != organization_id:
            raise TenantMismatch(
                "This queryset was scoped to another organisation than the current one."
            )

    def _fetch_all(self):
        if self._result_cache is None:
            self._scope()
        super()._fetch_all()

    def iterator(self, *args, **kwargs):
        self._scope()
        return super().iterator(*args, **kwargs)

    def count(self):
        if self._result_cache is None:
            self._scope()
        return super().count()

    def exists(self):
        if self._result_cache is None:
            self._scope()
        return super().exists()

    def contains(self, obj):
        self._scope()
        return super().contains(obj)

    def aggregate(self, *args, **kwargs):
        self._scope()
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs):
        self._scope()
        return super().update(**kwargs)

    update.alters_data = True

    def _update(self, *args, **kwargs):
        self._scope()
        return super()._update(*args, **kwargs)

    def delete(self):
        self._scope()
        return super().delete()

    delete.alters_data = True

    def _raw_delete(self, using):
        self._scope()
        return super()._raw_delete(using)

    def explain(self, *args, **kwargs):
        self._scope()
        return super().explain(*args, **kwargs)

    def resolve_expression(self, *args, **kwargs):
        # Used as a subquery (`id__in=queryset`): scope it too.
        self._scope()
        return super().resolve_expression(*args, **kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        organization_id = require_organization_id()
        objs = list(objs)  # may be a generator: read it once, here
        for obj in objs:
            obj.assign_organization(organization_id)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, *args, **kwargs):
        organization_id = require_organization_id()
        objs = list(objs)
        for obj in objs:
            obj.assign_organization(organization_id)
        self._scope()
        return super().bulk_update(objs, *args, **kwargs)


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    """Default manager of every tenant-owned model: scoped, failing closed."""

    def get_queryset(self):
        queryset = super().get_queryset()
        if current_organization_id() is not None:
            # Scope at once when we can: querysets turned into raw `Subquery` expressions never
            # pass through the evaluation hooks, so they must already carry the filter.
            queryset._scope()
        return queryset


class TenantOwned(models.Model):
    """Every tenant-owned model inherits this: a non-null organisation, scoped managers."""

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # every index leads with the organisation already
        editable=False,
    )

    objects = TenantManager()
    all_tenants = models.Manager()  # noqa: DJ012 - ruff reads a second manager as a field

    class Meta:
        abstract = True
        base_manager_name = "objects"

    def save(self, *args, **kwargs):
        organization_id = current_organization_id()
        if organization_id is None:
            raise NoTenantSelected(f"Saving a {type(self).__name__} needs a current organisation.")
        self.assign_organization(organization_id)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        organization_id = require_organization_id()
        if self.organization_id != organization_id:
            raise TenantMismatch("Cannot delete another organisation's row.")
        return super().delete(*args, **kwargs)

    def assign_organization(self, organization_id: int) -> None:
        if self.organization_id is None:
            self.organization_id = organization_id
        elif self.organization_id != organization_id:
            raise TenantMismatch(
                f"{type(self).__name__} belongs to organisation {self.organization_id}, "
                f"not to the current organisation {organization_id}."
            )
