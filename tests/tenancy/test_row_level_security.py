"""The second wall: PostgreSQL itself hides and protects other organisations' rows.

These tests use raw SQL on purpose: the ORM's scoping is bypassed, so only row-level security
stands between the organisations. They run as the restricted application role (see conftest).
"""

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction

from apps.tenancy.context import no_tenant, tenant_context
from apps.tenancy.managers import TenantOwned
from tests.factories import make_tenant_rows

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's row security"),
]

TENANT_MODELS = [model for model in apps.get_models() if issubclass(model, TenantOwned)]


@pytest.fixture
def rows(org, outsider):
    mine = make_tenant_rows()
    with tenant_context(outsider.organization_id):
        theirs = make_tenant_rows()
    return mine, theirs


def test_every_tenant_model_has_rows_for_the_isolation_tests(rows):
    mine, _theirs = rows
    assert {m._meta.label_lower for m in TENANT_MODELS} == set(mine)


def _count(table: str, where: str = "", params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{table}" {where}', params)
        return cursor.fetchone()[0]


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m._meta.label_lower)
def test_raw_sql_sees_only_the_current_organisation(model, org, rows):
    _mine, theirs = rows
    table = model._meta.db_table
    label = model._meta.label_lower
    assert _count(table, "WHERE id = %s", [theirs[label].pk]) == 0
    assert _count(table) == model.objects.count()
    assert _count(table, "WHERE organization_id <> %s", [org.pk]) == 0


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m._meta.label_lower)
def test_raw_sql_cannot_change_or_delete_another_organisations_rows(model, rows):
    _mine, theirs = rows
    table = model._meta.db_table
    other = theirs[model._meta.label_lower]
    with connection.cursor() as cursor:
        if model._meta.label_lower != "audit.auditevent":  # the app role may not UPDATE it at all
            cursor.execute(
                f'UPDATE "{table}" SET organization_id = organization_id WHERE id = %s', [other.pk]
            )
            assert cursor.rowcount == 0
            cursor.execute(f'DELETE FROM "{table}" WHERE id = %s', [other.pk])
            assert cursor.rowcount == 0


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m._meta.label_lower)
def test_raw_sql_cannot_write_a_row_into_another_organisation(model, org, rows):
    mine, theirs = rows
    table = model._meta.db_table
    row = mine[model._meta.label_lower]
    # Copy our own row, but claim it for the other organisation: WITH CHECK refuses it.
    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    column_list = ", ".join(f'"{c}"' for c in columns)
    select = ", ".join("%s" if c == "organization_id" else f'"{c}"' for c in columns)
    statement = (
        f'INSERT INTO "{table}" ({column_list}) SELECT {select} FROM "{table}" WHERE id = %s'
    )
    params = [theirs[model._meta.label_lower].organization_id, row.pk]
    with transaction.atomic(), connection.cursor() as cursor:
        with pytest.raises(DatabaseError):
            cursor.execute(statement, params)
        transaction.set_rollback(True)


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m._meta.label_lower)
def test_with_no_organisation_raw_sql_sees_nothing(model, rows):
    with no_tenant(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.org_id', '', true)")
        cursor.execute(f'SELECT count(*) FROM "{model._meta.db_table}"')
        assert cursor.fetchone()[0] == 0


def test_the_audit_log_cannot_be_edited_or_deleted_even_in_its_own_organisation(rows):
    mine, _theirs = rows
    event = mine["audit.auditevent"]
    for statement in (
        'UPDATE "audit_auditevent" SET action = %s WHERE id = %s',
        'DELETE FROM "audit_auditevent" WHERE id = %s AND action <> %s',
    ):
        params = ["forged", event.pk] if statement.startswith("UPDATE") else [event.pk, "x"]
        with transaction.atomic(), connection.cursor() as cursor:
            with pytest.raises(DatabaseError):
                cursor.execute(statement, params)
            transaction.set_rollback(True)


def test_a_child_row_cannot_point_at_another_organisations_parent(org, rows):
    from django.db import IntegrityError

    mine, theirs = rows
    with transaction.atomic(), connection.cursor() as cursor:
        # Deferred constraints are checked at commit; force the check now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with pytest.raises(IntegrityError):
            cursor.execute(
                'UPDATE "tenancy_membership" SET team_id = %s WHERE id = %s',
                [theirs["tenancy.team"].pk, mine["tenancy.membership"].pk],
            )
        transaction.set_rollback(True)
