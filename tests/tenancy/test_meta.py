"""Guards on the schema itself: a new model or index cannot silently break the tenancy rules."""

import pathlib
import re

import pytest
from django.apps import apps
from django.db import connection, models

from apps.tenancy.managers import ALL_TENANTS_USERS, TenantManager, TenantOwned

pytestmark = pytest.mark.django_db

# Global tables: read before an organisation is known, or Django's own.
GLOBAL_MODELS = {
    "tenancy.organization",
    "tenancy.userorganization",
    "tenancy.globalroute",
    "accounts.user",
    "auth.permission",
    "auth.group",
    "auth.group_permissions",
    "auth.permission_groups",
    "contenttypes.contenttype",
    "sessions.session",
    "admin.logentry",
    "accounts.user_groups",
    "accounts.user_user_permissions",
    # Hash of a customer's address and a day: throttles confirmation e-mail across organisations.
    "recognition.customeremailthrottle",
    # Lockout and rate-limit counters: some count before any organisation is known (failed
    # logins, unknown tokens); tenant counters name their organisation in the key
    # (tests/security/test_tenant_keys.py).
    "core.counter",
    # Bare counters per organisation and area, bumped by triggers for every organisation of a
    # renamed user; no row says anything about the organisation's data.
    "core.contentversion",
}


def project_models():
    return list(apps.get_models(include_auto_created=True))


def tenant_models():
    return [model for model in apps.get_models() if issubclass(model, TenantOwned)]


def test_it_knows_every_model_as_tenant_owned_or_global():
    unknown = [
        model._meta.label_lower
        for model in project_models()
        if not issubclass(model, TenantOwned) and model._meta.label_lower not in GLOBAL_MODELS
    ]
    assert unknown == [], "Make these TenantOwned or add them to GLOBAL_MODELS with a reason"


@pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.label_lower)
def test_tenant_models_scope_every_manager_that_django_uses(model):
    assert isinstance(model._default_manager, TenantManager)
    assert isinstance(model._base_manager, TenantManager)  # related-object access too


@pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.label_lower)
def test_tenant_models_lead_every_key_with_the_organisation(model):
    meta = model._meta
    for constraint in meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            assert constraint.fields[0] == "organization", constraint.name
    for index in meta.indexes:
        fields = [name.lstrip("-") for name in index.fields]
        assert fields[0] == "organization", index.name
    for field in meta.get_fields():
        if getattr(field, "concrete", False) and not field.primary_key:
            assert not field.unique, f"{field.name}: unique alone; lead with organization"
            if field.is_relation and field.many_to_one:
                assert not field.db_index, f"{field.name}: set db_index=False, index with org"
        if field.many_to_many and not field.auto_created:
            through = field.remote_field.through
            assert issubclass(through, TenantOwned), f"{field.name}: through model needs org"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level security is PostgreSQL's")
@pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.label_lower)
def test_every_tenant_table_has_forced_row_level_security(model):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = %s",
            [model._meta.db_table],
        )
        assert cursor.fetchone() == (True, True)
        cursor.execute(
            "SELECT count(*) FROM pg_policies WHERE tablename = %s", [model._meta.db_table]
        )
        assert cursor.fetchone()[0] >= 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="roles are PostgreSQL's")
def test_the_application_runs_as_a_role_that_cannot_bypass_security():
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False, False)
        cursor.execute(
            "SELECT count(*) FROM pg_tables"
            " WHERE schemaname = 'public' AND tableowner = current_user"
        )
        assert cursor.fetchone()[0] == 0, "the application role must not own tables"


def test_only_listed_modules_use_the_all_tenants_escape_hatch():
    root = pathlib.Path(__file__).resolve().parents[2]
    users = {
        str(path.relative_to(root))
        for path in (root / "apps").rglob("*.py")
        if "migrations" not in path.parts and re.search(r"\.all_tenants\b", path.read_text())
    }
    assert users <= ALL_TENANTS_USERS


def _tenant_foreign_keys():
    for model in tenant_models():
        for field in model._meta.concrete_fields:
            if (
                field.is_relation
                and field.name != "organization"
                and issubclass(field.related_model, TenantOwned)
            ):
                yield model, field


@pytest.mark.skipif(connection.vendor != "postgresql", reason="composite keys are checked in SQL")
@pytest.mark.parametrize(
    ("model", "field"),
    list(_tenant_foreign_keys()),
    ids=[f"{m._meta.label_lower}.{f.name}" for m, f in _tenant_foreign_keys()],
)
def test_parent_and_child_rows_must_share_the_organisation(model, field):
    from apps.tenancy.rls import tenant_fk_name

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = %s",
            [tenant_fk_name(model._meta.db_table, field.column)],
        )
        row = cursor.fetchone()
    assert row is not None, "add AddTenantForeignKey to a migration"
    assert row[0].startswith(f"FOREIGN KEY (organization_id, {field.column})")
