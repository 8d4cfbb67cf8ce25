"""Every page costs the same number of queries whatever the amount of data behind it."""

import pytest
from django.urls import reverse

from apps.accounts.services import invitation_create
from apps.audit.services import audit_record
from apps.notifications.services import notification_create
from tests.factories import MembershipFactory, TeamFactory
from tests.queries import queries_of_get

pytestmark = pytest.mark.django_db

PAGES = [
    ("home", {}),
    ("me_profile", {}),
    ("me_notification_preferences", {}),
    ("me_tokens", {}),
    ("notifications", {}),
    ("settings_organization", {}),
    ("settings_members", {}),
    ("settings_invitations", {}),
    ("settings_teams", {}),
    ("settings_audit", {}),
    ("settings_member_edit", {"member_id": "member"}),
    ("settings_team_edit", {"team_id": "team"}),
    ("settings_values", {}),
    ("recognition_page", {"member_id": "member"}),
]

# Pages that show several independent lists need more than a handful (each list: its count,
# its page, what it prefetches); tests/recognition/test_person_page.py names every query.
QUERY_BUDGET = {"recognition_page": 25}


def _grow(admin, team, count: int) -> None:
    """Add `count` of everything the pages list: members, notifications, invitations, events."""
    for i in range(count):
        member = MembershipFactory(team=team, reports_to=admin, role="rep")
        notification_create(recipient=admin, category="membership", title=f"n{i}")
        invitation_create(actor=admin, email=f"invitee{i}-{member.pk}@example.test", role="rep")
        audit_record(actor=member, action="test.grow", target=member)
    TeamFactory()


@pytest.mark.parametrize(("name", "params"), PAGES, ids=[name for name, _ in PAGES])
def test_the_page_costs_the_same_queries_with_ten_times_the_rows(
    name, params, org, admin, client_for
):
    team = TeamFactory(name="Sales")
    admin.team = team
    admin.save()
    objects = {"member": admin.pk, "team": team.pk}
    path = reverse(
        name, kwargs={"org_slug": org.slug, **{k: objects[v] for k, v in params.items()}}
    )
    client = client_for(admin)
    _grow(admin, team, 2)
    small = queries_of_get(client, path)
    _grow(admin, team, 20)
    large = queries_of_get(client, path)
    assert small == large
    assert large <= QUERY_BUDGET.get(name, 16), "a page should need a handful of queries"


def test_the_home_page_queries_are_the_ones_we_expect(org, admin, client_for,
                                                      django_assert_num_queries):  # fmt: skip
    _grow(admin, TeamFactory(), 5)
    client = client_for(admin)
    client.get(f"/{org.slug}/")  # warm the session
    with django_assert_num_queries(13):
        # 1 session, 2 user, 3 organisation by slug, 4 savepoint, 5 set_config(app.org_id),
        # 6 membership (+team, manager; the nav's unread count and how many organisations
        # the switcher would list, as subqueries), 7 five latest notifications,
        # 8 direct reports, 9 member counts (one aggregate), 10 team count,
        # 11 pending invitations count, 12 set_config restore, 13 release savepoint
        client.get(f"/{org.slug}/")
