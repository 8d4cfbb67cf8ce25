"""/api/v1/members/: the organisation's directory for integrations, one cursor page at a time."""

import pytest

from apps.core.api.problems import PROBLEM_CONTENT_TYPE
from apps.core.api.throttling import MembershipRateThrottle
from apps.tenancy.context import tenant_context
from tests.factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db


MEMBERS = "/api/v1/members/"


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [member["id"] for member in response.json()["results"]]


def test_it_lists_the_active_members_newest_first(admin, outsider, api_client_for):
    ann = MembershipFactory()
    MembershipFactory(is_active=False)
    response = api_client_for(admin).get(MEMBERS)
    assert _ids(response) == [ann.pk, admin.pk]  # neither the deactivated nor Charlie


def test_it_shows_each_member_with_team_and_manager(admin, api_client_for):
    team = TeamFactory(name="Inside sales", kind="inside_sales")
    bob = MembershipFactory(
        team=team,
        reports_to=admin,
        title="Quotes",
        user__full_name="Bob Quotes",
        user__email="bob@example.test",
    )
    response = api_client_for(admin).get(MEMBERS)
    assert response.json()["results"][0] == {
        "id": bob.pk,
        "name": "Bob Quotes",
        "email": "bob@example.test",
        "role": "rep",
        "title": "Quotes",
        "team": {"id": team.pk, "name": "Inside sales", "kind": "inside_sales"},
        "reports_to": admin.pk,
        "is_executive": False,
        "is_active": True,
        "joined_at": response.json()["results"][0]["joined_at"],
    }


def test_it_filters_by_role_team_and_search(admin, api_client_for):
    service = TeamFactory(name="Customer service", kind="customer_service")
    ann = MembershipFactory(role="support", team=service, user__full_name="Ann Helper")
    bob = MembershipFactory(role="support", title="Warranty desk", user__email="bob@desk.test")
    rep = MembershipFactory(role="rep", team=service, user__full_name="Rick Rep")
    client = api_client_for(admin)

    assert _ids(client.get(MEMBERS, {"role": "support"})) == [bob.pk, ann.pk]
    assert _ids(client.get(MEMBERS, {"team": service.pk})) == [rep.pk, ann.pk]
    assert _ids(client.get(MEMBERS, {"role": "support", "team": service.pk})) == [ann.pk]
    assert _ids(client.get(MEMBERS, {"q": "helper"})) == [ann.pk]  # name
    assert _ids(client.get(MEMBERS, {"q": "DESK.test"})) == [bob.pk]  # e-mail
    assert _ids(client.get(MEMBERS, {"q": "warranty"})) == [bob.pk]  # job title
    assert _ids(client.get(MEMBERS, {"q": ""})) == [rep.pk, bob.pk, ann.pk, admin.pk]


def test_another_organisations_team_filters_to_nobody(admin, outsider, api_client_for):
    with tenant_context(outsider.organization_id):
        their_team = TeamFactory()
        MembershipFactory(team=their_team)
    response = api_client_for(admin).get(MEMBERS, {"team": their_team.pk})
    assert _ids(response) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"role": "boss"}, "role"),
        ({"team": "sales"}, "team"),
        ({"team": "0"}, "team"),
        ({"q": "x" * 101}, "q"),
        ({"q": "ann\x00"}, "q"),  # PostgreSQL cannot even compare a NUL: a 400, never a 500
    ],
)
def test_it_refuses_bad_filters_with_a_problem(admin, api_client_for, params, field):
    response = api_client_for(admin).get(MEMBERS, params)
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["title"] == "Invalid request"
    assert list(response.json()["errors"]) == [field]


def test_it_pages_with_a_cursor(admin, api_client_for):
    members = MembershipFactory.create_batch(4)
    client = api_client_for(admin)
    first = client.get(MEMBERS, {"page_size": 3})
    assert _ids(first) == [m.pk for m in reversed(members)][:3]
    assert first.json()["previous"] is None
    second = client.get(first.json()["next"])
    assert _ids(second) == [members[0].pk, admin.pk]
    assert second.json()["next"] is None


def test_a_forged_cursor_is_a_400_problem_naming_the_parameter(admin, api_client_for):
    # base64 of "p=abc": a well-formed cursor whose position is not an id (it used to reach the
    # database and fail there with a 500).
    for cursor in ("not-a-cursor", "cD1hYmM="):
        response = api_client_for(admin).get(MEMBERS, {"cursor": cursor})
        assert response.status_code == 400
        assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
        assert list(response.json()["errors"]) == ["cursor"]


def test_a_malformed_page_size_is_a_400_problem(admin, api_client_for):
    for size in ("abc", "0", "-3", "", "1e3"):
        response = api_client_for(admin).get(MEMBERS, {"page_size": size})
        assert response.status_code == 400, size
        assert list(response.json()["errors"]) == ["page_size"]
    assert api_client_for(admin).get(MEMBERS, {"page_size": "5000"}).status_code == 200  # capped


def test_an_empty_filter_is_refused_rather_than_ignored(admin, api_client_for):
    # `?role=` used to list everyone, as if the filter were not there.
    response = api_client_for(admin).get(MEMBERS, {"role": ""})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["role"]


def test_it_retrieves_a_member_even_deactivated(admin, api_client_for):
    gone = MembershipFactory(is_active=False, user__full_name="Gone Person")
    response = api_client_for(admin).get(f"{MEMBERS}{gone.pk}/")
    assert response.status_code == 200
    assert response.json()["name"] == "Gone Person"
    assert response.json()["is_active"] is False


def test_another_organisations_member_is_not_found(admin, outsider, api_client_for):
    response = api_client_for(admin).get(f"{MEMBERS}{outsider.pk}/")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert response.json() == {"type": "about:blank", "title": "Not Found", "status": 404,
                               "detail": "Not found."}  # fmt: skip


def test_the_outsider_cannot_see_our_members_either(admin, outsider, api_client_for):
    client = api_client_for(outsider)
    assert _ids(client.get(MEMBERS)) == [outsider.pk]
    assert client.get(f"{MEMBERS}{admin.pk}/").status_code == 404


@pytest.mark.parametrize("count", [5, 50])
def test_the_list_costs_the_same_queries_whatever_its_size(
    admin, api_client_for, django_assert_num_queries, count
):
    team = TeamFactory()
    MembershipFactory.create_batch(count - 1, team=team, reports_to=admin)
    client = api_client_for(admin)
    with django_assert_num_queries(9):
        # 1. the token's global route (by digest; kept per process afterwards),
        # 2. SAVEPOINT and 3. set_config(app.org_id): entering the tenant context,
        # 4. the token with its membership, user and team, 5. its organisation,
        # 6. UPDATE its last use,
        # (the throttle's counter goes through the counters' own connection: not counted here)
        # 7. one page of members with their users and teams,
        # 8. set_config back and 9. RELEASE SAVEPOINT: leaving the (nested, in a test) context.
        response = client.get(MEMBERS, {"page_size": 100})
    assert len(_ids(response)) == count


def test_it_throttles_each_member_with_a_429_problem(admin, outsider, api_client_for, monkeypatch):
    monkeypatch.setattr(MembershipRateThrottle, "rate", "2/min", raising=False)
    client = api_client_for(admin)
    assert client.get(MEMBERS).status_code == 200
    assert client.get(f"{MEMBERS}{admin.pk}/").status_code == 200
    response = client.get(MEMBERS)
    assert response.status_code == 429
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["title"] == "Too Many Requests"
    # Counted per membership: Charlie's integration is not slowed down by ours.
    assert api_client_for(outsider).get(MEMBERS).status_code == 200
