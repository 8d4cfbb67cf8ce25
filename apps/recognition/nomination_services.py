"""Customer nominations: links, the public submission, moderation and personal data."""

import base64
import hashlib
import secrets
from datetime import datetime
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from apps.accounts.tokens import token_digest
from apps.audit.services import audit_record
from apps.core import ratelimit
from apps.core.errors import ApplicationError
from apps.notifications.models import Notification
from apps.notifications.services import (
    EmailContent,
    email_enqueue,
    notification_create_many,
    notify,
)
from apps.recognition.nomination_models import (
    DESCRIPTION_MAX_LENGTH,
    STORY_MAX_LENGTH,
    CustomerEmailThrottle,
    Nomination,
    NominationLink,
)
from apps.tenancy.models import GlobalRoute, Membership, Organization, Team

LINK_LABEL_REQUIRED = "Give the link a label, for example the customer and project."
LINK_ALREADY_REVOKED = "This link is already revoked."
LINK_EXPIRY_IN_PAST = "The expiry must be in the future."
NOMINEE_NOT_ELIGIBLE = "Please pick someone from the list, or describe them."
HELPER_REQUIRED = "Tell us who helped you: pick their name or describe them."
STORY_REQUIRED = "Please tell us what they did."
STORY_TOO_LONG = "Please keep the story under %(max)d characters."
CONSENT_REQUIRED = "Please confirm we may share your words with the team."
ALREADY_MODERATED = "This nomination has already been moderated."
APPROVE_NEEDS_NOMINEE = "Pick the member this nomination is about before approving it."
NOT_A_MODERATOR = "Only moderators can do this."

LINK_SUBMISSIONS_PER_HOUR = 30
CLIENT_SUBMISSIONS_PER_10_MINUTES = 5


class LinkGone(Exception):
    """The link was revoked, has expired or was single-use and used: a friendly 410."""


# --- Links -------------------------------------------------------------------------------------


def link_token(link: NominationLink) -> str:
    """256 bits derived from the link's secret salt and the server's key; never stored."""
    digest = salted_hmac(
        "nomination-link", f"{link.organization_id}:{link.pk}:{link.salt}", algorithm="sha256"
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def link_url(link: NominationLink) -> str:
    return settings.SITE_URL + reverse("nomination_form", kwargs={"token": link_token(link)})


def eligible_helpers():
    """Support people customers may name: active, in a support role or team, who allow it."""
    from django.db.models import Q

    return (
        Membership.objects.filter(is_active=True, accepts_nominations=True)
        .filter(Q(role=Membership.Role.SUPPORT) | Q(team__kind__in=Team.SUPPORT_KINDS))
        .select_related("user", "team")
        .order_by("user__full_name", "id")
    )


class PublicHelper(NamedTuple):
    """What the public form shows of a helper: the name they go by and their team, never their
    e-mail (the usual fallback of `display_name`)."""

    pk: int
    name: str
    team_id: int | None
    team_name: str | None


def public_helpers() -> list[PublicHelper]:
    """The eligible helpers who have a name, as plain rows: a large organisation lists hundreds,
    and model instances of each with user and team cost more than the page's query."""
    rows = eligible_helpers().values_list("pk", "user__full_name", "team_id", "team__name")
    return [
        PublicHelper(pk=pk, name=name.strip(), team_id=team_id, team_name=team_name)
        for pk, name, team_id, team_name in rows
        if name.strip()
    ]


@transaction.atomic
def nomination_link_create(
    *,
    creator: Membership,
    label: str,
    preselected_member: Membership | None = None,
    preselected_team: Team | None = None,
    expires_at: datetime | None = None,
    single_use: bool = False,
) -> NominationLink:
    label = label.replace("\x00", "").strip()
    if not label:
        raise ApplicationError(_(LINK_LABEL_REQUIRED), field="label")
    if expires_at is not None and expires_at <= timezone.now():
        raise ApplicationError(_(LINK_EXPIRY_IN_PAST), field="expires_at")
    if (
        preselected_member is not None
        and not eligible_helpers().filter(pk=preselected_member.pk).exists()
    ):
        raise ApplicationError(_(NOMINEE_NOT_ELIGIBLE), field="preselected_member")
    link = NominationLink.objects.create(
        created_by=creator,
        label=label[:120],
        preselected_member=preselected_member,
        preselected_team=preselected_team,
        expires_at=expires_at,
        single_use=single_use,
        salt=secrets.token_hex(16),
    )
    GlobalRoute.objects.create(
        kind=GlobalRoute.Kind.NOMINATION_LINK,
        digest=token_digest(link_token(link)),
        organization_id=link.organization_id,
        object_id=link.pk,
    )
    return link


@transaction.atomic
def nomination_link_revoke(
    *, link: NominationLink, actor: Membership, request: HttpRequest | None = None
) -> NominationLink:
    if link.revoked_at is not None:
        raise ApplicationError(_(LINK_ALREADY_REVOKED))
    link.revoked_at = timezone.now()
    link.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="nomination_link.revoked", target=link, request=request)
    return link


def nomination_link_route(token: str) -> GlobalRoute | None:
    """Which organisation and link a public token opens (before any tenant context)."""
    if not token or len(token) > 100:
        return None
    return GlobalRoute.objects.filter(
        kind=GlobalRoute.Kind.NOMINATION_LINK, digest=token_digest(token)
    ).first()


def check_link_usable(link: NominationLink) -> None:
    if not link.is_usable:
        raise LinkGone
    if link.single_use and link.nominations.exists():
        raise LinkGone


# --- Rate limits -------------------------------------------------------------------------------


def submission_allowed(*, link: NominationLink, client_ip: str | None) -> bool:
    """Count one submission per link and per client; True while both are under their limits."""
    link_key = f"nominate:org{link.organization_id}:link{link.pk}"
    allowed = ratelimit.hit(link_key, window=3600) <= LINK_SUBMISSIONS_PER_HOUR
    if client_ip:
        client = hashlib.sha256(client_ip.encode()).hexdigest()[:32]
        client_count = ratelimit.hit(f"nominate:client:{client}", window=600)
        allowed = allowed and client_count <= CLIENT_SUBMISSIONS_PER_10_MINUTES
    return allowed


# --- The public submission ---------------------------------------------------------------------


def _plain(text: str, limit: int) -> str:
    """Plain text: no NUL or other control characters but line breaks, trimmed, bounded."""
    cleaned = "".join(ch for ch in text if ch in "\n\t" or ch.isprintable())
    return cleaned.strip()[:limit]


@transaction.atomic
def nomination_submit(
    *,
    link: NominationLink,
    nominee: Membership | None,
    helper_description: str,
    story: str,
    customer_role: str,
    customer_name: str = "",
    customer_company: str = "",
    customer_email: str = "",
    consent: bool,
) -> Nomination:
    """Record a customer's nomination (pending moderation) and confirm it to them by e-mail,
    at most once a day per address."""
    check_link_usable(link)
    if nominee is not None and not eligible_helpers().filter(pk=nominee.pk).exists():
        raise ApplicationError(_(NOMINEE_NOT_ELIGIBLE), field="nominee")
    helper_description = _plain(helper_description, DESCRIPTION_MAX_LENGTH)
    if nominee is None and not helper_description:
        raise ApplicationError(_(HELPER_REQUIRED), field="nominee")
    if len(story.strip()) > STORY_MAX_LENGTH:
        raise ApplicationError(_(STORY_TOO_LONG) % {"max": STORY_MAX_LENGTH}, field="story")
    story = _plain(story, STORY_MAX_LENGTH)
    if not story:
        raise ApplicationError(_(STORY_REQUIRED), field="story")
    if customer_role not in Nomination.CustomerRole.values:
        raise ApplicationError(_("Please say who you are."), field="customer_role")
    if not consent:
        raise ApplicationError(_(CONSENT_REQUIRED), field="consent")
    nomination = Nomination.objects.create(
        link=link,
        collected_by_id=link.created_by_id,
        nominee=nominee,
        helper_description=helper_description,
        story=story,
        customer_role=customer_role,
        customer_name=_plain(customer_name, 120),
        customer_company=_plain(customer_company, 120),
        customer_email=customer_email.strip().lower()[:254],
        consent=True,
    )
    if nomination.customer_email:
        _confirm_to_customer(nomination)
    organization = link.organization  # in hand from the public page's query
    notification_create_many(
        recipient_ids=list(moderators(organization).values_list("pk", flat=True)),
        category="nominations",
        title=_("A customer nomination is waiting for moderation"),
        url=reverse("nomination_moderation", kwargs={"org_slug": organization.slug}),
    )
    return nomination


def _confirm_to_customer(nomination: Nomination) -> None:
    email_hash = hashlib.sha256(nomination.customer_email.encode()).hexdigest()
    try:
        with transaction.atomic():
            CustomerEmailThrottle.objects.create(email_hash=email_hash, day=timezone.localdate())
    except IntegrityError:
        return  # already confirmed to this address today
    organization = nomination.link.organization
    email_enqueue(
        category="nomination_confirmation",
        to_address=nomination.customer_email,
        content=EmailContent(
            subject=_("Thank you for your nomination"),
            template="recognition/email/nomination_confirmation",
            context={"nomination": nomination, "organization": organization},
        ),
    )


# --- Moderation --------------------------------------------------------------------------------


def moderators(organization: Organization):
    """Admins, plus managers unless the organisation turned that off."""
    roles = [Membership.Role.ADMIN]
    if organization.managers_can_moderate:
        roles.append(Membership.Role.MANAGER)
    return Membership.objects.filter(is_active=True, role__in=roles).select_related("user")


def can_moderate(member: Membership) -> bool:
    if member.role == Membership.Role.ADMIN:
        return True
    if member.role != Membership.Role.MANAGER:
        return False
    return Organization.objects.filter(
        pk=member.organization_id, managers_can_moderate=True
    ).exists()


def _require_moderator(actor: Membership) -> None:
    if not can_moderate(actor):
        raise ApplicationError(_(NOT_A_MODERATOR), code="forbidden")


@transaction.atomic
def nomination_moderate(
    *,
    nomination: Nomination,
    actor: Membership,
    decision: str,
    nominee: Membership | None = None,
    request: HttpRequest | None = None,
) -> Nomination:
    """Approve, reject or mark as spam. Approval needs a nominee (picked here for
    "I don't know their name" nominations) and notifies the nominee, their manager and the
    member who collected it."""
    _require_moderator(actor)
    locked = Nomination.objects.select_for_update().get(pk=nomination.pk)
    if locked.status != Nomination.Status.PENDING:
        raise ApplicationError(_(ALREADY_MODERATED))
    if decision not in (
        Nomination.Status.APPROVED,
        Nomination.Status.REJECTED,
        Nomination.Status.SPAM,
    ):
        raise ApplicationError(_("Choose approve, reject or spam."), field="decision")
    if nominee is not None:
        if not Membership.objects.filter(pk=nominee.pk, is_active=True).exists():
            raise ApplicationError(_(NOMINEE_NOT_ELIGIBLE), field="nominee")
        locked.nominee = nominee
    if decision == Nomination.Status.APPROVED and locked.nominee_id is None:
        raise ApplicationError(_(APPROVE_NEEDS_NOMINEE), field="nominee")
    locked.status = decision
    locked.moderated_at = timezone.now()
    locked.moderated_by = actor
    locked.save(update_fields=["status", "moderated_at", "moderated_by", "nominee"])
    audit_record(
        actor=actor, action=f"nomination.{decision}", target=locked,
        changes={"nominee": locked.nominee_id}, request=request,
    )  # fmt: skip
    if decision == Nomination.Status.APPROVED:
        _announce_approval(locked)
    _settle_moderation_notices(locked.organization_id)
    return locked


def _settle_moderation_notices(organization_id: int) -> None:
    """Once the queue is empty, the other moderators' "waiting for moderation" notices are
    stale: mark them read, so nobody opens an empty queue from a notice that still says new."""
    if Nomination.objects.filter(status=Nomination.Status.PENDING).exists():
        return
    queue = reverse(
        "nomination_moderation",
        kwargs={"org_slug": Organization.objects.get(pk=organization_id).slug},
    )
    Notification.objects.filter(category="nominations", url=queue, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def _announce_approval(nomination: Nomination) -> None:
    organization = Organization.objects.get(pk=nomination.organization_id)
    nominee = Membership.objects.select_related("user", "reports_to__user").get(
        pk=nomination.nominee_id
    )
    page = reverse(
        "recognition_page", kwargs={"org_slug": organization.slug, "member_id": nominee.pk}
    )
    notify(
        recipient=nominee,
        category="nominations",
        title=_("A customer nominated you"),
        body=nomination.story[:300],
        url=page,
    )
    manager = nominee.reports_to
    if manager is not None and manager.is_active:
        notify(
            recipient=manager,
            category="nominations",
            title=_("A customer nominated %(name)s") % {"name": nominee.display_name},
            body=nomination.story[:300],
            url=page,
            email=EmailContent(
                subject=_("A customer wrote to thank %(name)s") % {"name": nominee.display_name},
                template="recognition/email/nomination_to_manager",
                context={
                    "nomination": nomination,
                    "nominee": nominee,
                    "organization": organization,
                    "page_url": settings.SITE_URL + page,
                },
            ),
        )
    if nomination.collected_by_id not in (nominee.pk, getattr(manager, "pk", None)):
        notify(
            recipient=Membership.objects.get(pk=nomination.collected_by_id),
            category="nominations",
            title=_("Your link collected a nomination for %(name)s")
            % {"name": nominee.display_name},
            url=page,
        )


@transaction.atomic
def nomination_erase_customer(
    *, nomination: Nomination, actor: Membership, request: HttpRequest | None = None
) -> Nomination:
    """On the customer's request: forget who they are, keep the (moderated) story."""
    _require_moderator(actor)
    nomination.customer_name = ""
    nomination.customer_company = ""
    nomination.customer_email = ""
    nomination.customer_details_erased_at = timezone.now()
    nomination.save(
        update_fields=[
            "customer_name", "customer_company", "customer_email", "customer_details_erased_at"
        ]
    )  # fmt: skip
    audit_record(
        actor=actor, action="nomination.customer_erased", target=nomination, request=request
    )
    return nomination


@transaction.atomic
def nomination_delete(
    *, nomination: Nomination, actor: Membership, request: HttpRequest | None = None
) -> None:
    """On request: delete the nomination and everything the customer wrote."""
    _require_moderator(actor)
    audit_record(
        actor=actor, action="nomination.deleted", target=nomination,
        changes={"nominee": nomination.nominee_id, "status": nomination.status}, request=request,
    )  # fmt: skip
    organization_id = nomination.organization_id
    nomination.delete()
    _settle_moderation_notices(organization_id)
