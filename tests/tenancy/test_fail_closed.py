"""The first wall: the ORM refuses tenant queries without an organisation, and scopes them."""

import pytest
from django.db import connection

from apps.tenancy.context import NoTenantSelected, TenantMismatch, no_tenant, tenant_context
from apps.tenancy.models import Membership, Team
from tests.factories import MembershipFactory, OrganizationFactory, TeamFactory

pytestmark = pytest.mark.django_db


def test_a_query_with_no_organisation_raises(org):
    TeamFactory()
    with no_tenant():
        with pytest.raises(NoTenantSelected):
            list(Team.objects.all())
        with pytest.raises(NoTenantSelected):
            Team.objects.count()
        with pytest.raises(NoTenantSelected):
            Team.objects.exists()
        with pytest.raises(NoTenantSelected):
            Team.objects.update(name="x")
        with pytest.raises(NoTenantSelected):
            Team.objects.all().delete()
        with pytest.raises(NoTenantSelected):
            Team(name="Orphan").save()


def test_a_lazy_queryset_cannot_be_evaluated_in_another_organisation(org, outsider):
    teams = Team.objects.all()  # built in `org`, not evaluated yet
    with tenant_context(outsider.organization_id), pytest.raises(TenantMismatch):
        list(teams)


def test_each_organisation_sees_only_its_rows(org, outsider):
    mine = TeamFactory(name="Mine")
    with tenant_context(outsider.organization_id):
        theirs = TeamFactory(name="Theirs")
        assert list(Team.objects.values_list("name", flat=True)) == ["Theirs"]
    assert list(Team.objects.values_list("name", flat=True)) == ["Mine"]
    assert not Team.objects.filter(pk=theirs.pk).exists()
    assert Team.objects.filter(pk=theirs.pk).update(name="Hacked") == 0
    assert Team.objects.get(pk=mine.pk).name == "Mine"


def test_a_row_of_another_organisation_cannot_be_saved_here(org, outsider):
    with pytest.raises(TenantMismatch):
        Membership(user=outsider.user, organization_id=outsider.organization_id).save()


def test_subqueries_are_scoped_too(org, outsider):
    MembershipFactory(role="rep")
    with tenant_context(outsider.organization_id):
        outsider_ids = list(Membership.objects.values_list("id", flat=True))
    inner = Membership.objects.values("id")
    assert not Membership.objects.filter(id__in=inner).filter(id__in=outsider_ids).exists()


def test_nested_contexts_restore_the_outer_organisation(org):
    other = OrganizationFactory()
    with tenant_context(other):
        pass
    TeamFactory(name="Still here")
    assert Team.objects.filter(name="Still here").count() == 1
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('app.org_id', true)")
            assert cursor.fetchone()[0] == str(org.pk)


def test_bulk_create_accepts_a_generator_and_fills_the_organisation(org):
    Team.objects.bulk_create(Team(name=f"T{i}") for i in range(3))
    assert sorted(Team.objects.values_list("name", flat=True)) == ["T0", "T1", "T2"]
    assert set(Team.objects.values_list("organization_id", flat=True)) == {org.pk}


def test_leaving_no_tenant_gives_the_database_its_organisation_back(org, outsider):
    TeamFactory(name="Ours")
    with no_tenant(), tenant_context(outsider.organization_id):
        pass  # its exit resets the database setting to "no organisation"
    # Both walls agree again: the ORM and row-level security see our row.
    assert Team.objects.filter(name="Ours").exists()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM tenancy_team WHERE name = 'Ours'")
            assert cursor.fetchone()[0] == 1
