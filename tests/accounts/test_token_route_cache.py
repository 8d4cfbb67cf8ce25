"""A token's route (which organisation it opens) is kept per process; its row still decides.

After a token's first call the middleware no longer looks its route up, but every call reads the
token, its membership and its user inside the organisation. Revoking the token or deactivating
the person takes effect on the very next call, in every process: these tests change the rows
directly or through the services, which never tell this process's route directory.
"""

import pytest
from rest_framework.test import APIClient

from apps.accounts import lockout
from apps.accounts.tokens import api_token_create, api_token_revoke, token_digest
from apps.core import ratelimit
from apps.tenancy.context import tenant_context
from tests.factories import KudosFactory, MembershipFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


@pytest.fixture
def ann(org):
    return MembershipFactory(role="rep", user__full_name="Ann Rep")


def _used_client(member) -> tuple[APIClient, object]:
    """A client whose token has made one call already, so its route is in the directory."""
    issued = api_token_create(membership=member, name="CRM")
    client = APIClient(REMOTE_ADDR="198.51.100.20")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    assert client.get(ME).status_code == 200
    return client, issued


def test_the_second_call_does_not_look_the_route_up_again(ann, django_assert_num_queries):
    client, _issued = _used_client(ann)
    with django_assert_num_queries(6):
        # 1. SAVEPOINT, 2. set_config(app.org_id), 3. the token with its membership, user and
        # team, 4. the organisation (all that /me/ shows), 5. set_config back, 6. RELEASE
        # SAVEPOINT: a test's context is nested; a real request's is a transaction of its own,
        # which BEGIN and COMMIT replace 1 and 6 and which skips 5. No route lookup.
        response = client.get(ME)
    assert response.status_code == 200


def test_a_revoked_token_is_refused_at_once_although_its_route_is_kept(ann):
    client, issued = _used_client(ann)
    api_token_revoke(token=issued.token, actor=ann)
    assert client.get(ME).status_code == 401


def test_a_revoked_token_counts_as_unknown_from_the_call_after_its_refusal(ann):
    client, issued = _used_client(ann)
    api_token_revoke(token=issued.token, actor=ann)
    failures = lockout._key("token", "198.51.100.20")
    assert client.get(ME).status_code == 401  # the route was still known here: forgotten now
    assert ratelimit.count(failures) == 0
    assert client.get(ME).status_code == 401
    assert ratelimit.count(failures) == 1  # unknown: counted towards the guessing lockout


def test_a_deactivated_member_is_refused_at_once(ann):
    client, _issued = _used_client(ann)
    ann.is_active = False
    ann.save(update_fields=["is_active"])
    assert client.get(ME).status_code == 401
    ann.is_active = True  # and welcome again once reactivated: the route was not the decision
    ann.save(update_fields=["is_active"])
    assert client.get(ME).status_code == 200


def test_a_deactivated_user_is_refused_at_once(ann):
    client, _issued = _used_client(ann)
    ann.user.is_active = False
    ann.user.save(update_fields=["is_active"])
    assert client.get(ME).status_code == 401


def test_an_outsiders_kept_route_never_opens_our_organisation(org, ann, outsider):
    kudos = KudosFactory(sender=ann)
    with tenant_context(outsider.organization_id):
        client, _issued = _used_client(outsider)
    response = client.get(f"/api/v1/kudos/{kudos.pk}/")
    assert response.status_code == 404
    assert client.get(ME).json()["organization"]["slug"] == "outsider"


def test_the_directory_holds_digests_only(ann):
    from apps.accounts import tokens

    _client, issued = _used_client(ann)
    assert issued.secret not in tokens._routes
    assert token_digest(issued.secret) in tokens._routes
