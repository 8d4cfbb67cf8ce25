"""The scale-out path, checked on plain PostgreSQL (Citus itself is not installable here)."""

import pytest
from django.db import connection, transaction

from apps.tenancy.citus import COLOCATE_WITH, REFERENCE_TABLES, citus_plan, tenant_tables

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="reads the PostgreSQL catalogue"),
]


def test_every_tenant_table_can_be_distributed_by_organisation():
    plan = citus_plan()
    assert plan.problems == []


def test_only_single_column_twins_of_composite_keys_are_dropped():
    plan = citus_plan()
    for fk in plan.drop_foreign_keys:
        assert fk.columns != ["organization_id"]
        composite = f"{fk.table}_{fk.columns[0]}_same_org"[:63]
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_constraint WHERE conname = %s", [composite])
            assert cursor.fetchone(), f"{fk.name} has no composite replacement"


def test_the_plan_distributes_every_tenant_table_colocated():
    statements = "\n".join(citus_plan().statements)
    for table in REFERENCE_TABLES:
        assert f"create_reference_table('{table}')" in statements
    for table in tenant_tables():
        assert f"create_distributed_table('{table}', 'organization_id'" in statements
        if table != COLOCATE_WITH:
            assert f"create_distributed_table('{table}', 'organization_id', colocate_with" in (
                statements
            )
    assert "auth_" not in statements  # Django's tables stay local
    assert "django_session" not in statements


def test_the_key_changes_apply_cleanly_on_postgresql(django_db_blocker):
    """Run everything but Citus' own functions, as the owner, then roll back."""
    plan = citus_plan()
    ddl = [s for s in plan.statements if not s.startswith("SELECT create_")]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("RESET ROLE")  # schema changes are the owner's, not the app role's
        for statement in ddl:
            cursor.execute(statement)
        cursor.execute(
            "SELECT count(*) FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE x.indisprimary AND t.relname = ANY(%s) AND x.indnkeyatts = 2",
            [tenant_tables()],
        )
        assert cursor.fetchone()[0] == len(tenant_tables())
        transaction.set_rollback(True)
    with connection.cursor() as cursor:
        cursor.execute("SET ROLE app_rw")
