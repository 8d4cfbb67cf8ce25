"""The restricted application role (PostgreSQL): no superuser, no BYPASSRLS, not the owner.

Migrations run as the owner; the web processes and workers connect as (or `SET ROLE` to) the
application role, which may read and write rows but never change the schema, never bypass
row-level security, and never edit or delete audit events.
"""

from django.db import connection

APPEND_ONLY_TABLES = ("audit_auditevent",)


def ensure_app_role(role: str, *, password: str | None = None) -> None:
    """Create the role if missing and grant it exactly what the application needs."""
    quoted = connection.ops.quote_name(role)
    with connection.cursor() as cursor:
        # Roles are cluster-wide and parallel test runs may race to create it: tolerate that.
        cursor.execute(
            "DO $$ BEGIN "
            f"CREATE ROLE {quoted} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB; "
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        )
        cursor.execute(f"ALTER ROLE {quoted} NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE")
        if password:
            cursor.execute(f"ALTER ROLE {quoted} PASSWORD %s", [password])
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {quoted}")
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}"
        )
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
        for table in APPEND_ONLY_TABLES:
            cursor.execute(f'REVOKE UPDATE, DELETE, TRUNCATE ON "{table}" FROM {quoted}')
