"""The organisation and membership every organisation page reads: written in SQL for speed, they
must give what the ORM would (the membership with its team, manager and the navigation's
counts), and nothing of another tenant. `make test` runs this module on SQLite too (the demo's
database returns date-times without their time zone unless converted as the ORM does)."""

from types import SimpleNamespace

import psycopg
import pytest
from django.db import NotSupportedError, connection
from django.test.utils import CaptureQueriesContext

from apps.notifications.services import notification_create, notifications_mark_read
from apps.tenancy.context import NoTenantSelected, no_tenant, tenant_context
from apps.tenancy.models import Membership, Organization, UserOrganization
from apps.tenancy.selectors import membership_for_user, organization_by_slug
from tests.factories import MembershipFactory, OrganizationFactory, TeamFactory

pytestmark = pytest.mark.django_db


def _as_dict(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.fields}


def test_it_is_the_orm_row_with_team_manager_and_counts_in_one_query(org):
    team = TeamFactory(name="Key Accounts")
    boss = MembershipFactory(role="manager", user__full_name="Bea Boss")
    me = MembershipFactory(team=team, reports_to=boss, title="Account executive")
    notification_create(recipient=me, category="membership", title="One")
    read = notification_create(recipient=me, category="membership", title="Read")
    notifications_mark_read(recipient=me, ids=[read.pk])
    notification_create(recipient=boss, category="membership", title="Not mine")
    with tenant_context(OrganizationFactory(slug="second")):
        MembershipFactory(user=me.user)  # a second organisation to switch to

    with CaptureQueriesContext(connection) as queries:
        found = membership_for_user(me.user)
        shown = (found.team.name, found.reports_to.display_name, found.display_name)

    assert len(queries) == 1
    assert _as_dict(found) == _as_dict(Membership.objects.get(pk=me.pk))
    assert shown == ("Key Accounts", "Bea Boss", me.user.display_name)
    assert _as_dict(found.team) == _as_dict(team)
    assert _as_dict(found.reports_to) == _as_dict(Membership.objects.get(pk=boss.pk))
    assert _as_dict(found.reports_to.user) == _as_dict(boss.user)
    assert (found.unread_notification_count, found.switchable_count) == (1, 2)
    assert found.user is me.user  # the request's user, not a copy
    found.title = "Team lead"
    found.save()  # a model like any other: it saves as itself
    assert Membership.objects.get(pk=me.pk).title == "Team lead"


def test_without_team_or_manager_they_are_none_and_cost_no_query(org):
    me = MembershipFactory()

    found = membership_for_user(me.user)

    with CaptureQueriesContext(connection) as queries:
        assert (found.team, found.reports_to) == (None, None)
    assert len(queries) == 0
    assert (found.unread_notification_count, found.switchable_count) == (0, 1)


def test_an_inactive_or_foreign_membership_is_not_found(org, outsider):
    gone = MembershipFactory(is_active=False)
    UserOrganization.objects.filter(user=gone.user).update(is_active=False)

    assert membership_for_user(gone.user) is None
    assert membership_for_user(outsider.user) is None  # a member elsewhere, not here


def test_it_fails_closed_without_an_organisation(org):
    me = MembershipFactory()

    with no_tenant(), pytest.raises(NoTenantSelected):
        membership_for_user(me.user)


def test_the_organisation_of_an_address_is_the_orm_row_and_a_stranger_slug_none(org, outsider):
    with CaptureQueriesContext(connection) as queries:
        found = organization_by_slug(org.slug)

    assert len(queries) == 1
    assert _as_dict(found) == _as_dict(Organization.objects.get(pk=org.pk))
    assert organization_by_slug(outsider.organization.slug).pk == outsider.organization_id
    assert organization_by_slug("no-such-organisation") is None
    assert organization_by_slug("x' OR '1'='1") is None  # a parameter, not SQL


on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL prepares statements"
)


def _prepared_membership_reads() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%FROM tenancy_membership m %"],
        )
        return cursor.fetchone()[0]


@on_postgresql
def test_postgresql_plans_the_membership_read_once_per_connection(org, outsider):
    me = MembershipFactory()

    with CaptureQueriesContext(connection) as queries:
        first = membership_for_user(me.user)
    again = membership_for_user(me.user)
    with tenant_context(outsider.organization):  # the same statement for another tenant
        theirs = membership_for_user(outsider.user)
        assert membership_for_user(me.user) is None
    assert membership_for_user(SimpleNamespace(pk=2**40)) is None  # an id of any size, too

    assert "PARAMS = " in queries[0]["sql"]  # the values sent apart, to a prepared statement
    assert _prepared_membership_reads() == 1
    assert (first.pk, again.pk, theirs.pk) == (me.pk, me.pk, outsider.pk)


def test_with_preparing_turned_off_it_is_planned_like_any_statement(org, monkeypatch):
    me = MembershipFactory()
    options = {**connection.settings_dict["OPTIONS"]}
    options.pop("prepare_threshold", None)  # DATABASE_PREPARED_STATEMENTS=0
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", options)

    with CaptureQueriesContext(connection) as queries:
        assert membership_for_user(me.user).pk == me.pk
    assert len(queries) == 1
    assert "PARAMS = " not in queries[0]["sql"]  # the ids written into the statement
    assert str(me.user.pk) in queries[0]["sql"]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_column_changed_by_a_migration_fails_one_read_then_it_is_prepared_afresh():
    """A deploy migrates while a worker still runs: the worker's prepared statement no longer
    matches its table. One request fails (and rolls back); the next prepares it again."""
    organization = OrganizationFactory()
    with tenant_context(organization):
        me = MembershipFactory()
        assert membership_for_user(me.user).pk == me.pk  # prepared on this connection
    settings = connection.settings_dict
    migrating = psycopg.connect(
        host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"],
        password=settings["PASSWORD"] or None, dbname=settings["NAME"], autocommit=True,
    )  # fmt: skip
    try:
        migrating.execute("ALTER TABLE tenancy_membership ALTER COLUMN title TYPE varchar(81)")
        with pytest.raises(NotSupportedError), tenant_context(organization):
            membership_for_user(me.user)
        with tenant_context(organization):
            assert membership_for_user(me.user).pk == me.pk
    finally:
        migrating.execute("ALTER TABLE tenancy_membership ALTER COLUMN title TYPE varchar(80)")
        migrating.close()
        connection.close()  # its statements were prepared for the widened column
