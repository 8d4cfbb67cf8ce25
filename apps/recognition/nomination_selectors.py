"""Read queries of customer nominations. Every list here runs a fixed number of queries.

Two audiences, kept apart on purpose:

- moderators read everything a customer wrote, their e-mail included (`moderation_queue`,
  `nomination_for_moderation`, the API's `nomination_list`);
- everyone else reads approved nominations only, and never the customer's e-mail: the querysets
  for the wall and the recognition pages leave that column out.
"""

from django.db.models import Count, Q, QuerySet
from django.db.models.expressions import RawSQL

from apps.core import fragments
from apps.core.models import ContentVersion
from apps.recognition.nomination_models import Nomination, NominationLink
from apps.recognition.nomination_services import public_helpers
from apps.tenancy.models import Membership

# The public form's helper list: (team name, [(member id, name), ...]) in the form's order, the
# people without a team under None.
HelperGroups = list[tuple[str | None, list[tuple[str, str]]]]

# Shown as tabs on the moderation queue, in this order.
QUEUE_STATUSES = (
    Nomination.Status.PENDING,
    Nomination.Status.APPROVED,
    Nomination.Status.REJECTED,
    Nomination.Status.SPAM,
)


# --- Moderation (moderators only: the views and the API check `can_moderate` first) ----------


def _with_moderation_details(queryset: QuerySet[Nomination]) -> QuerySet[Nomination]:
    return queryset.select_related(
        "link",
        "nominee__user",
        "nominee__team",
        "collected_by__user",
        "moderated_by__user",
    )


def moderation_queue(*, status: str | None = Nomination.Status.PENDING) -> QuerySet[Nomination]:
    """The organisation's nominations with one `status` (all of them for None), newest first,
    with the link, the nominee, the collector and the moderator (one query for a page)."""
    queryset = Nomination.objects.all()
    if status:
        queryset = queryset.filter(status=status)
    return _with_moderation_details(queryset).order_by("-created_at", "-id")


def moderation_counts() -> dict[str, int]:
    """How many nominations each status has (one query), for the queue's tabs."""
    counts = Nomination.objects.aggregate(
        **{status: Count("id", filter=Q(status=status)) for status in QUEUE_STATUSES}
    )
    return {status: counts[status] for status in QUEUE_STATUSES}


def nomination_for_moderation(*, nomination_id: int) -> Nomination | None:
    return moderation_queue(status=None).filter(pk=nomination_id).first()


def nomination_list(*, status: str | None = None) -> QuerySet[Nomination]:
    """The API's list: every nomination (or those with `status`), with its details."""
    return moderation_queue(status=status)


def nominee_choices() -> QuerySet[Membership]:
    """Whom a moderator may name as the nominee: any active member, alphabetically."""
    return (
        Membership.objects.filter(is_active=True)
        .select_related("user", "team")
        .order_by("user__full_name", "id")
    )


# --- Approved nominations: the wall and the recognition pages (every member) -------------------


def _approved() -> QuerySet[Nomination]:
    # The customer's name, company and role are shown with their words (they consented to it);
    # their e-mail address is for moderators only, so it is not even loaded.
    return Nomination.objects.filter(status=Nomination.Status.APPROVED).defer("customer_email")


def approved_nominations_for(member: Membership) -> QuerySet[Nomination]:
    """Approved nominations about `member`, newest first, with who collected them (one query).
    Every member may see them; the customer's e-mail is not loaded."""
    return (
        _approved()
        .filter(nominee=member)
        .select_related("collected_by__user")
        .order_by("-created_at", "-id")
    )


def approved_nominations_for_wall(
    *, person_id: int | None = None, team_id: int | None = None
) -> QuerySet[Nomination]:
    """Approved nominations for the organisation's wall, newest first, optionally about one
    person or one team's people, with the nominee and the collector (one query for a page).
    Every member may see them; the customer's e-mail is not loaded."""
    queryset = _approved()
    if person_id is not None:
        queryset = queryset.filter(nominee_id=person_id)
    if team_id is not None:
        queryset = queryset.filter(nominee__team_id=team_id)
    return queryset.select_related("nominee__user", "nominee__team", "collected_by__user").order_by(
        "-created_at", "-id"
    )


def nominations_collected_count(member: Membership) -> int:
    """How many of the nominations collected through `member`'s links were approved: the
    "nominations collected" credit on their page (one query)."""
    return Nomination.objects.filter(collected_by=member, status=Nomination.Status.APPROVED).count()


def nominations_received_count(member: Membership) -> int:
    """How many approved nominations name `member` (one query)."""
    return Nomination.objects.filter(nominee=member, status=Nomination.Status.APPROVED).count()


# --- Links -------------------------------------------------------------------------------------


def _with_counts(queryset: QuerySet[NominationLink]) -> QuerySet[NominationLink]:
    return queryset.select_related(
        "created_by__user", "preselected_member__user", "preselected_team"
    ).annotate(
        nomination_count=Count("nominations"),
        approved_count=Count(
            "nominations", filter=Q(nominations__status=Nomination.Status.APPROVED)
        ),
    )


def link_with_counts(*, link_id: int) -> NominationLink | None:
    """Any link of the organisation, with its counts (who may see it is the caller's rule:
    its creator and the admins)."""
    return _with_counts(NominationLink.objects.filter(pk=link_id)).first()


def links_of(member: Membership) -> QuerySet[NominationLink]:
    """`member`'s own links with their counts, newest first (one query for a page)."""
    return _with_counts(NominationLink.objects.filter(created_by=member)).order_by(
        "-created_at", "-id"
    )


# --- The public form (customers, through a link) -----------------------------------------------


def link_for_public_form(*, link_id: int) -> NominationLink | None:
    """The link a customer opened, with its organisation (a global table) and preselected team
    and, as `recognition_version`, the organisation's version of what its recognition pages
    show (apps/core/fragments.py), which keys the kept blank form: one query."""
    links = NominationLink.objects.select_related("organization", "preselected_team")
    if fragments.enabled():
        # This transaction's own writes included (migration core/0008).
        links = links.annotate(
            recognition_version=RawSQL(
                "(SELECT v.version FROM core_content_versions("
                '"recognition_nominationlink"."organization_id") v WHERE v.area = %s)',
                (ContentVersion.Area.RECOGNITION.value,),
            )
        )
    try:
        return links.get(pk=link_id)  # not `first()`: nothing to order
    except NominationLink.DoesNotExist:
        return None


def public_helper_groups(*, first_team_id: int | None) -> HelperGroups:
    """Whom a customer may name (`public_helpers()`), by team: `first_team_id`'s team first,
    then teams by name, then people without a team; names alphabetically (one query)."""
    groups: dict[int | None, tuple[str | None, list[tuple[str, str]]]] = {}
    for helper in public_helpers():  # by name: each group keeps that order
        group = groups.setdefault(helper.team_id, (helper.team_name, []))
        group[1].append((str(helper.pk), helper.name))

    def position(team_id: int | None) -> tuple:
        first = first_team_id is not None and team_id == first_team_id
        return (not first, team_id is None, groups[team_id][0] or "")

    return [groups[team_id] for team_id in sorted(groups, key=position)]
