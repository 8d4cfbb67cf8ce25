# The PostgreSQL triggers that keep the report's weekly sums (0007), and the sums of the
# escalations already there. Apart from 0007 so that the sums are written after the tables'
# keys exist: PostgreSQL refuses to alter a table with rows whose checks are still pending.
# The locks below assume READ COMMITTED (Django's default): each statement of a trigger
# function sees what committed before it, including what it waited for.
# ruff: noqa: S608 - fixed SQL templates, assembled from constants; nothing comes from input

from django.db import migrations

# The figures one escalation row adds to its rep's week and its topic's week. `{rows}` is a
# set of escalation rows (a trigger's transition table or the table itself), `{sign}` is 1 to
# add them and -1 to take them away. The week is the organisation's local week.
_CELLS = """
    SELECT x.organization_id, x.rep_id, COALESCE(x.topic_id, 0) AS topic_key,
           (date_trunc('week', x.occurred_at AT TIME ZONE o.time_zone))::date AS week_start,
           {sign} AS escalations,
           {sign} * (x.urgency = 'urgent')::int AS urgent,
           {sign} * (x.urgency = 'routine' AND x.outcome <> '')::int AS routine_answered,
           {sign} * (x.urgency = 'routine' AND x.outcome = 'solved_alone')::int
               AS routine_solved_alone,
           {sign} * (x.outcome = 'solved_alone')::int AS solved_alone,
           {sign} * x.repeats_topic::int AS repeats,
           {sign} * (x.outcome = 'redirected' OR t.handled_by_team_id IS NOT NULL
                     OR t.handled_by_member_id IS NOT NULL)::int AS supportable,
           {sign} * COALESCE(x.manager_minutes, 0)::bigint AS manager_minutes,
           {sign} * COALESCE(x.rep_minutes, 0)::bigint AS rep_minutes
    FROM {rows} x
    JOIN tenancy_organization o ON o.id = x.organization_id
    LEFT JOIN dependency_topic t ON t.id = x.topic_id
"""
_FIGURES = (
    "escalations", "urgent", "routine_answered", "routine_solved_alone", "solved_alone",
    "repeats", "supportable", "manager_minutes", "rep_minutes",
)  # fmt: skip
# Add the cells to both week tables in one statement (the CTE is computed once).
_APPLY = (
    "WITH cells AS ({cells}), reps AS ("
    " INSERT INTO dependency_escalationweek AS w (organization_id, rep_id, week_start, "
    + ", ".join(_FIGURES)
    + ") SELECT organization_id, rep_id, week_start, "
    + ", ".join(f"SUM({f})" for f in _FIGURES)
    + " FROM cells GROUP BY organization_id, rep_id, week_start"
    # The same order in every writer, so two batches cannot lock the same weeks crosswise.
    " ORDER BY organization_id, week_start, rep_id"
    " ON CONFLICT (organization_id, week_start, rep_id) DO UPDATE SET "
    + ", ".join(f"{f} = w.{f} + EXCLUDED.{f}" for f in _FIGURES)
    + ") INSERT INTO dependency_topicweek AS w (organization_id, week_start, topic_key, "
    "escalations) SELECT organization_id, week_start, topic_key, SUM(escalations) FROM cells "
    "GROUP BY organization_id, week_start, topic_key "
    "ORDER BY organization_id, week_start, topic_key "
    "ON CONFLICT (organization_id, week_start, topic_key) DO UPDATE SET "
    "escalations = w.escalations + EXCLUDED.escalations"
)
# Weeks whose last escalation went away are removed, so an empty week is no row at all.
_PRUNE = """
    DELETE FROM dependency_escalationweek w USING (
        SELECT DISTINCT x.organization_id, x.rep_id,
               (date_trunc('week', x.occurred_at AT TIME ZONE o.time_zone))::date AS week_start
        FROM {rows} x JOIN tenancy_organization o ON o.id = x.organization_id) k
    WHERE w.organization_id = k.organization_id AND w.rep_id = k.rep_id
      AND w.week_start = k.week_start AND w.escalations = 0;
    DELETE FROM dependency_topicweek w USING (
        SELECT DISTINCT x.organization_id, COALESCE(x.topic_id, 0) AS topic_key,
               (date_trunc('week', x.occurred_at AT TIME ZONE o.time_zone))::date AS week_start
        FROM {rows} x JOIN tenancy_organization o ON o.id = x.organization_id) k
    WHERE w.organization_id = k.organization_id AND w.topic_key = k.topic_key
      AND w.week_start = k.week_start AND w.escalations = 0;
"""
# A topic whose handler is being changed at this moment is waited for, so the figure it adds
# to "could go to support" is the one the topic trigger below accounts for.
_LOCK_TOPICS = "PERFORM 1 FROM dependency_topic WHERE id IN ({topics}) ORDER BY id FOR SHARE;"
# Likewise an organisation whose time zone is being changed (the organisation trigger below
# takes FOR UPDATE, which waits for these): a week is always the zone's the sums are in.
_LOCK_ORGANIZATIONS = (
    "PERFORM 1 FROM tenancy_organization WHERE id IN ({organizations}) ORDER BY id FOR KEY SHARE;"
)
# Only changes of a column the report reads move figures between weeks.
_REPORT_COLUMNS = (
    "organization_id", "rep_id", "topic_id", "occurred_at", "urgency", "outcome",
    "repeats_topic", "manager_minutes", "rep_minutes",
)  # fmt: skip
_CHANGED = (
    "(SELECT {side}.* FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE ("
    + ", ".join(f"o.{c}" for c in _REPORT_COLUMNS)
    + ") IS DISTINCT FROM ("
    + ", ".join(f"n.{c}" for c in _REPORT_COLUMNS)
    + "))"
)


_CHANGED_TOPICS = (
    "SELECT topic_id FROM " + _CHANGED.format(side="o") + " co "
    "UNION SELECT topic_id FROM " + _CHANGED.format(side="n") + " cn"
)


def _lock(rows: str, topics: str) -> str:
    return _LOCK_ORGANIZATIONS.format(
        organizations=f"SELECT organization_id FROM {rows} r"
    ) + _LOCK_TOPICS.format(topics=topics)


def _apply(rows: str, sign: int) -> str:
    return _APPLY.format(cells=_CELLS.format(rows=rows, sign=sign))


def _apply_both(old: str, new: str) -> str:
    cells = _CELLS.format(rows=old, sign=-1) + " UNION ALL " + _CELLS.format(rows=new, sign=1)
    return _APPLY.format(cells=cells)


_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION dependency_escalation_weeks() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_lock("new_rows", "SELECT topic_id FROM new_rows")}
        {_apply("new_rows", 1)};
    ELSIF TG_OP = 'DELETE' THEN
        {_lock("old_rows", "SELECT topic_id FROM old_rows")}
        {_apply("old_rows", -1)};
        {_PRUNE.format(rows="old_rows")}
    ELSE
        -- A change the report does not read (a reminder sent, a callback) takes no lock.
        IF NOT EXISTS {_CHANGED.format(side="n")} THEN
            RETURN NULL;
        END IF;
        {_lock("new_rows", _CHANGED_TOPICS)}
        {_apply_both(_CHANGED.format(side="o"), _CHANGED.format(side="n"))};
        {_PRUNE.format(rows=_CHANGED.format(side="o"))}
    END IF;
    RETURN NULL;
END $fn$;

CREATE OR REPLACE FUNCTION dependency_escalation_weeks_truncate() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    -- DELETE, not TRUNCATE: a TRUNCATE that lists these tables too (manage.py flush) is
    -- still using them.
    DELETE FROM dependency_escalationweek;
    DELETE FROM dependency_topicweek;
    RETURN NULL;
END $fn$;

-- Recount one organisation's weeks from its escalations: after its time zone changed, and
-- for operators (manage.py rebuild_report_weeks).
CREATE OR REPLACE FUNCTION dependency_rebuild_weeks(org bigint) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    DELETE FROM dependency_escalationweek WHERE organization_id = org;
    DELETE FROM dependency_topicweek WHERE organization_id = org;
    {_apply("(SELECT * FROM dependency_escalation WHERE organization_id = org)", 1)};
END $fn$;

-- A topic that gains or loses its support team or person changes "could go to support" for
-- every escalation on it that was not redirected anyway.
CREATE OR REPLACE FUNCTION dependency_topic_weeks() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    sign int := CASE WHEN NEW.handled_by_team_id IS NOT NULL
                          OR NEW.handled_by_member_id IS NOT NULL THEN 1 ELSE -1 END;
BEGIN
    IF (OLD.handled_by_team_id IS NOT NULL OR OLD.handled_by_member_id IS NOT NULL)
       = (NEW.handled_by_team_id IS NOT NULL OR NEW.handled_by_member_id IS NOT NULL) THEN
        RETURN NULL;
    END IF;
    UPDATE dependency_escalationweek w SET supportable = w.supportable + sign * c.n
    FROM (SELECT e.rep_id,
                 (date_trunc('week', e.occurred_at AT TIME ZONE o.time_zone))::date AS week_start,
                 COUNT(*) AS n
          FROM dependency_escalation e JOIN tenancy_organization o ON o.id = e.organization_id
          WHERE e.organization_id = NEW.organization_id AND e.topic_id = NEW.id
            AND e.outcome <> 'redirected'
          GROUP BY 1, 2) c
    WHERE w.organization_id = NEW.organization_id AND w.rep_id = c.rep_id
      AND w.week_start = c.week_start;
    RETURN NULL;
END $fn$;

-- A new time zone: recount the organisation's weeks, inside that organisation whoever changed
-- it (an operator's admin page has no organisation: under row-level security the recount
-- would see nothing), after every write of the organisation that is under way has finished.
CREATE OR REPLACE FUNCTION dependency_organization_weeks() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    previous text := current_setting('app.org_id', true);
BEGIN
    PERFORM 1 FROM tenancy_organization WHERE id = NEW.id FOR UPDATE;
    PERFORM set_config('app.org_id', NEW.id::text, true);
    PERFORM dependency_rebuild_weeks(NEW.id);
    PERFORM set_config('app.org_id', COALESCE(previous, ''), true);
    RETURN NULL;
END $fn$;

CREATE OR REPLACE TRIGGER escalation_weeks_insert AFTER INSERT ON dependency_escalation
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION dependency_escalation_weeks();
CREATE OR REPLACE TRIGGER escalation_weeks_update AFTER UPDATE ON dependency_escalation
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION dependency_escalation_weeks();
CREATE OR REPLACE TRIGGER escalation_weeks_delete AFTER DELETE ON dependency_escalation
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION dependency_escalation_weeks();
CREATE OR REPLACE TRIGGER escalation_weeks_truncate AFTER TRUNCATE ON dependency_escalation
    FOR EACH STATEMENT EXECUTE FUNCTION dependency_escalation_weeks_truncate();
CREATE OR REPLACE TRIGGER topic_weeks AFTER UPDATE OF handled_by_team_id, handled_by_member_id
    ON dependency_topic FOR EACH ROW EXECUTE FUNCTION dependency_topic_weeks();
CREATE OR REPLACE TRIGGER organization_weeks AFTER UPDATE OF time_zone ON tenancy_organization
    FOR EACH ROW WHEN (OLD.time_zone IS DISTINCT FROM NEW.time_zone)
    EXECUTE FUNCTION dependency_organization_weeks();
"""

_DROP = """
DROP TRIGGER IF EXISTS organization_weeks ON tenancy_organization;
DROP TRIGGER IF EXISTS topic_weeks ON dependency_topic;
DROP TRIGGER IF EXISTS escalation_weeks_truncate ON dependency_escalation;
DROP TRIGGER IF EXISTS escalation_weeks_delete ON dependency_escalation;
DROP TRIGGER IF EXISTS escalation_weeks_update ON dependency_escalation;
DROP TRIGGER IF EXISTS escalation_weeks_insert ON dependency_escalation;
DROP FUNCTION IF EXISTS dependency_organization_weeks();
DROP FUNCTION IF EXISTS dependency_topic_weeks();
DROP FUNCTION IF EXISTS dependency_rebuild_weeks(bigint);
DROP FUNCTION IF EXISTS dependency_escalation_weeks_truncate();
DROP FUNCTION IF EXISTS dependency_escalation_weeks();
"""


def _create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # the embedded demo (SQLite) counts its few escalations directly
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(_FUNCTIONS)
        # Existing escalations: one organisation at a time, inside it (row-level security).
        cursor.execute("SELECT id FROM tenancy_organization ORDER BY id")
        for (organization_id,) in cursor.fetchall():
            cursor.execute("SELECT set_config('app.org_id', %s, true)", [str(organization_id)])
            cursor.execute("SELECT dependency_rebuild_weeks(%s)", [organization_id])
        cursor.execute("SELECT set_config('app.org_id', '', true)")


def _drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(_DROP)


class Migration(migrations.Migration):
    dependencies = [("dependency", "0008_report_indexes")]

    operations = [migrations.RunPython(_create_triggers, _drop_triggers)]
