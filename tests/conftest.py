import pytest
from django.test import Client

from apps.tenancy.context import tenant_context
from tests.factories import MembershipFactory, OrganizationFactory


@pytest.fixture
def org(db):
    """The organisation every test body runs in."""
    organization = OrganizationFactory()
    with tenant_context(organization):
        yield organization


@pytest.fixture
def outsider(db, org):
    """Charlie: an admin of another organisation, who must never see `org`'s data."""
    other = OrganizationFactory(name="Outsider Ltd", slug="outsider")
    with tenant_context(other):
        charlie = MembershipFactory(role="admin", user__full_name="Charlie Outsider")
    return charlie


@pytest.fixture
def admin(org):
    return MembershipFactory(role="admin", user__full_name="Ada Admin")


@pytest.fixture
def client_for():
    """A logged-in browser session for a membership's user."""

    def make(membership) -> Client:
        client = Client()
        client.force_login(membership.user)
        return client

    return make
