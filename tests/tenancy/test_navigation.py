"""The navigation bar of every organisation page: the switcher and the unread badge.

Both are read with the membership (tests/core/test_query_counts.py pins the queries), so these
tests say that what they show is still right: whose notifications, which organisations.
"""

import re

import pytest
from django.urls import reverse

from apps.notifications.services import notification_create, notifications_mark_read
from apps.tenancy.context import tenant_context
from apps.tenancy.services import membership_deactivate
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def _badge(response) -> str | None:
    found = re.search(rb'class="badge badge-count">([^<]*)<', response.content)
    return found.group(1).decode() if found else None


def test_the_badge_counts_my_unread_notifications_only(org, admin, outsider, client_for):
    notification_create(recipient=admin, category="membership", title="One")
    notification_create(recipient=admin, category="membership", title="Two")
    read = notification_create(recipient=admin, category="membership", title="Read")
    notifications_mark_read(recipient=admin, ids=[read.pk])
    notification_create(recipient=MembershipFactory(), category="membership", title="Not mine")
    with tenant_context(outsider.organization_id):
        notification_create(recipient=outsider, category="membership", title="Elsewhere")

    response = client_for(admin).get(reverse("home", kwargs={"org_slug": org.slug}))

    assert _badge(response) == "2"


def test_no_badge_when_everything_is_read(org, admin, client_for):
    notification_create(recipient=admin, category="membership", title="Old")
    notifications_mark_read(recipient=admin)

    response = client_for(admin).get(reverse("home", kwargs={"org_slug": org.slug}))

    assert _badge(response) is None


def test_a_member_of_one_organisation_sees_its_name_and_no_switcher(org, admin, client_for):
    response = client_for(admin).get(reverse("home", kwargs={"org_slug": org.slug}))

    assert b"org-switcher" not in response.content
    assert f'<span class="org-name">{org.name}</span>'.encode() in response.content


def test_a_member_of_two_organisations_can_switch_between_them(org, admin, outsider, client_for):
    second = OrganizationFactory(name="Second Shop", slug="second-shop")
    with tenant_context(second):
        MembershipFactory(user=admin.user)

    response = client_for(admin).get(reverse("home", kwargs={"org_slug": org.slug}))

    assert b"org-switcher" in response.content
    assert b'href="/second-shop/"' in response.content
    assert f'href="/{org.slug}/" aria-current="true"'.encode() in response.content
    assert b"Outsider Ltd" not in response.content


def test_a_membership_ended_elsewhere_leaves_the_switcher(org, admin, client_for):
    second = OrganizationFactory(name="Second Shop", slug="second-shop")
    with tenant_context(second):
        elsewhere = MembershipFactory(user=admin.user)
        second_admin = MembershipFactory(role="admin")
        membership_deactivate(actor=second_admin, membership=elsewhere)

    response = client_for(admin).get(reverse("home", kwargs={"org_slug": org.slug}))

    assert b"org-switcher" not in response.content
    assert b"Second Shop" not in response.content
