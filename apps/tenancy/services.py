"""Write use-cases of the tenancy app: organisations, teams, memberships."""

from collections.abc import Callable

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.core.errors import ApplicationError
from apps.tenancy.context import require_organization_id, tenant_context
from apps.tenancy.models import (
    RESERVED_SLUGS,
    Membership,
    Organization,
    Team,
    UserOrganization,
)

SLUG_TAKEN = "That address is already taken; please choose another."
SLUG_RESERVED = "That address is reserved; please choose another."
LAST_ADMIN = "An organisation needs at least one active admin."
CANNOT_REPORT_TO_SELF = "Nobody can report to themself."
REPORTING_LOOP = "That would make a reporting loop."
ALREADY_INACTIVE = "This member is already deactivated."
TEAM_NAME_TAKEN = "A team with that name already exists."

# Feature apps register what must move when a member leaves (callbacks, letters to acknowledge…):
# each handler receives the leaving membership and their successor (their manager, or an admin).
HandoverHandler = Callable[[Membership, Membership | None], None]
_handover_handlers: list[HandoverHandler] = []


def register_handover(handler: HandoverHandler) -> HandoverHandler:
    _handover_handlers.append(handler)
    return handler


# Feature apps register what a new organisation starts with (default values, topics…); each
# handler runs inside the new organisation's tenant context.
_setup_handlers: list[Callable[[Organization], None]] = []


def register_organization_setup(handler: Callable[[Organization], None]) -> Callable:
    _setup_handlers.append(handler)
    return handler


def suggest_slug(name: str) -> str:
    base = slugify(name)[:40] or "team"
    if base in RESERVED_SLUGS:
        base = f"{base}-team"
    slug, n = base, 2
    while Organization.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def organization_create(*, name: str, slug: str, owner, time_zone: str = "UTC") -> Organization:
    """Create an organisation with `owner` (a User) as its first admin."""
    slug = slug.lower()
    if slug in RESERVED_SLUGS:
        raise ApplicationError(_(SLUG_RESERVED), field="slug")
    if Organization.objects.filter(slug=slug).exists():
        raise ApplicationError(_(SLUG_TAKEN), field="slug")
    organization = Organization(name=name, slug=slug, time_zone=time_zone)
    organization.full_clean()
    organization.save()
    with tenant_context(organization):
        membership = membership_create(user=owner, role=Membership.Role.ADMIN)
        audit_record(actor=membership, action="organization.created", target=organization)
        for handler in _setup_handlers:
            handler(organization)
    return organization


def membership_create(
    *,
    user,
    role: str,
    team: Team | None = None,
    reports_to: Membership | None = None,
    title: str = "",
    is_executive: bool = False,
) -> Membership:
    """Add a user to the current organisation, and to the global routing table."""
    organization_id = require_organization_id()
    membership = Membership(
        user=user,
        role=role,
        team=team,
        reports_to=reports_to,
        title=title,
        is_executive=is_executive,
        organization_id=organization_id,
    )
    membership.full_clean(exclude=["user"])
    membership.save()
    UserOrganization.objects.update_or_create(
        user=user,
        organization_id=organization_id,
        defaults={"membership_id": membership.pk, "role": role, "is_active": True},
    )
    return membership


MEMBERSHIP_AUDITED_FIELDS = ("role", "team_id", "reports_to_id", "is_executive", "title")


@transaction.atomic
def membership_update(
    *,
    membership: Membership,
    actor: Membership,
    request: HttpRequest | None = None,
    **changes,
) -> Membership:
    """Change role, team, manager, title, phones or the executive flag; audit what changed."""
    allowed = {
        "role",
        "team",
        "reports_to",
        "title",
        "is_executive",
        "phone_mobile",
        "phone_office",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"membership_update() got unexpected fields: {sorted(unknown)}")

    before = {field: getattr(membership, field) for field in MEMBERSHIP_AUDITED_FIELDS}
    for field, value in changes.items():
        setattr(membership, field, value)

    if membership.reports_to_id is not None:
        _check_reporting_line(membership)
    if before["role"] == Membership.Role.ADMIN and membership.role != Membership.Role.ADMIN:
        _check_other_admin_exists(membership)

    membership.full_clean(exclude=["user"])
    membership.save()
    UserOrganization.objects.filter(
        user_id=membership.user_id, organization_id=membership.organization_id
    ).update(role=membership.role)

    diff = {
        field: [before[field], getattr(membership, field)]
        for field in MEMBERSHIP_AUDITED_FIELDS
        if before[field] != getattr(membership, field)
    }
    if diff:
        audit_record(
            actor=actor, action="membership.updated", target=membership, changes=diff,
            request=request,
        )  # fmt: skip
        if membership.pk != actor.pk and diff.keys() & {"role", "team_id", "reports_to_id"}:
            _notify_membership_changed(membership=membership, actor=actor)
    return membership


def _notify_membership_changed(*, membership: Membership, actor: Membership) -> None:
    from apps.notifications.services import EmailContent, notify

    organization = Organization.objects.get(pk=membership.organization_id)
    title = _("%(name)s updated your role, team or manager") % {"name": actor.display_name}
    context = {"membership": membership, "actor": actor, "organization": organization}
    notify(
        recipient=membership,
        category="membership",
        title=title,
        body=_("You are %(role)s in %(team)s, reporting to %(manager)s.")
        % {
            "role": membership.get_role_display(),
            "team": membership.team.name if membership.team else _("no team"),
            "manager": membership.reports_to.display_name if membership.reports_to else _("nobody"),
        },
        url=reverse("me_profile", kwargs={"org_slug": organization.slug}),
        email=EmailContent(
            subject=title, template="notifications/email/membership_changed", context=context
        ),
    )


def _check_reporting_line(membership: Membership) -> None:
    if membership.reports_to_id == membership.pk:
        raise ApplicationError(_(CANNOT_REPORT_TO_SELF), field="reports_to")
    managers = dict(Membership.objects.values_list("id", "reports_to_id"))
    seen = {membership.pk}
    current = membership.reports_to_id
    while current is not None:
        if current in seen:
            raise ApplicationError(_(REPORTING_LOOP), field="reports_to")
        seen.add(current)
        current = managers.get(current)


def _check_other_admin_exists(membership: Membership) -> None:
    others = Membership.objects.filter(role=Membership.Role.ADMIN, is_active=True).exclude(
        pk=membership.pk
    )
    if not others.exists():
        raise ApplicationError(_(LAST_ADMIN), field="role")


def successor_for(membership: Membership) -> Membership | None:
    """Who takes over what waited on `membership`: their own manager, else an active admin."""
    manager = membership.reports_to
    if manager is not None and manager.is_active and manager.pk != membership.pk:
        return manager
    return (
        Membership.objects.filter(role=Membership.Role.ADMIN, is_active=True)
        .exclude(pk=membership.pk)
        .order_by("joined_at", "id")
        .first()
    )


@transaction.atomic
def membership_deactivate(
    *, membership: Membership, actor: Membership, request: HttpRequest | None = None
) -> Membership:
    """Deactivate a member. They keep their history; what waited on them moves on."""
    if not membership.is_active:
        raise ApplicationError(_(ALREADY_INACTIVE))
    if membership.role == Membership.Role.ADMIN:
        _check_other_admin_exists(membership)
    successor = successor_for(membership)

    # Their direct reports now report to their successor, so nobody is left without a manager.
    moved_reports = list(
        Membership.objects.filter(reports_to=membership).values_list("id", flat=True)
    )
    Membership.objects.filter(pk__in=moved_reports).update(reports_to=successor)
    for handler in _handover_handlers:
        handler(membership, successor)

    membership.is_active = False
    membership.deactivated_at = timezone.now()
    membership.save(update_fields=["is_active", "deactivated_at"])
    UserOrganization.objects.filter(
        user_id=membership.user_id, organization_id=membership.organization_id
    ).update(is_active=False)
    membership.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(
        actor=actor,
        action="membership.deactivated",
        target=membership,
        changes={
            "successor": successor.pk if successor else None,
            "moved_reports": moved_reports,
        },
        request=request,
    )
    return membership


@transaction.atomic
def membership_reactivate(
    *, membership: Membership, actor: Membership, request: HttpRequest | None = None
) -> Membership:
    membership.is_active = True
    membership.deactivated_at = None
    membership.save(update_fields=["is_active", "deactivated_at"])
    UserOrganization.objects.filter(
        user_id=membership.user_id, organization_id=membership.organization_id
    ).update(is_active=True)
    audit_record(actor=actor, action="membership.reactivated", target=membership, request=request)
    return membership


@transaction.atomic
def team_save(
    *, actor: Membership, name: str, kind: str, team: Team | None = None,
    request: HttpRequest | None = None,
) -> Team:  # fmt: skip
    """Create a team, or rename / re-kind an existing one."""
    clash = Team.objects.filter(name__iexact=name)
    if team is not None:
        clash = clash.exclude(pk=team.pk)
    if clash.exists():
        raise ApplicationError(_(TEAM_NAME_TAKEN), field="name")
    created = team is None
    team = team or Team()
    team.name, team.kind = name, kind
    team.save()
    audit_record(
        actor=actor, action="team.created" if created else "team.updated", target=team,
        changes={"name": name, "kind": kind}, request=request,
    )  # fmt: skip
    return team


@transaction.atomic
def organization_update(
    *, organization: Organization, actor: Membership, request: HttpRequest | None = None, **changes
) -> Organization:
    before = {field: getattr(organization, field) for field in changes}
    for field, value in changes.items():
        setattr(organization, field, value)
    organization.full_clean()
    organization.save()
    diff = {
        field: [str(before[field]), str(value)]
        for field, value in changes.items()
        if before[field] != value
    }
    if diff:
        audit_record(
            actor=actor, action="organization.updated", target=organization, changes=diff,
            request=request,
        )  # fmt: skip
    return organization
