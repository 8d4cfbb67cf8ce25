# The triggers that bump an organisation's content versions (0006) whenever a table its pages
# show is written, so that cached fragments (apps/core/fragments.py) are keyed by the data.
#
# BEFORE STATEMENT, not after: the version row is the first lock a writing transaction takes
# in these tables, so two writers wait for each other there, before either holds a row the
# other needs (an AFTER trigger could meet, crosswise, the weekly-sum rows of 0009 in
# dependency). Every statement bumps, not once per transaction: a fragment computed between
# two writes of one transaction must not outlive the second.
# The organisation is the writer's own (`app.org_id`, set by tenant_context): row-level
# security lets the application write no other. A statement without one (a migration, an
# owner's script) may have written any organisation's rows: it bumps every organisation.
# TRUNCATE is no application operation and bumps nothing; fragments expire within minutes.
# ruff: noqa: S608 - fixed SQL templates, assembled from constants; nothing comes from input

from django.db import migrations

RECOGNITION = "recognition"
DEPENDENCY = "dependency"

# Table -> the areas whose pages show it. Columns, when only some are shown.
TABLES = {
    "recognition_kudos": (RECOGNITION,),
    "recognition_kudosrecipient": (RECOGNITION,),
    "recognition_kudosvalue": (RECOGNITION,),
    "recognition_reaction": (RECOGNITION,),
    "recognition_value": (RECOGNITION,),
    "recognition_letter": (RECOGNITION,),
    "recognition_lettersubject": (RECOGNITION,),
    "recognition_lettercopy": (RECOGNITION,),
    "recognition_nomination": (RECOGNITION,),
    "notifications_outboundemail": (RECOGNITION,),  # a letter's delivery status
    "dependency_escalation": (DEPENDENCY,),
    "dependency_servicedetour": (DEPENDENCY,),
    "dependency_topic": (DEPENDENCY,),
    "dependency_escalationweek": (DEPENDENCY,),  # written by 0009's triggers or a rebuild
    "dependency_topicweek": (DEPENDENCY,),
    "tenancy_membership": (RECOGNITION, DEPENDENCY),
    "tenancy_team": (RECOGNITION, DEPENDENCY),
    "tenancy_organization": (RECOGNITION, DEPENDENCY),  # time zone, costs, names
}
# The statements that fire, when not every write: an organisation is created empty (nothing
# of it is cached yet), and an e-mail matters only for its status.
EVENTS = {
    "tenancy_organization": "UPDATE OR DELETE",
    "notifications_outboundemail": "INSERT OR UPDATE OF status OR DELETE",
}

_FUNCTIONS = """
CREATE FUNCTION core_bump_versions(organization bigint, areas text[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO core_contentversion AS v (organization_id, area, version)
    SELECT o.id, a.area, 1
    FROM tenancy_organization o CROSS JOIN unnest(areas) AS a(area)
    WHERE organization IS NULL OR o.id = organization
    ORDER BY o.id, a.area  -- one order for every writer: no crosswise waits
    ON CONFLICT (organization_id, area) DO UPDATE SET version = v.version + 1
$$;

CREATE FUNCTION core_content_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM core_bump_versions(
        NULLIF(current_setting('app.org_id', true), '')::bigint, TG_ARGV::text[]
    );
    RETURN NULL;
END
$$;

-- A user's name is shown by every organisation they belong to.
CREATE FUNCTION core_user_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO core_contentversion AS v (organization_id, area, version)
    SELECT DISTINCT r.organization_id, a.area, 1
    FROM tenancy_userorganization r
    JOIN new_users n ON n.id = r.user_id
    JOIN old_users o ON o.id = n.id
    CROSS JOIN unnest(ARRAY['recognition', 'dependency']) AS a(area)
    WHERE (n.full_name, n.email, n.is_active) IS DISTINCT FROM (o.full_name, o.email, o.is_active)
    ORDER BY r.organization_id, a.area
    ON CONFLICT (organization_id, area) DO UPDATE SET version = v.version + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER content_user_renamed AFTER UPDATE ON accounts_user
    REFERENCING OLD TABLE AS old_users NEW TABLE AS new_users
    FOR EACH STATEMENT EXECUTE FUNCTION core_user_renamed();
"""

_DROP_FUNCTIONS = """
DROP TRIGGER IF EXISTS content_user_renamed ON accounts_user;
DROP FUNCTION IF EXISTS core_user_renamed();
DROP FUNCTION IF EXISTS core_content_changed();
DROP FUNCTION IF EXISTS core_bump_versions(bigint, text[]);
"""


def _trigger_sql(table: str, areas: tuple[str, ...]) -> str:
    events = EVENTS.get(table, "INSERT OR UPDATE OR DELETE")
    arguments = ", ".join(f"'{area}'" for area in areas)
    return (
        f"CREATE TRIGGER content_changed BEFORE {events} ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION core_content_changed({arguments});"
    )


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite (the demo) keeps no versions: apps/core/fragments.py caches nothing
    schema_editor.execute(_FUNCTIONS)
    for table, areas in TABLES.items():
        schema_editor.execute(_trigger_sql(table, areas))


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS content_changed ON {table};")
    schema_editor.execute(_DROP_FUNCTIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_content_versions"),
        ("accounts", "0004_same_organisation_keys"),
        ("dependency", "0010_escalation_topic_index"),
        ("notifications", "0004_outboundemail_tenant_key"),
        ("recognition", "0005_kudosrecipient_kudos_copies"),
        ("tenancy", "0006_organization_escalation_retention_months_and_more"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
