# Content versions (0006, 0007) bumped at commit instead of at every statement.
#
# Bumped at every statement, the version row was locked from a writer's first write to its
# commit, so the organisation's writers took turns for most of their transactions (kudos
# created through the API: 68 -> 46 req/s under 20 clients, docs/benchmarks.md), and each
# statement paid an upsert. Now a statement only notes "this organisation's area changed" in
# a transaction-local setting (`app.content_pending`); the first note of a transaction also
# inserts a row whose deferred constraint trigger bumps the noted versions at commit, so the
# row is held only while the transaction commits (in one order for every writer: no crosswise
# waits). A reader of the versions inside a transaction that has written bumps the notes first
# (`core_content_versions`), so it never keys a fragment by a version older than what it can
# see. A statement without an organisation still bumps every organisation at once.
# ruff: noqa: S608 - fixed SQL, nothing comes from input

from django.db import migrations

_INSTALL = """
CREATE TABLE core_contentpending (id bigserial PRIMARY KEY);

CREATE FUNCTION core_flush_content() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    pending text := NULLIF(current_setting('app.content_pending', true), '');
BEGIN
    IF pending IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO core_contentversion AS v (organization_id, area, version)
    SELECT split_part(item, ':', 1)::bigint, split_part(item, ':', 2), 1
    FROM unnest(string_to_array(pending, ',')) AS item
    ORDER BY 1, 2  -- one order for every writer
    ON CONFLICT (organization_id, area) DO UPDATE SET version = v.version + 1;
    PERFORM set_config('app.content_pending', '', true);
END
$$;

CREATE OR REPLACE FUNCTION core_content_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    organization text := NULLIF(current_setting('app.org_id', true), '');
    pending text := COALESCE(current_setting('app.content_pending', true), '');
    noted text := pending;
    area text;
BEGIN
    IF organization IS NULL THEN
        PERFORM core_bump_versions(NULL, TG_ARGV::text[]);
        RETURN NULL;
    END IF;
    FOREACH area IN ARRAY TG_ARGV LOOP
        IF strpos(',' || noted || ',', ',' || organization || ':' || area || ',') = 0 THEN
            noted := CASE WHEN noted = '' THEN '' ELSE noted || ',' END
                     || organization || ':' || area;
        END IF;
    END LOOP;
    IF noted <> pending THEN
        PERFORM set_config('app.content_pending', noted, true);
        IF pending = '' THEN
            INSERT INTO core_contentpending DEFAULT VALUES;  -- its trigger runs at commit
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION core_content_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM core_flush_content();
    DELETE FROM core_contentpending WHERE id = NEW.id;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER content_commit AFTER INSERT ON core_contentpending
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION core_content_commit();

-- The versions an organisation's fragments are keyed by, this transaction's writes included.
CREATE FUNCTION core_content_versions(organization bigint)
RETURNS TABLE (area text, version bigint) LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    PERFORM core_flush_content();
    RETURN QUERY SELECT v.area::text, v.version FROM core_contentversion v
                 WHERE v.organization_id = organization;
END
$$;
"""

_UNINSTALL = """
DROP FUNCTION IF EXISTS core_content_versions(bigint);
DROP TRIGGER IF EXISTS content_commit ON core_contentpending;
DROP FUNCTION IF EXISTS core_content_commit();
DROP TABLE IF EXISTS core_contentpending;
CREATE OR REPLACE FUNCTION core_content_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM core_bump_versions(
        NULLIF(current_setting('app.org_id', true), '')::bigint, TG_ARGV::text[]
    );
    RETURN NULL;
END
$$;
DROP FUNCTION IF EXISTS core_flush_content();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_INSTALL)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_UNINSTALL)


class Migration(migrations.Migration):
    dependencies = [("core", "0007_content_version_triggers")]

    operations = [migrations.RunPython(install, uninstall)]
