"""The demo seed: realistic organisations, every role, idempotent, and bulk volume on demand."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.recognition.models import Kudos, Letter, Value
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Membership, Organization, UserOrganization

pytestmark = pytest.mark.django_db


def test_it_creates_two_organisations_with_every_role_and_a_history(db):
    call_command("seed_demo", quiet=True)
    northwind = Organization.objects.get(slug="northwind")
    assert Organization.objects.filter(slug="harbor").exists()
    with tenant_context(northwind):
        roles = set(Membership.objects.values_list("role", flat=True))
        assert roles == {"admin", "manager", "rep", "support"}
        sales_manager = Membership.objects.get(user__email="sam@demo.salesculture.test")
        support_manager = Membership.objects.get(user__email="dana@demo.salesculture.test")
        assert sales_manager.team.kind == "sales"
        assert support_manager.team.kind == "customer_service"
        assert Membership.objects.filter(reports_to=sales_manager, role="rep").count() == 4
        assert Value.objects.count() >= 4
        assert Kudos.objects.count() > 20
        assert Letter.objects.exists()
    alex = UserOrganization.objects.filter(user__email="admin@demo.salesculture.test")
    assert alex.count() == 2  # one person in two organisations


def test_it_can_run_twice_and_adds_bulk_members_for_benchmarks(db):
    call_command("seed_demo", quiet=True)
    call_command("seed_demo", quiet=True, members=100)
    northwind = Organization.objects.get(slug="northwind")
    with tenant_context(northwind):
        assert Membership.objects.count() == 13 + 100
        assert Kudos.objects.count() == 60  # the history is not duplicated


def test_it_refuses_a_negative_size(db):
    with pytest.raises(CommandError):
        call_command("seed_demo", quiet=True, members=-1)
