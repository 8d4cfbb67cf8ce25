"""The nominations API: links (create with Idempotency-Key, list mine, retrieve, revoke) and
moderation (list with a status filter, approve, reject, spam) for moderators only, with
problem-details errors, tenant isolation and constant query counts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.api.problems import PROBLEM_CONTENT_TYPE
from apps.notifications.models import Notification
from apps.recognition.nomination_apis import MEMBER_NOT_FOUND, TEAM_NOT_FOUND
from apps.recognition.nomination_models import Nomination, NominationLink
from apps.recognition.nomination_services import (
    ALREADY_MODERATED,
    APPROVE_NEEDS_NOMINEE,
    LINK_ALREADY_REVOKED,
    LINK_EXPIRY_IN_PAST,
    NOMINEE_NOT_ELIGIBLE,
    link_url,
    nomination_link_create,
    nomination_moderate,
)
from apps.tenancy.context import tenant_context
from apps.tenancy.models import GlobalRoute, Organization
from tests.factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db

LINKS = "/api/v1/nomination-links/"
NOMINATIONS = "/api/v1/nominations/"
CUSTOMER_EMAIL = "pat.buyer@customer.test"


@pytest.fixture
def dana(org):
    team = TeamFactory(name="Customer Service", kind="customer_service")
    return MembershipFactory(role="manager", team=team, user__full_name="Dana Support-Lead")


@pytest.fixture
def casey(dana):
    return MembershipFactory(
        role="support", team=dana.team, reports_to=dana, user__full_name="Casey Helper"
    )


@pytest.fixture
def riley(org):
    return MembershipFactory(role="rep", user__full_name="Riley Rep")


@pytest.fixture
def link(riley):
    return nomination_link_create(creator=riley, label="Acme rollout")


def nominate(link, nominee=None, **fields):
    """A nomination as the public form records it (pending moderation)."""
    defaults = {
        "story": "Casey found our lost pallet.",
        "customer_role": Nomination.CustomerRole.BUYER,
        "customer_name": "Pat Buyer",
        "customer_company": "Acme Corp",
        "customer_email": CUSTOMER_EMAIL,
        "consent": True,
        "helper_description": "" if nominee else "The tall one on the phone",
    }
    return Nomination.objects.create(
        link=link, collected_by_id=link.created_by_id, nominee=nominee, **{**defaults, **fields}
    )


def assert_problem(response, status: int, field: str | None = None, message: str = ""):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert body["status"] == status
    if field:
        assert message in body["errors"][field][0] if message else field in body["errors"]
    return body


# --- Links: create -----------------------------------------------------------------------------


def test_a_member_creates_a_link_with_every_option(org, riley, casey, dana, api_client_for):
    expires = timezone.now() + timedelta(days=7)
    response = api_client_for(riley).post(
        LINKS,
        {"label": "  Acme rollout  ", "preselected_member": casey.pk,
         "preselected_team": dana.team_id, "expires_at": expires.isoformat(), "single_use": True},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    link = NominationLink.objects.get()
    assert body["id"] == link.pk
    assert body["label"] == "Acme rollout"
    assert body["url"] == link_url(link)
    assert body["created_by"] == {"id": riley.pk, "name": "Riley Rep"}
    assert body["preselected_member"] == {"id": casey.pk, "name": "Casey Helper"}
    assert body["preselected_team"] == {"id": dana.team_id, "name": "Customer Service"}
    assert body["single_use"] is True
    assert body["is_usable"] is True
    assert (body["nomination_count"], body["approved_count"]) == (0, 0)
    assert (link.created_by, link.single_use, link.expires_at) == (riley, True, expires)
    assert GlobalRoute.objects.filter(kind="nomination_link", object_id=link.pk).count() == 1


def test_an_idempotency_key_makes_a_retry_return_the_first_link(org, riley, api_client_for):
    client = api_client_for(riley)
    first = client.post(LINKS, {"label": "Acme"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(LINKS, {"label": "Acme"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert NominationLink.objects.count() == 1
    reused = client.post(LINKS, {"label": "Globex"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert_problem(reused, 422)
    assert NominationLink.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({}, "label", ""),
        ({"label": "   "}, "label", ""),
        ({"label": "x" * 121}, "label", ""),
        ({"label": "Acme", "expires_at": "yesterday"}, "expires_at", ""),
        ({"label": "Acme", "expires_at": "2001-01-01T00:00:00Z"}, "expires_at",
         LINK_EXPIRY_IN_PAST),
        ({"label": "Acme", "preselected_member": "abc"}, "preselected_member", ""),
        ({"label": "Acme", "preselected_member": 987654}, "preselected_member", MEMBER_NOT_FOUND),
        ({"label": "Acme", "preselected_team": 987654}, "preselected_team", TEAM_NOT_FOUND),
        ({"label": "Acme", "single_use": "perhaps"}, "single_use", ""),
    ],
)  # fmt: skip
def test_bad_input_is_a_400_problem_and_writes_nothing(org, riley, api_client_for, payload,
                                                       field, message):  # fmt: skip
    response = api_client_for(riley).post(LINKS, payload, format="json")
    assert_problem(response, 400, field, message)
    assert not NominationLink.objects.exists()
    assert not GlobalRoute.objects.filter(kind="nomination_link").exists()


def test_only_support_people_who_allow_it_can_be_preselected(org, riley, api_client_for):
    shy = MembershipFactory(role="support", accepts_nominations=False)
    for member in (riley, shy):
        response = api_client_for(riley).post(
            LINKS, {"label": "Acme", "preselected_member": member.pk}, format="json"
        )
        assert_problem(response, 400, "preselected_member", NOMINEE_NOT_ELIGIBLE)
    assert not NominationLink.objects.exists()


def test_members_and_teams_of_another_organisation_are_unknown_here(org, riley, outsider,
                                                                    api_client_for):  # fmt: skip
    with tenant_context(outsider.organization):
        their_helper = MembershipFactory(role="support")
        their_team = TeamFactory()
    client = api_client_for(riley)
    response = client.post(
        LINKS, {"label": "Acme", "preselected_member": their_helper.pk}, format="json"
    )
    assert_problem(response, 400, "preselected_member", MEMBER_NOT_FOUND)
    response = client.post(
        LINKS, {"label": "Acme", "preselected_team": their_team.pk}, format="json"
    )
    assert_problem(response, 400, "preselected_team", TEAM_NOT_FOUND)
    assert not NominationLink.objects.exists()


# --- Links: list, retrieve, revoke -------------------------------------------------------------


def test_the_list_holds_my_links_only_with_their_counts(org, admin, riley, casey, link,
                                                        api_client_for):  # fmt: skip
    nomination_moderate(nomination=nominate(link, casey), actor=admin, decision="approved")
    nominate(link, casey)
    nominate(link, None)
    nomination_link_create(creator=admin, label="Admin's own")
    response = api_client_for(riley).get(LINKS)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [row["label"] for row in results] == ["Acme rollout"]
    assert (results[0]["nomination_count"], results[0]["approved_count"]) == (3, 1)
    assert results[0]["url"] == link_url(link)
    # An admin's list is their own links too (every link of the organisation is on the page).
    labels = [row["label"] for row in api_client_for(admin).get(LINKS).json()["results"]]
    assert labels == ["Admin's own"]


def test_the_link_list_costs_the_same_queries_with_many_links(org, riley, casey, api_client_for):
    client = api_client_for(riley)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            response = client.get(LINKS + "?page_size=200")
        assert response.status_code == 200
        return len(context.captured_queries)

    nominate(nomination_link_create(creator=riley, label="First"), casey)
    queries()  # the token's first use records it (once a minute)
    few = queries()
    for i in range(120):
        created = nomination_link_create(creator=riley, label=f"Link {i}", preselected_member=casey)
        nominate(created, casey)
    # Authentication (token route, organisation, membership), the tenant context, the rate
    # limit's cache; then the page of links with their creator, helper, team and counts in one
    # query. The URL is computed, not queried.
    assert queries() == few


def test_a_link_is_read_by_its_creator_and_the_admins_only(org, admin, riley, dana, link,
                                                           api_client_for):  # fmt: skip
    path = f"{LINKS}{link.pk}/"
    for member in (riley, admin):
        response = api_client_for(member).get(path)
        assert response.status_code == 200
        assert response.json()["label"] == "Acme rollout"
    assert_problem(api_client_for(dana).get(path), 403)
    assert_problem(api_client_for(riley).get(f"{LINKS}987654/"), 404)


def test_revoking_a_link_closes_it_and_is_audited(org, riley, link, api_client_for):
    client = api_client_for(riley)
    response = client.post(f"{LINKS}{link.pk}/revoke/")
    assert response.status_code == 200
    assert response.json()["is_usable"] is False
    assert response.json()["revoked_at"] is not None
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert AuditEvent.objects.get(action="nomination_link.revoked").actor == riley
    again = client.post(f"{LINKS}{link.pk}/revoke/")
    assert_problem(again, 400, "non_field_errors", LINK_ALREADY_REVOKED)


def test_only_the_creator_or_an_admin_revokes_a_link(org, admin, dana, riley, link,
                                                     api_client_for):  # fmt: skip
    assert_problem(api_client_for(dana).post(f"{LINKS}{link.pk}/revoke/"), 403)
    link.refresh_from_db()
    assert link.revoked_at is None
    assert api_client_for(admin).post(f"{LINKS}{link.pk}/revoke/").status_code == 200


def test_the_outsider_gets_404_on_our_links(org, link, outsider, api_client_for):
    charlie = api_client_for(outsider)
    assert_problem(charlie.get(f"{LINKS}{link.pk}/"), 404)
    assert_problem(charlie.post(f"{LINKS}{link.pk}/revoke/"), 404)
    assert charlie.get(LINKS).json()["results"] == []
    link.refresh_from_db()
    assert link.revoked_at is None


# --- Nominations: who may list and moderate ----------------------------------------------------


def test_moderators_list_every_nomination_with_the_customers_details(
    org, admin, dana, casey, link, api_client_for
):
    named = nominate(link, casey)
    unknown = nominate(link, None)
    for moderator in (admin, dana):
        response = api_client_for(moderator).get(NOMINATIONS)
        assert response.status_code == 200
        results = response.json()["results"]
        assert [row["id"] for row in results] == [unknown.pk, named.pk]
    row = results[1]
    assert row["status"] == "pending"
    assert row["nominee"] == {"id": casey.pk, "name": "Casey Helper"}
    assert row["story"] == "Casey found our lost pallet."
    assert row["customer"] == {
        "role": "buyer", "name": "Pat Buyer", "company": "Acme Corp", "email": CUSTOMER_EMAIL,
        "details_erased_at": None,
    }  # fmt: skip
    assert row["link"] == {"id": link.pk, "label": "Acme rollout"}
    assert row["collected_by"]["id"] == link.created_by_id
    assert results[0]["nominee"] is None
    assert results[0]["helper_description"] == "The tall one on the phone"


@pytest.mark.parametrize("role", ["rep", "support", "manager-not-allowed"])
def test_everyone_else_gets_a_403_problem_and_nothing_changes(org, role, casey, link,
                                                              api_client_for):  # fmt: skip
    nomination = nominate(link, casey)
    if role == "manager-not-allowed":
        Organization.objects.filter(pk=org.pk).update(managers_can_moderate=False)
    client = api_client_for(MembershipFactory(role=role.split("-")[0]))
    body = assert_problem(client.get(NOMINATIONS), 403)
    assert CUSTOMER_EMAIL not in str(body)
    for action in ("approve", "reject", "spam"):
        assert_problem(client.post(f"{NOMINATIONS}{nomination.pk}/{action}/"), 403)
    nomination.refresh_from_db()
    assert nomination.status == "pending"
    assert not AuditEvent.objects.filter(action__startswith="nomination.").exists()


def test_the_list_filters_by_status(org, admin, casey, link, api_client_for):
    pending = nominate(link, casey)
    spam = nominate(link, casey)
    nomination_moderate(nomination=spam, actor=admin, decision="spam")
    client = api_client_for(admin)
    ids = lambda query: [row["id"] for row in client.get(NOMINATIONS + query).json()["results"]]  # noqa: E731
    assert ids("?status=pending") == [pending.pk]
    assert ids("?status=spam") == [spam.pk]
    assert ids("") == [spam.pk, pending.pk]
    assert_problem(client.get(NOMINATIONS + "?status=nonsense"), 400, "status")


def test_the_nomination_list_costs_the_same_queries_with_many_rows(org, admin, dana, casey, link,
                                                                   api_client_for):  # fmt: skip
    client = api_client_for(dana)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            response = client.get(NOMINATIONS + "?page_size=200")
        assert response.status_code == 200
        return len(context.captured_queries)

    nominate(link, casey)
    queries()  # the token's first use records it (once a minute)
    few = queries()
    for i in range(150):
        nomination = nominate(link, casey if i % 2 else None)
        if i % 3 == 0 and i % 2:
            nomination_moderate(nomination=nomination, actor=admin, decision="approved")
    # Authentication (token route, organisation, membership), the tenant context, the rate
    # limit's cache; can_moderate (the organisation's setting, for a manager); then one page of
    # nominations with their link, nominee, team, collector and moderator in one query.
    assert queries() == few


# --- Nominations: approve, reject, spam --------------------------------------------------------


def test_approving_through_the_api_notifies_and_is_audited(org, admin, dana, casey, riley, link,
                                                           api_client_for):  # fmt: skip
    nomination = nominate(link, casey)
    response = api_client_for(admin).post(f"{NOMINATIONS}{nomination.pk}/approve/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    assert response.json()["moderated_by"] == {"id": admin.pk, "name": "Ada Admin"}
    nomination.refresh_from_db()
    assert (nomination.status, nomination.moderated_by) == ("approved", admin)
    assert AuditEvent.objects.get(action="nomination.approved").actor == admin
    for member in (casey, dana, riley):
        assert Notification.objects.filter(recipient=member, category="nominations").exists()


def test_approving_a_nomination_nobody_could_name_needs_a_nominee(org, admin, casey, link,
                                                                  api_client_for):  # fmt: skip
    nomination = nominate(link, None)
    client = api_client_for(admin)
    path = f"{NOMINATIONS}{nomination.pk}/approve/"
    assert_problem(client.post(path), 400, "nominee", APPROVE_NEEDS_NOMINEE)
    assert_problem(client.post(path, {"nominee": "abc"}, format="json"), 400, "nominee")
    assert_problem(
        client.post(path, {"nominee": 987654}, format="json"), 400, "nominee", MEMBER_NOT_FOUND
    )
    nomination.refresh_from_db()
    assert (nomination.status, nomination.nominee) == ("pending", None)
    assert not AuditEvent.objects.filter(action__startswith="nomination.").exists()
    response = client.post(path, {"nominee": casey.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["nominee"] == {"id": casey.pk, "name": "Casey Helper"}
    nomination.refresh_from_db()
    assert (nomination.status, nomination.nominee) == ("approved", casey)


def test_a_member_of_another_organisation_is_no_nominee(org, admin, link, outsider,
                                                        api_client_for):  # fmt: skip
    nomination = nominate(link, None)
    response = api_client_for(admin).post(
        f"{NOMINATIONS}{nomination.pk}/approve/", {"nominee": outsider.pk}, format="json"
    )
    assert_problem(response, 400, "nominee", MEMBER_NOT_FOUND)
    nomination.refresh_from_db()
    assert (nomination.status, nomination.nominee) == ("pending", None)


@pytest.mark.parametrize("action", ["reject", "spam"])
def test_rejecting_or_marking_spam(org, dana, casey, link, api_client_for, action):
    nomination = nominate(link, casey)
    response = api_client_for(dana).post(f"{NOMINATIONS}{nomination.pk}/{action}/")
    assert response.status_code == 200
    decision = {"reject": "rejected", "spam": "spam"}[action]
    assert response.json()["status"] == decision
    assert AuditEvent.objects.get(action=f"nomination.{decision}").actor == dana
    assert not Notification.objects.filter(recipient=casey).exists()


def test_a_nomination_already_moderated_is_refused(org, admin, dana, casey, link, api_client_for):
    nomination = nominate(link, casey)
    nomination_moderate(nomination=nomination, actor=dana, decision="rejected")
    for action in ("approve", "reject", "spam"):
        response = api_client_for(admin).post(f"{NOMINATIONS}{nomination.pk}/{action}/")
        assert_problem(response, 400, "non_field_errors", ALREADY_MODERATED)
    nomination.refresh_from_db()
    assert (nomination.status, nomination.moderated_by) == ("rejected", dana)


def test_the_outsider_gets_404_on_our_nominations(org, casey, link, outsider, api_client_for):
    nomination = nominate(link, casey)
    charlie = api_client_for(outsider)  # an admin, a moderator in his own organisation
    for action in ("approve", "reject", "spam"):
        assert_problem(charlie.post(f"{NOMINATIONS}{nomination.pk}/{action}/"), 404)
    response = charlie.get(NOMINATIONS)
    assert response.json()["results"] == []
    assert CUSTOMER_EMAIL not in response.content.decode()
    nomination.refresh_from_db()
    assert nomination.status == "pending"


def test_an_unknown_nomination_is_a_404_problem(org, admin, api_client_for):
    assert_problem(api_client_for(admin).post(f"{NOMINATIONS}987654/approve/"), 404)
