"""Write use-cases of accounts: sign-up and invitations."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import Invitation, User
from apps.accounts.tokens import token_digest
from apps.audit.services import audit_record
from apps.core.errors import ApplicationError
from apps.notifications.services import EmailContent, email_enqueue
from apps.tenancy.models import GlobalRoute, Membership, Organization, Team
from apps.tenancy.services import membership_create, organization_create

EMAIL_TAKEN = (
    "An account with this e-mail address already exists. Log in to create another organisation."
)
ALREADY_MEMBER = "This person is already a member of the organisation."
INVITATION_WRONG_USER = "This invitation was sent to another e-mail address."
INVITATION_NOT_PENDING = "This invitation has already been used, was withdrawn or has expired."


@transaction.atomic
def user_signup(
    *, email: str, full_name: str, password: str, organization_name: str, slug: str,
    time_zone: str = "UTC",
) -> tuple[User, Organization]:  # fmt: skip
    """Create an account and its first organisation, with the new user as its admin."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ApplicationError(_(EMAIL_TAKEN), field="email")
    user = User.objects.create_user(email=email, password=password, full_name=full_name.strip())
    organization = organization_create(
        name=organization_name.strip(), slug=slug, owner=user, time_zone=time_zone
    )
    return user, organization


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    url: str


@transaction.atomic
def invitation_create(
    *,
    actor: Membership,
    email: str,
    role: str,
    team: Team | None = None,
    reports_to: Membership | None = None,
    request: HttpRequest | None = None,
) -> IssuedInvitation:
    """Invite someone by e-mail. A new invitation to the same address replaces the old one."""
    email = email.strip().lower()
    if Membership.objects.filter(user__email__iexact=email).exists():
        raise ApplicationError(_(ALREADY_MEMBER), field="email")
    for old in Invitation.objects.filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ):
        _invitation_close(old, revoked=True)

    secret = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email,
        role=role,
        team=team,
        reports_to=reports_to,
        invited_by=actor,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    GlobalRoute.objects.create(
        kind=GlobalRoute.Kind.INVITATION,
        digest=token_digest(secret),
        organization_id=invitation.organization_id,
        object_id=invitation.pk,
    )
    url = settings.SITE_URL + reverse("invitation_accept", kwargs={"token": secret})
    organization = Organization.objects.get(pk=invitation.organization_id)
    email_enqueue(
        category="invitation",
        to_address=email,
        content=EmailContent(
            subject=_("%(name)s invited you to %(organization)s on salesculture")
            % {"name": actor.display_name, "organization": organization.name},
            template="accounts/email/invitation",
            context={
                "invitation": invitation,
                "organization": organization,
                "inviter": actor,
                "accept_url": url,
            },
        ),
    )
    audit_record(
        actor=actor, action="invitation.created", target=invitation,
        changes={"email": email, "role": role}, request=request,
    )  # fmt: skip
    return IssuedInvitation(invitation=invitation, url=url)


def _invitation_close(invitation: Invitation, *, revoked: bool) -> None:
    now = timezone.now()
    if revoked:
        invitation.revoked_at = now
    else:
        invitation.accepted_at = now
    invitation.save(update_fields=["revoked_at", "accepted_at"])
    GlobalRoute.objects.filter(
        kind=GlobalRoute.Kind.INVITATION,
        organization_id=invitation.organization_id,
        object_id=invitation.pk,
    ).delete()


@transaction.atomic
def invitation_revoke(
    *, invitation: Invitation, actor: Membership, request: HttpRequest | None = None
) -> None:
    if not invitation.is_pending:
        raise ApplicationError(_(INVITATION_NOT_PENDING))
    _invitation_close(invitation, revoked=True)
    audit_record(actor=actor, action="invitation.revoked", target=invitation, request=request)


def invitation_route(secret: str) -> GlobalRoute | None:
    """Which organisation an invitation link belongs to (looked up before any tenant context)."""
    if not secret or len(secret) > 100:
        return None
    return GlobalRoute.objects.filter(
        kind=GlobalRoute.Kind.INVITATION, digest=token_digest(secret)
    ).first()


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, user: User, request: HttpRequest | None = None
) -> Membership:
    """Turn a pending invitation into a membership. Single use: the route is deleted."""
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not locked.is_pending:
        raise ApplicationError(_(INVITATION_NOT_PENDING))
    if user.email.lower() != locked.email.lower():
        raise ApplicationError(_(INVITATION_WRONG_USER))
    if Membership.objects.filter(user=user).exists():
        raise ApplicationError(_(ALREADY_MEMBER))
    reports_to = locked.reports_to if locked.reports_to and locked.reports_to.is_active else None
    membership = membership_create(
        user=user, role=locked.role, team=locked.team, reports_to=reports_to
    )
    _invitation_close(locked, revoked=False)
    audit_record(actor=membership, action="invitation.accepted", target=locked, request=request)
    return membership


@transaction.atomic
def invitation_accept_as_new_user(
    *, invitation: Invitation, full_name: str, password: str, request: HttpRequest | None = None
) -> tuple[User, Membership]:
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ApplicationError(_(EMAIL_TAKEN), field="email")
    user = User.objects.create_user(
        email=invitation.email, password=password, full_name=full_name.strip()
    )
    return user, invitation_accept(invitation=invitation, user=user, request=request)
