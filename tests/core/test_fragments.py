"""Cached fragments: kept while nothing they show changes, never shown to anyone else.

PostgreSQL bumps an organisation's content versions as every transaction that wrote a table its
pages show commits (migrations core/0007, core/0008); a fragment is keyed by the version, so
whichever code wrote the rows, the next page computes afresh.
"""

import importlib

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core import fragments
from apps.core.models import ContentVersion
from apps.recognition.models import Kudos
from apps.tenancy.context import tenant_context
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    make_tenant_rows,
    send_kudos,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="versions are kept by PostgreSQL triggers"
    ),
]

TRIGGERS = importlib.import_module("apps.core.migrations.0007_content_version_triggers")
RECOGNITION, DEPENDENCY = ContentVersion.Area.RECOGNITION, ContentVersion.Area.DEPENDENCY


def versions(organization) -> dict[str, int]:
    """As a reader of this transaction sees them (its own writes bumped first)."""
    return fragments.content_versions(organization.pk)


def wall(org):
    return reverse("kudos_wall", kwargs={"org_slug": org.slug})


@pytest.fixture
def riley(org):
    return MembershipFactory(role="rep", user__full_name="Riley Rep")


@pytest.fixture
def sam(org):
    return MembershipFactory(role="support", user__full_name="Sam Support")


def _queries(client, path) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    assert response.status_code == 200
    return len(context.captured_queries), response.content.decode()


# --- The versions ----------------------------------------------------------------------------


def _touch(table: str, pk: int) -> None:
    """A statement that writes one row and changes nothing in it (an e-mail is shown only by its
    delivery status: only that column counts)."""
    column = "status" if table == "notifications_outboundemail" else "id"
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = {column} WHERE id = %s", [pk])


def test_every_table_a_page_shows_bumps_its_areas_and_nothing_else_does(org):
    rows = make_tenant_rows()
    tables = {row._meta.db_table: row for row in rows.values()}
    assert set(TRIGGERS.TABLES) - {"tenancy_organization"} <= set(tables)
    for table, row in tables.items():
        with connection.cursor() as cursor:
            cursor.execute("SELECT has_table_privilege(%s, 'UPDATE')", [table])
            if not cursor.fetchone()[0]:
                continue  # append-only for the application (the audit trail)
        before = versions(org)
        with transaction.atomic():
            _touch(table, row.pk)
        after = versions(org)
        bumped = {area for area in after if after[area] != before.get(area)}
        assert bumped == set(TRIGGERS.TABLES.get(table, ())), table


def test_changing_the_organisation_bumps_both_areas(org):
    before = versions(org)
    org.time_zone = "Europe/Paris"
    org.save()
    after = versions(org)
    assert after[RECOGNITION] > before.get(RECOGNITION, 0)
    assert after[DEPENDENCY] > before.get(DEPENDENCY, 0)


def test_a_write_rolled_back_leaves_the_version(org, riley, sam):
    before = versions(org).get(RECOGNITION, 0)

    def failing_request():
        with transaction.atomic():
            send_kudos(riley, [sam])
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError):
        failing_request()
    assert versions(org).get(RECOGNITION, 0) == before


def test_another_organisations_writes_leave_ours_alone(org, riley, sam):
    send_kudos(riley, [sam])
    ours = versions(org)
    other = OrganizationFactory()
    with tenant_context(other):
        send_kudos(MembershipFactory(), [MembershipFactory()])
    assert versions(org) == ours
    assert versions(other)[RECOGNITION] >= 1


def test_a_write_without_an_organisation_bumps_every_organisation(org, riley):
    other = OrganizationFactory()
    before = versions(org).get(DEPENDENCY, 0), versions(other).get(DEPENDENCY, 0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.org_id', '', true)")  # an owner's script
        cursor.execute("UPDATE dependency_topic SET name = name")
        cursor.execute("SELECT set_config('app.org_id', %s, true)", [str(org.pk)])
    after = versions(org).get(DEPENDENCY, 0), versions(other).get(DEPENDENCY, 0)
    assert after[0] > before[0]
    assert after[1] > before[1]


def test_renaming_a_user_bumps_every_organisation_they_belong_to(org, riley):
    other, stranger_org = OrganizationFactory(), OrganizationFactory()
    with tenant_context(other):
        MembershipFactory(user=riley.user)
    before = {o.pk: versions(o) for o in (org, other, stranger_org)}
    riley.user.full_name = "Riley Renamed"
    riley.user.save()
    after = {o.pk: versions(o) for o in (org, other, stranger_org)}
    for bumped in (org, other):
        for area in (RECOGNITION, DEPENDENCY):
            assert after[bumped.pk][area] > before[bumped.pk].get(area, 0)
    assert after[stranger_org.pk] == before[stranger_org.pk]
    versions_now = versions(org)
    riley.user.last_login = riley.user.date_joined
    riley.user.save(update_fields=["last_login"])  # no name changed: nothing to bump
    assert versions(org) == versions_now


# --- The wall as a fragment -------------------------------------------------------------------


def test_the_wall_seen_again_unchanged_is_its_fragment(org, riley, sam, client_for):
    send_kudos(riley, [sam], message="Fixed the invoice run")
    client = client_for(riley)
    client.get(wall(org))  # the session, and the fragment
    first_count, first = _queries(client, wall(org))
    # 1 session, 2 user, 3 organisation, 4 savepoint, 5 set_config, 6 membership, 7 content
    # versions, 8 set_config restore, 9 release savepoint: no kudos, teams or values read.
    assert first_count == 9
    assert "Fixed the invoice run" in first


def test_a_new_kudos_reaction_or_rename_shows_at_once(org, riley, sam, client_for):
    client = client_for(riley)
    kudos = send_kudos(riley, [sam], message="Fixed the invoice run")
    assert "Sam Support" in client.get(wall(org)).content.decode()

    send_kudos(sam, [riley], message="Thanks for the intro")
    assert "Thanks for the intro" in client.get(wall(org)).content.decode()

    client.post(
        reverse("kudos_react", kwargs={"org_slug": org.slug, "kudos_id": kudos.pk}),
        {"emoji": "👏", "next": wall(org)},
    )
    assert 'aria-pressed="true"' in client.get(wall(org)).content.decode()

    sam.user.full_name = "Samantha Support"
    sam.user.save()
    page = client.get(wall(org)).content.decode()
    assert "Samantha Support" in page
    assert "Sam Support" not in page

    Kudos.objects.filter(pk=kudos.pk).update(message="Fixed the whole invoice run")
    assert "Fixed the whole invoice run" in client.get(wall(org)).content.decode()


def test_a_private_kudos_in_ones_fragment_never_reaches_another_viewer(org, riley, sam, client_for):
    send_kudos(riley, [sam], message="Between us", visibility="private")
    outsider = MembershipFactory(role="rep")
    assert "Between us" in client_for(riley).get(wall(org)).content.decode()
    assert "Between us" not in client_for(outsider).get(wall(org)).content.decode()


def test_a_reaction_posted_from_a_kept_fragment_passes_the_csrf_check(org, riley, sam, client_for):
    from django.test import Client

    kudos = send_kudos(riley, [sam])
    client = Client(enforce_csrf_checks=True)
    client.force_login(riley.user)
    client.get(wall(org))
    page = client.get(wall(org)).content.decode()  # the fragment, with its tokens
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        reverse("kudos_react", kwargs={"org_slug": org.slug, "kudos_id": kudos.pk}),
        {"emoji": "👏", "next": wall(org), "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def test_each_request_gets_its_own_token_and_typed_text_stays_as_typed(org, riley, sam, client_for):
    typed = 'name="csrfmiddlewaretoken" value="csrf-token-of-the-request"'
    send_kudos(riley, [sam], message=typed)
    first, second = client_for(riley), client_for(riley)  # two sessions of one person
    first.get(wall(org))
    tokens = []
    for client in (first, second):
        page = client.get(wall(org)).content.decode()
        assert "name=&quot;csrfmiddlewaretoken&quot; value=&quot;csrf-token-of-the-request" in page
        tokens.append(page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0])
    assert "csrf-token-of-the-request" not in tokens
    assert tokens[0] != tokens[1]


def test_a_hard_reload_computes_the_page_afresh(org, riley, sam, client_for):
    send_kudos(riley, [sam])
    client = client_for(riley)
    client.get(wall(org))
    kept, _page = _queries(client, wall(org))
    with CaptureQueriesContext(connection) as context:
        client.get(wall(org), headers={"Cache-Control": "no-cache"})
    assert len(context.captured_queries) > kept


def test_off_when_the_setting_is_zero(org, riley, sam, client_for, cold_pages):
    send_kudos(riley, [sam])
    client = client_for(riley)
    client.get(wall(org))
    count, _page = _queries(client, wall(org))
    assert count > 9  # computed again


# --- The dependency report as a fragment ------------------------------------------------------


@pytest.fixture
def manager_with_rep(org):
    manager = MembershipFactory(role="manager", user__full_name="Sam Manager")
    rep = MembershipFactory(role="rep", reports_to=manager, user__full_name="Riley Rep")
    return manager, rep


def _log(manager, rep):
    from apps.dependency.services import escalation_log

    return escalation_log(actor=manager, rep=rep, channel="call", urgency="routine")


def test_the_report_seen_again_is_kept_and_a_new_escalation_shows_at_once(
    org, manager_with_rep, client_for
):
    manager, rep = manager_with_rep
    _log(manager, rep)
    client = client_for(manager)
    report = reverse("dependency_report", kwargs={"org_slug": org.slug})
    computed, page = _queries(client, report)
    kept, again = _queries(client, report)
    assert kept == 9 < computed
    assert again.count('data-label="Escalations"') == page.count('data-label="Escalations"')

    _log(manager, rep)  # a second escalation: the figure moves from 1 to 2
    recomputed, after = _queries(client, report)
    assert recomputed == computed
    assert after != again


def test_the_report_api_is_kept_and_a_new_escalation_shows_at_once(
    org, manager_with_rep, api_client_for
):
    manager, rep = manager_with_rep
    _log(manager, rep)
    client = api_client_for(manager)
    endpoint = "/api/v1/reports/dependency/"
    first = client.get(endpoint).json()
    with CaptureQueriesContext(connection) as context:
        assert client.get(endpoint).json() == first
    assert not any("dependency_escalationweek" in q["sql"] for q in context.captured_queries)
    _log(manager, rep)
    assert client.get(endpoint).json()["totals"]["escalations"] == 2
    other = api_client_for(MembershipFactory(role="manager"))  # no reports: an empty scope
    assert other.get(endpoint).json()["totals"]["escalations"] == 0


def test_a_rep_never_gets_a_managers_kept_report(org, manager_with_rep, client_for):
    manager, rep = manager_with_rep
    _log(manager, rep)
    report = reverse("dependency_report", kwargs={"org_slug": org.slug})
    assert 'id="reps-title"' in client_for(manager).get(report).content.decode()  # kept
    response = client_for(rep).get(report)
    assert response.status_code == 200
    assert 'id="reps-title"' not in response.content.decode()  # their own page, no table


@pytest.mark.django_db(transaction=True)
def test_a_write_bumps_its_version_as_it_commits_and_leaves_nothing_pending():
    organization = OrganizationFactory()
    with tenant_context(organization):
        riley, sam = MembershipFactory(), MembershipFactory()

    def stored() -> int:
        row = ContentVersion.objects.filter(organization=organization, area=RECOGNITION).first()
        return row.version if row else 0

    before = stored()
    with tenant_context(organization):
        send_kudos(riley, [sam])
        assert stored() == before  # noted, not yet bumped: the row is not held while writing
    # Bumped as the transaction committed (and by the e-mail tasks that ran after it).
    assert stored() > before
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM core_contentpending")
        assert cursor.fetchone()[0] == 0
