"""Only `Authorization: Bearer <personal token>` opens the API, and only while the token, its
membership and its user are all alive. The session cookie of the web app never does."""

import pytest
from rest_framework.test import APIClient

from apps.accounts.authentication import INVALID_TOKEN
from apps.accounts.models import ApiToken
from apps.accounts.tokens import api_token_create, api_token_revoke
from apps.core.api.problems import PROBLEM_CONTENT_TYPE
from tests.factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db


ME = "/api/v1/me/"


def _client(authorization: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=authorization)
    return client


def _assert_unauthorized(response, detail: str) -> None:
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json() == {
        "type": "about:blank",
        "title": "Unauthorized",
        "status": 401,
        "detail": detail,
    }


def test_it_asks_for_credentials_without_an_authorization_header(api_client):
    response = api_client.get(ME)
    _assert_unauthorized(response, "Authentication credentials were not provided.")


@pytest.mark.parametrize("authorization", ["Basic YWRhOnNlY3JldA==", "Token sc_abc", "sc_abc"])
def test_it_refuses_other_schemes(admin, authorization):
    api_token_create(membership=admin, name="CRM")
    response = _client(authorization).get(ME)
    _assert_unauthorized(response, "Authentication credentials were not provided.")


@pytest.mark.parametrize(
    "authorization",
    ["Bearer", "Bearer ", "Bearer nonsense", "Bearer sc_" + "x" * 43, "Bearer sc_\x00", "bearer x"],
)
def test_it_refuses_a_token_that_does_not_exist(admin, authorization):
    response = _client(authorization).get(ME)
    _assert_unauthorized(response, str(INVALID_TOKEN))


def test_it_refuses_a_revoked_token(admin):
    issued = api_token_create(membership=admin, name="CRM")
    api_token_revoke(token=issued.token, actor=admin)
    response = _client(f"Bearer {issued.secret}").get(ME)
    _assert_unauthorized(response, str(INVALID_TOKEN))


def test_it_refuses_the_token_of_a_deactivated_member(admin):
    issued = api_token_create(membership=admin, name="CRM")
    admin.is_active = False
    admin.save(update_fields=["is_active"])
    response = _client(f"Bearer {issued.secret}").get(ME)
    _assert_unauthorized(response, str(INVALID_TOKEN))


def test_it_refuses_the_token_of_a_deactivated_user(admin):
    issued = api_token_create(membership=admin, name="CRM")
    admin.user.is_active = False
    admin.user.save(update_fields=["is_active"])
    response = _client(f"Bearer {issued.secret}").get(ME)
    _assert_unauthorized(response, str(INVALID_TOKEN))


def test_a_session_cookie_alone_does_not_authenticate(admin, client_for):
    response = client_for(admin).get(ME)  # logged in to the web app, no token
    assert response.status_code == 401  # not a redirect to the login page
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE


def test_a_valid_token_works_and_records_its_use(admin):
    issued = api_token_create(membership=admin, name="CRM")
    response = _client(f"Bearer {issued.secret}").get(ME)
    assert response.status_code == 200
    assert response.json()["id"] == admin.pk
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at is not None


def test_me_describes_the_token_holder(org, api_client_for):
    team = TeamFactory(name="Customer service", kind="customer_service")
    boss = MembershipFactory(role="manager")
    ann = MembershipFactory(
        role="support",
        team=team,
        title="Service lead",
        reports_to=boss,
        user__full_name="Ann Helper",
        user__email="ann@example.test",
    )
    response = api_client_for(ann).get(ME)
    assert response.status_code == 200
    assert response.json() == {
        "id": ann.pk,
        "name": "Ann Helper",
        "email": "ann@example.test",
        "role": "support",
        "title": "Service lead",
        "team": {"id": team.pk, "name": "Customer service", "kind": "customer_service"},
        "reports_to": boss.pk,
        "is_executive": False,
        "is_active": True,
        "joined_at": response.json()["joined_at"],
        "organization": {"slug": org.slug, "name": org.name, "time_zone": "Europe/London"},
    }


def test_a_token_speaks_only_for_its_own_organisation(admin, outsider, api_client_for):
    response = api_client_for(outsider).get(ME)
    assert response.status_code == 200
    assert response.json()["id"] == outsider.pk
    assert response.json()["organization"]["slug"] == "outsider"


def test_me_is_read_only(admin, api_client_for):
    response = api_client_for(admin).post(ME, {}, format="json")
    assert response.status_code == 405
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert response["Allow"] == "GET, HEAD, OPTIONS"


def test_a_client_guessing_tokens_is_locked_out_but_others_are_not(org, admin, api_client_for,
                                                                   monkeypatch):  # fmt: skip
    from apps.accounts import lockout

    monkeypatch.setattr(lockout, "TOKEN_FAILURE_LIMIT", 3)
    guesser = APIClient(REMOTE_ADDR="203.0.113.9")
    guesser.credentials(HTTP_AUTHORIZATION="Bearer sc_guess")
    for _ in range(3):
        assert guesser.get(ME).status_code == 401
    refused = guesser.get(ME)
    assert refused.status_code == 429
    assert refused["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert int(refused["Retry-After"]) > 0
    assert api_client_for(admin).get(ME).status_code == 200  # another client is unaffected
