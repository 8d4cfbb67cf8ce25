"""The scale-out path: the SQL that distributes the schema on Citus by `organization_id`.

Citus is not installable here, so this module builds the plan from the live catalogue and the
models, and the test suite checks it on plain PostgreSQL: every tenant table's keys include the
distribution column, foreign keys between tenant tables are composite, and everything else
points at a reference table. See docs/scaling.md.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection

from apps.tenancy.managers import TenantOwned

COLOCATE_WITH = "tenancy_membership"

# Small, global tables every node needs a copy of: distributed tables may reference them.
REFERENCE_TABLES = ("tenancy_organization", "tenancy_userorganization", "tenancy_globalroute")

# Django's own tables and the users stay on the coordinator; no tenant table references them
# with a database constraint (Membership.user is db_constraint=False).
LOCAL_TABLE_PREFIXES = ("django_", "auth_", "accounts_user", "salesculture_cache")


def tenant_tables() -> list[str]:
    return sorted(
        model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, TenantOwned) and not model._meta.proxy
    )


@dataclass
class ForeignKey:
    name: str
    table: str
    columns: list[str]
    referenced_table: str
    referenced_columns: list[str]


@dataclass
class CitusPlan:
    drop_foreign_keys: list[ForeignKey] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _foreign_keys(table: str) -> list[ForeignKey]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conname, ref.relname,
                   ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n
                         ORDER BY k.i),
                   ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                         JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n
                         ORDER BY k.i)
            FROM pg_constraint c
            JOIN pg_class t ON t.oid = c.conrelid
            JOIN pg_class ref ON ref.oid = c.confrelid
            WHERE c.contype = 'f' AND t.relname = %s
            """,
            [table],
        )
        return [
            ForeignKey(name, table, list(columns), referenced, list(ref_columns))
            for name, referenced, columns, ref_columns in cursor.fetchall()
        ]


def _unique_keys(table: str) -> list[tuple[str, list[str]]]:
    """Unique constraints and unique indexes other than the primary key."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.relname,
                   ARRAY(SELECT a.attname FROM unnest(x.indkey) k(n)
                         JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n)
            FROM pg_index x
            JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_class i ON i.oid = x.indexrelid
            WHERE t.relname = %s AND x.indisunique AND NOT x.indisprimary
            """,
            [table],
        )
        return [(name, list(columns)) for name, columns in cursor.fetchall()]


def citus_plan() -> CitusPlan:
    """What must change, and the statements that distribute the schema (PostgreSQL only)."""
    plan = CitusPlan()
    tenants = set(tenant_tables())
    for table in REFERENCE_TABLES:
        plan.statements.append(f"SELECT create_reference_table('{table}');")
    for table in sorted(tenants):
        for name, columns in _unique_keys(table):
            if "organization_id" not in columns:
                plan.problems.append(f"{table}: unique key {name} lacks organization_id")
        for fk in _foreign_keys(table):
            if fk.referenced_table in REFERENCE_TABLES:
                continue
            if fk.referenced_table in tenants:
                if fk.columns[:1] == ["organization_id"] and fk.referenced_columns == [
                    "organization_id",
                    "id",
                ]:
                    continue  # composite, colocated: allowed
                plan.drop_foreign_keys.append(fk)  # Django's single-column twin of a composite
                continue
            plan.problems.append(
                f"{table}: {fk.name} references {fk.referenced_table}, which is neither a "
                "tenant table nor a reference table"
            )
    for fk in plan.drop_foreign_keys:
        plan.statements.append(f'ALTER TABLE "{fk.table}" DROP CONSTRAINT "{fk.name}";')
    for table in sorted(tenants):
        # The primary key must contain the distribution column: (organization_id, id). The
        # composite foreign keys point at UNIQUE (organization_id, id), which stays.
        plan.statements.append(
            f'ALTER TABLE "{table}" DROP CONSTRAINT "{table}_pkey" CASCADE, '
            f"ADD PRIMARY KEY (organization_id, id);"
        )
    ordered = [COLOCATE_WITH, *sorted(tenants - {COLOCATE_WITH})]
    for table in ordered:
        colocate = "" if table == COLOCATE_WITH else f", colocate_with => '{COLOCATE_WITH}'"
        plan.statements.append(
            f"SELECT create_distributed_table('{table}', 'organization_id'{colocate});"
        )
    return plan
