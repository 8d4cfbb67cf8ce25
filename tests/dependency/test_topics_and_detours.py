"""Topics and who really handles them, the who-to-call directory, and service detours."""

import pytest
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.dependency.models import ServiceDetour, Topic
from apps.tenancy.services import organization_create
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.queries import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db


def url(name, org, **kwargs):
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


def test_an_admin_routes_a_topic_to_the_team_that_handles_it(admin, org, client_for):
    team = TeamFactory(name="Inside Sales", kind="inside_sales")
    response = client_for(admin).post(
        url("settings_topics", org),
        {"name": "Pricing", "handled_by_team": team.pk, "how_to": "Have the SKU ready.",
         "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    topic = Topic.objects.get(name="Pricing")
    assert topic.handled_by_team == team
    assert AuditEvent.objects.filter(action="topic.created").exists()
    again = client_for(admin).post(url("settings_topics", org), {"name": "pricing"})
    assert "already exists" in again.content.decode()


@pytest.mark.parametrize("role", ["manager", "rep", "support"])
def test_only_admins_manage_topics(org, client_for, role):
    member = MembershipFactory(role=role)
    assert client_for(member).get(url("settings_topics", org)).status_code == 403


def test_a_new_organisation_starts_with_routed_topics(db):
    owner = UserFactory()
    organization = organization_create(name="Fresh", slug="fresh", owner=owner)
    from apps.tenancy.context import tenant_context

    with tenant_context(organization):
        assert Topic.objects.filter(name="Pricing and quotes").exists()


def test_reps_search_the_who_to_call_directory(org, client_for):
    team = TeamFactory(name="Technical Support", kind="technical_support")
    MembershipFactory(role="support", team=team, user__full_name="Hannah Fixit")
    Topic.objects.create(name="Repair", handled_by_team=team, how_to="Model and serial number")
    rep = MembershipFactory(role="rep")
    page = client_for(rep).get(url("who_to_call", org), {"q": "repair"}).content.decode()
    assert "Repair" in page
    assert "Model and serial number" in page
    people = client_for(rep).get(url("who_to_call", org), {"q": "hannah"}).content.decode()
    assert "Hannah Fixit" in people


def test_a_rep_logs_a_service_detour_in_two_taps(org, client_for):
    team = TeamFactory(name="Customer Service", kind="customer_service")
    rep = MembershipFactory(role="rep")
    response = client_for(rep).post(
        url("detour_new", org), {"kind": "wrong_item", "team": team.pk, "minutes": "15"}
    )
    assert response.status_code == 302
    detour = ServiceDetour.objects.get()
    assert (detour.rep, detour.team, detour.minutes) == (rep, team, 15)
    bad = client_for(rep).post(url("detour_new", org), {"kind": "x", "team": team.pk,
                                                        "minutes": "0"})  # fmt: skip
    assert bad.status_code == 200
    assert ServiceDetour.objects.count() == 1


def test_support_staff_do_not_log_detours(org, client_for):
    support = MembershipFactory(role="support")
    assert client_for(support).get(url("detour_new", org)).status_code == 403
    assert client_for(support).get(url("detours", org)).status_code == 403


def test_the_outsider_cannot_edit_our_topics(org, outsider, client_for):
    topic = Topic.objects.create(name="Secret routing")
    path = reverse(
        "settings_topic_edit",
        kwargs={"org_slug": outsider.organization.slug, "topic_id": topic.pk},
    )
    assert client_for(outsider).post(path, {"name": "Hacked"}).status_code == 404
    topic.refresh_from_db()
    assert topic.name == "Secret routing"


def test_the_topic_settings_cost_the_same_queries_with_many_topics_and_teams(
    org, admin, client_for
):
    def grow(count: int) -> None:
        for i in range(count):
            team = TeamFactory(kind="inside_sales")
            helper = MembershipFactory(role="support", team=team)
            Topic.objects.create(name=f"Grown {team.pk}-{i}", handled_by_team=team,
                                 handled_by_member=helper)  # fmt: skip

    assert_queries_do_not_grow(client_for(admin), url("settings_topics", org), grow, more=40)
