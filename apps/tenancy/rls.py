"""Row-level security: the database's own wall between organisations (PostgreSQL only).

Every tenant table gets a policy that compares `organization_id` with the transaction-local
setting that `tenant_context` sets. An unset setting is NULL and matches nothing. There is no
bypass value: code that must cross tenants runs as the owner role, outside the application.
"""

from django.db import migrations

from apps.tenancy.context import RLS_SETTING

POLICY_NAME = "tenant_isolation"
CURRENT_ORG = f"NULLIF(current_setting('{RLS_SETTING}', true), '')::bigint"


def enable_sql(table: str) -> list[str]:
    return [
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
        f'DROP POLICY IF EXISTS {POLICY_NAME} ON "{table}"',
        f'CREATE POLICY {POLICY_NAME} ON "{table}" '
        f"USING (organization_id = {CURRENT_ORG}) WITH CHECK (organization_id = {CURRENT_ORG})",
    ]


def disable_sql(table: str) -> list[str]:
    return [
        f'DROP POLICY IF EXISTS {POLICY_NAME} ON "{table}"',
        f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY',
    ]


class EnableTenantRLS(migrations.operations.base.Operation):
    """`EnableTenantRLS("team")` in a migration of the model's app. Does nothing on SQLite."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str):
        self.model_name = model_name

    def state_forwards(self, app_label, state):
        pass

    def _run(self, app_label, schema_editor, state, statements) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        table = state.apps.get_model(app_label, self.model_name)._meta.db_table
        for statement in statements(table):
            schema_editor.execute(statement)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._run(app_label, schema_editor, to_state, enable_sql)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._run(app_label, schema_editor, from_state, disable_sql)

    def describe(self):
        return f"Enable row-level security on {self.model_name}"

    def deconstruct(self):
        return (f"{__name__}.{type(self).__name__}", [self.model_name], {})


def tenant_key_sql(table: str) -> list[str]:
    """UNIQUE (organization_id, id): what composite foreign keys from child tables point at."""
    return [
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_org_id_key" UNIQUE (organization_id, id)'
    ]


def tenant_fk_name(table: str, column: str) -> str:
    return f"{table}_{column}_same_org"[:63]


class AddTenantKey(EnableTenantRLS):
    """`UNIQUE (organization_id, id)` on a tenant table (PostgreSQL only)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._run(app_label, schema_editor, to_state, tenant_key_sql)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._run(
            app_label, schema_editor, from_state,
            lambda table: [f'ALTER TABLE "{table}" DROP CONSTRAINT "{table}_org_id_key"'],
        )  # fmt: skip

    def describe(self):
        return f"Add UNIQUE (organization_id, id) to {self.model_name}"


class AddTenantForeignKey(migrations.operations.base.Operation):
    """Parent and child rows must belong to the same organisation, enforced by PostgreSQL:
    FOREIGN KEY (organization_id, <field>_id) REFERENCES parent (organization_id, id)."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str, field_name: str):
        self.model_name = model_name
        self.field_name = field_name

    def state_forwards(self, app_label, state):
        pass

    def _tables(self, app_label, state):
        model = state.apps.get_model(app_label, self.model_name)
        field = model._meta.get_field(self.field_name)
        return model._meta.db_table, field.column, field.related_model._meta.db_table

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        table, column, parent = self._tables(app_label, to_state)
        schema_editor.execute(
            f'ALTER TABLE "{table}" ADD CONSTRAINT "{tenant_fk_name(table, column)}" '
            f'FOREIGN KEY (organization_id, "{column}") '
            f'REFERENCES "{parent}" (organization_id, id) DEFERRABLE INITIALLY DEFERRED'
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        table, column, _parent = self._tables(app_label, from_state)
        schema_editor.execute(
            f'ALTER TABLE "{table}" DROP CONSTRAINT "{tenant_fk_name(table, column)}"'
        )

    def describe(self):
        return f"Same-organisation foreign key {self.model_name}.{self.field_name}"

    def deconstruct(self):
        return (f"{__name__}.{type(self).__name__}", [self.model_name, self.field_name], {})
