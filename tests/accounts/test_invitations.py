import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Invitation, User
from apps.accounts.services import invitation_create
from apps.audit.models import AuditEvent
from apps.tenancy.context import tenant_context
from apps.tenancy.models import GlobalRoute, Membership
from tests.factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invite(admin, django_capture_on_commit_callbacks):
    def make(email="newhire@example.test", role="support", **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            issued = invitation_create(actor=admin, email=email, role=role, **kwargs)
        return issued

    return make


def _accept_path(issued) -> str:
    return issued.url.removeprefix("http://127.0.0.1:8000")


def test_an_admin_invites_by_email_and_the_link_arrives(admin, org, client_for, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    team = TeamFactory(name="Customer Service", kind="customer_service")
    with_callbacks = client_for(admin)
    response = with_callbacks.post(
        reverse("settings_invitations", kwargs={"org_slug": org.slug}),
        {"email": "casey@example.test", "role": "support", "team": team.pk, "reports_to": admin.pk},
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.team) == (
        "casey@example.test", "support", team,
    )  # fmt: skip
    assert AuditEvent.objects.filter(action="invitation.created").exists()


def test_a_new_person_accepts_by_creating_their_account(invite, org, client):
    team = TeamFactory(kind="customer_service")
    issued = invite(team=team)
    assert re.search(r"/invitations/[\w-]{40,}/", mail.outbox[0].body)
    path = _accept_path(issued)
    assert client.get(path).status_code == 200
    response = client.post(
        path, {"full_name": "Nina Newhire", "password": "a fine long passphrase"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/{org.slug}/"
    user = User.objects.get(email="newhire@example.test")
    membership = Membership.objects.get(user=user)
    assert (membership.role, membership.team) == ("support", team)
    assert client.get(f"/{org.slug}/").status_code == 200


def test_an_invitation_works_only_once(invite, client):
    issued = invite()
    path = _accept_path(issued)
    client.post(path, {"full_name": "Nina", "password": "a fine long passphrase"})
    client.logout()
    again = client.get(path)
    assert again.status_code == 404  # the route is gone: a used link reveals nothing
    assert not GlobalRoute.objects.filter(kind="invitation").exists()


def test_an_expired_invitation_is_refused_clearly(invite, client):
    issued = invite()
    Invitation.objects.filter(pk=issued.invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = client.get(_accept_path(issued))
    assert response.status_code == 410
    assert "no longer valid" in response.content.decode()
    post = client.post(
        _accept_path(issued), {"full_name": "X", "password": "a fine long passphrase"}
    )
    assert post.status_code == 410
    assert not User.objects.filter(email="newhire@example.test").exists()


def test_a_withdrawn_invitation_cannot_be_used(invite, admin, org, client_for, client):
    issued = invite()
    client_for(admin).post(
        reverse(
            "settings_invitation_revoke",
            kwargs={"org_slug": org.slug, "invitation_id": issued.invitation.pk},
        )
    )
    assert client.get(_accept_path(issued)).status_code == 404


def test_an_unknown_token_is_a_plain_404(client, org):
    assert client.get("/invitations/not-a-real-token/").status_code == 404


def test_a_weak_password_is_refused_and_nothing_is_written(invite, client):
    issued = invite()
    response = client.post(_accept_path(issued), {"full_name": "Nina", "password": "123"})
    assert response.status_code == 200
    assert "too short" in response.content.decode()
    assert not User.objects.filter(email="newhire@example.test").exists()
    assert Invitation.objects.get().accepted_at is None


def test_an_existing_user_logs_in_to_accept(invite, org, outsider, client_for):
    issued = invite(email=outsider.user.email)
    client = client_for(outsider)
    response = client.post(_accept_path(issued))
    assert response.status_code == 302
    assert Membership.objects.filter(user=outsider.user).exists()
    with tenant_context(outsider.organization_id):
        assert Membership.objects.filter(user=outsider.user).exists()  # still theirs too


def test_someone_else_logged_in_cannot_take_the_invitation(invite, client_for):
    issued = invite()
    intruder = MembershipFactory()
    response = client_for(intruder).post(_accept_path(issued))
    assert response.status_code == 200
    assert "another address" in response.content.decode()
    assert Invitation.objects.get().accepted_at is None


def test_inviting_an_existing_member_is_refused(admin, org, client_for):
    member = MembershipFactory()
    response = client_for(admin).post(
        reverse("settings_invitations", kwargs={"org_slug": org.slug}),
        {"email": member.user.email, "role": "rep"},
    )
    assert "already a member" in response.content.decode()
    assert not Invitation.objects.exists()


def test_only_admins_invite(org, client_for):
    rep = MembershipFactory(role="rep")
    response = client_for(rep).post(
        reverse("settings_invitations", kwargs={"org_slug": org.slug}),
        {"email": "x@example.test", "role": "admin"},
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_the_outsiders_invitation_list_never_shows_ours(invite, outsider, client_for):
    invite()
    response = client_for(outsider).get(
        reverse("settings_invitations", kwargs={"org_slug": outsider.organization.slug})
    )
    assert "newhire@example.test" not in response.content.decode()
