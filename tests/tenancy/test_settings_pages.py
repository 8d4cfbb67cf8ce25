import pytest
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.notifications.models import Notification
from apps.tenancy.models import Membership, Organization, Team
from tests.factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db


def url(name, org, **kwargs):
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


@pytest.mark.parametrize("role", ["manager", "rep", "support"])
@pytest.mark.parametrize(
    "name", ["settings_organization", "settings_members", "settings_invitations",
             "settings_teams", "settings_audit"],
)  # fmt: skip
def test_only_admins_reach_settings(org, client_for, role, name):
    member = MembershipFactory(role=role)
    assert client_for(member).get(url(name, org)).status_code == 403


def test_an_admin_changes_role_team_and_manager_and_it_is_audited(admin, org, client_for):
    team = TeamFactory(name="Inside Sales", kind="inside_sales")
    boss = MembershipFactory(role="manager")
    member = MembershipFactory(role="rep")
    response = client_for(admin).post(
        url("settings_member_edit", org, member_id=member.pk),
        {"role": "support", "team": team.pk, "reports_to": boss.pk, "title": "Quoter",
         "is_executive": ""},
    )  # fmt: skip
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.role, member.team, member.reports_to, member.title) == (
        "support", team, boss, "Quoter",
    )  # fmt: skip
    event = AuditEvent.objects.get(action="membership.updated")
    assert event.actor == admin
    assert event.changes["role"] == ["rep", "support"]
    assert Notification.objects.filter(recipient=member, category="membership").exists()


def test_a_reporting_loop_is_refused(admin, org, client_for):
    boss = MembershipFactory(role="manager")
    member = MembershipFactory(role="rep", reports_to=boss)
    response = client_for(admin).post(
        url("settings_member_edit", org, member_id=boss.pk),
        {"role": "manager", "reports_to": member.pk},
    )
    assert response.status_code == 200
    assert "reporting loop" in response.content.decode()
    boss.refresh_from_db()
    assert boss.reports_to is None


def test_the_last_admin_cannot_step_down(admin, org, client_for):
    response = client_for(admin).post(
        url("settings_member_edit", org, member_id=admin.pk), {"role": "rep"}
    )
    assert "at least one active admin" in response.content.decode()
    admin.refresh_from_db()
    assert admin.role == "admin"


def test_deactivation_hands_direct_reports_to_the_managers_own_manager(admin, org, client_for):
    director = MembershipFactory(role="manager")
    manager = MembershipFactory(role="manager", reports_to=director)
    reps = MembershipFactory.create_batch(2, role="rep", reports_to=manager)
    response = client_for(admin).post(url("settings_member_deactivate", org, member_id=manager.pk))
    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.is_active is False
    assert set(Membership.objects.filter(reports_to=director)) == {manager, *reps}
    assert AuditEvent.objects.filter(action="membership.deactivated").exists()
    assert client_for(manager).get(f"/{org.slug}/").status_code == 404
    client_for(admin).post(url("settings_member_reactivate", org, member_id=manager.pk))
    manager.refresh_from_db()
    assert manager.is_active


def test_deactivating_a_manager_without_a_manager_hands_over_to_an_admin(admin, org, client_for):
    manager = MembershipFactory(role="manager")
    rep = MembershipFactory(role="rep", reports_to=manager)
    client_for(admin).post(url("settings_member_deactivate", org, member_id=manager.pk))
    rep.refresh_from_db()
    assert rep.reports_to == admin


def test_organisation_settings_are_validated_and_audited(admin, org, client_for):
    client = client_for(admin)
    bad = client.post(url("settings_organization", org), {
        "name": "Acme", "time_zone": "Nowhere/Land", "currency": "USD",
        "callback_delay_minutes": 0, "rep_cost_per_hour": "-", "manager_cost_per_hour": "80",
        "default_phone_region": "US",
    })  # fmt: skip
    assert bad.status_code == 200
    assert "not one of the available choices" in bad.content.decode()
    good = client.post(url("settings_organization", org), {
        "name": "Acme Renamed", "time_zone": "America/New_York", "currency": "EUR",
        "callback_delay_minutes": 45, "rep_cost_per_hour": "50", "manager_cost_per_hour": "80",
        "managers_can_moderate": "on", "default_phone_region": "US", "nudge_after_days": 30,
        "work_day_start": "08:30", "work_day_end": "17:30", "work_days": "12345",
        "escalation_retention_months": 24,
    })  # fmt: skip
    assert good.status_code == 302
    org.refresh_from_db()
    assert (org.name, org.callback_delay_minutes, org.currency) == ("Acme Renamed", 45, "EUR")
    assert AuditEvent.objects.filter(action="organization.updated").exists()


def test_an_hourly_cost_below_zero_is_refused_and_nothing_changes(admin, org, client_for):
    form = {
        "name": "Acme", "time_zone": "UTC", "currency": "USD", "callback_delay_minutes": 45,
        "rep_cost_per_hour": "-10", "manager_cost_per_hour": "80", "default_phone_region": "US",
        "nudge_after_days": 30, "work_day_start": "08:30", "work_day_end": "17:30",
        "work_days": "12345", "escalation_retention_months": 24,
    }  # fmt: skip
    response = client_for(admin).post(url("settings_organization", org), form)

    assert response.status_code == 200
    assert "greater than or equal to 0" in response.content.decode()
    org.refresh_from_db()
    assert org.rep_cost_per_hour == 45
    assert not AuditEvent.objects.filter(action="organization.updated").exists()


def test_teams_are_created_with_unique_names(admin, org, client_for):
    client = client_for(admin)
    client.post(url("settings_teams", org), {"name": "Repairs", "kind": "technical_support"})
    again = client.post(url("settings_teams", org), {"name": "repairs", "kind": "other"})
    assert "already exists" in again.content.decode()
    assert Team.objects.get().kind == "technical_support"


def test_the_audit_log_is_read_only_and_filterable(admin, org, client_for):
    MembershipFactory()
    client = client_for(admin)
    client.post(url("settings_teams", org), {"name": "Repairs", "kind": "technical_support"})
    page = client.get(url("settings_audit", org), {"action": "team.created"})
    assert page.status_code == 200
    assert "team.created" in page.content.decode()
    # No route edits or deletes an event; even a POST to the log is refused.
    assert client.post(url("settings_audit", org)).status_code == 405


def test_the_outsider_cannot_see_or_edit_our_members(admin, org, outsider, client_for):
    member = MembershipFactory()
    other = client_for(outsider)
    slug = outsider.organization.slug
    edit = reverse("settings_member_edit", kwargs={"org_slug": slug, "member_id": member.pk})
    assert other.get(edit).status_code == 404
    assert other.post(edit, {"role": "admin"}).status_code == 404
    deactivate = reverse(
        "settings_member_deactivate", kwargs={"org_slug": slug, "member_id": member.pk}
    )
    assert other.post(deactivate).status_code == 404
    member.refresh_from_db()
    assert member.is_active
    assert member.role == "rep"
    assert Organization.objects.count() == 2


def test_an_unknown_phone_region_and_an_inverted_working_day_are_refused(admin, org, client_for):
    response = client_for(admin).post(url("settings_organization", org), {
        "name": "Acme", "time_zone": "UTC", "currency": "USD", "callback_delay_minutes": 60,
        "rep_cost_per_hour": "50", "manager_cost_per_hour": "80", "nudge_after_days": 30,
        "default_phone_region": "XX", "work_day_start": "18:00", "work_day_end": "08:00",
        "work_days": "12345", "escalation_retention_months": 24,
    })  # fmt: skip
    body = response.content.decode()
    assert "two-letter country code" in body
    assert "must end after it starts" in body
    org.refresh_from_db()
    assert org.default_phone_region == "US"
