"""Read queries of recognition. Every list here runs a fixed number of queries."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from apps.recognition.models import (
    Kudos,
    KudosRecipient,
    KudosValue,
    Letter,
    LetterCopy,
    LetterSubject,
    Reaction,
    Value,
)
from apps.tenancy.models import Membership


def value_list(*, include_inactive: bool = False) -> QuerySet[Value]:
    values = Value.objects.order_by("position", "name")
    return values if include_inactive else values.filter(is_active=True)


def kudos_visible_to(viewer: Membership) -> QuerySet[Kudos]:
    """Organisation-wide kudos, and private ones to their sender, recipients and the
    recipients' direct managers. Hidden kudos stay visible to admins only."""
    involves_viewer = KudosRecipient.objects.filter(kudos=OuterRef("pk")).filter(
        Q(recipient=viewer) | Q(recipient__reports_to=viewer)
    )
    visible = (
        Q(visibility=Kudos.Visibility.ORGANIZATION) | Q(sender=viewer) | Exists(involves_viewer)
    )
    queryset = Kudos.objects.filter(visible)
    if viewer.role != Membership.Role.ADMIN:
        queryset = queryset.filter(hidden_at__isnull=True)
    return queryset


def _with_details(queryset: QuerySet[Kudos]) -> QuerySet[Kudos]:
    return queryset.select_related("sender__user", "sender__team").prefetch_related(
        Prefetch(
            "recipient_links",
            queryset=KudosRecipient.objects.select_related("recipient__user", "recipient__team"),
        ),
        Prefetch("value_links", queryset=KudosValue.objects.select_related("value")),
        Prefetch("reactions", queryset=Reaction.objects.only("kudos_id", "member_id", "emoji")),
    )


def kudos_wall(
    *,
    viewer: Membership,
    person_id: int | None = None,
    team_id: int | None = None,
    value_id: int | None = None,
) -> QuerySet[Kudos]:
    """The organisation's recognition wall, newest first, as `viewer` may see it."""
    queryset = kudos_visible_to(viewer).filter(hidden_at__isnull=True)
    if person_id is not None:
        queryset = queryset.filter(
            Exists(KudosRecipient.objects.filter(kudos=OuterRef("pk"), recipient_id=person_id))
        )
    if team_id is not None:
        queryset = queryset.filter(
            Exists(KudosRecipient.objects.filter(kudos=OuterRef("pk"), recipient__team_id=team_id))
        )
    if value_id is not None:
        queryset = queryset.filter(
            Exists(KudosValue.objects.filter(kudos=OuterRef("pk"), value_id=value_id))
        )
    return _with_details(queryset).order_by("-created_at", "-id")


def kudos_detail(*, viewer: Membership, kudos_id: int) -> Kudos | None:
    return _with_details(kudos_visible_to(viewer)).filter(pk=kudos_id).first()


@dataclass(frozen=True)
class ReactionSummary:
    emoji: str
    label: str
    count: int
    mine: bool


def reaction_summary(kudos: Kudos, viewer: Membership) -> list[ReactionSummary]:
    """Counts per emoji from the prefetched reactions (no query)."""
    counts = Counter(reaction.emoji for reaction in kudos.reactions.all())
    mine = {r.emoji for r in kudos.reactions.all() if r.member_id == viewer.pk}
    return [
        ReactionSummary(emoji=emoji, label=str(label), count=counts[emoji], mine=emoji in mine)
        for emoji, label in Reaction.Emoji.choices
    ]


def letters_visible_to(viewer: Membership) -> QuerySet[Letter]:
    """Letters a member may read: as sender, addressee, copied executive, a person thanked,
    the manager of a person thanked, or an admin."""
    queryset = Letter.objects.all()
    if viewer.role != Membership.Role.ADMIN:
        about = LetterSubject.objects.filter(letter=OuterRef("pk")).filter(
            Q(member=viewer) | Q(member__reports_to=viewer)
        )
        copied = LetterCopy.objects.filter(letter=OuterRef("pk"), member=viewer)
        queryset = queryset.filter(
            Q(sender=viewer) | Q(addressed_to=viewer) | Exists(about) | Exists(copied)
        )
    return queryset.select_related(
        "sender__user", "addressed_to__user", "acknowledged_by__user", "email", "kudos"
    ).prefetch_related(
        Prefetch("subject_links", queryset=LetterSubject.objects.select_related("member__user")),
        Prefetch("copy_links", queryset=LetterCopy.objects.select_related("member__user")),
    )


def letter_inbox(*, manager: Membership) -> QuerySet[Letter]:
    """Letters addressed to a manager, waiting ones first."""
    return (
        letters_visible_to(manager)
        .filter(addressed_to=manager)
        .order_by("acknowledged_at", "-created_at")
    )


def letters_sent(*, sender: Membership) -> QuerySet[Letter]:
    return letters_visible_to(sender).filter(sender=sender).order_by("-created_at", "-id")


# --- A person's recognition ----------------------------------------------------------------


@dataclass(frozen=True)
class MonthCount:
    month: date
    kudos: int
    letters: int


def _month_starts(months: int, today: date) -> list[date]:
    first = today.replace(day=1)
    starts = []
    for _ in range(months):
        starts.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return list(reversed(starts))


def recognition_summary(*, member: Membership, viewer: Membership, months: int = 12) -> dict:
    """Totals, a month-by-month series and the people who recognised `member` most, counting
    only what `viewer` may see. Four queries, whatever the history."""
    tz = timezone.get_current_timezone()
    received = KudosRecipient.objects.filter(
        recipient=member,
        kudos__in=kudos_visible_to(viewer).filter(hidden_at__isnull=True).values("pk"),
    )
    letters = LetterSubject.objects.filter(
        member=member, letter__in=letters_visible_to(viewer).values("pk")
    )
    today = timezone.localdate()
    starts = _month_starts(months, today)
    since = timezone.make_aware(
        timezone.datetime.combine(starts[0], timezone.datetime.min.time()), tz
    )
    kudos_by_month = dict(
        received.filter(created_at__gte=since)
        .annotate(month=TruncMonth("created_at", tzinfo=tz))
        .values_list("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    letters_by_month = dict(
        letters.filter(created_at__gte=since)
        .annotate(month=TruncMonth("created_at", tzinfo=tz))
        .values_list("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )

    def as_date(value):
        return value.date() if hasattr(value, "date") else value

    kudos_by_month = {as_date(k): v for k, v in kudos_by_month.items()}
    letters_by_month = {as_date(k): v for k, v in letters_by_month.items()}
    series = [
        MonthCount(month=start, kudos=kudos_by_month.get(start, 0),
                   letters=letters_by_month.get(start, 0))
        for start in starts
    ]  # fmt: skip
    top = list(
        received.values("kudos__sender")
        .annotate(n=Count("id"))
        .order_by("-n", "kudos__sender")[:5]
        .values_list("kudos__sender", "n")
    )
    senders = Membership.objects.select_related("user").in_bulk([pk for pk, _n in top])
    totals = received.aggregate(kudos=Count("id")) | letters.aggregate(letters=Count("id"))
    return {
        "totals": totals,
        "series": series,
        "top_recognisers": [(senders[pk], n) for pk, n in top if pk in senders],
    }


def team_recognition(*, manager: Membership, quiet_days: int = 60) -> list[dict]:
    """Recognition per person who reports to `manager`, quiet people included."""
    since = timezone.now() - timedelta(days=quiet_days)
    people = (
        Membership.objects.filter(reports_to=manager, is_active=True)
        .select_related("user", "team")
        .annotate(
            kudos_total=Count("kudos_received", distinct=True),
            kudos_recent=Count(
                "kudos_received",
                filter=Q(kudos_received__created_at__gte=since),
                distinct=True,
            ),
            letters_total=Count("letters_about", distinct=True),
        )
        .order_by("kudos_recent", "user__full_name")
    )
    return [
        {
            "member": person,
            "kudos_total": person.kudos_total,
            "kudos_recent": person.kudos_recent,
            "letters_total": person.letters_total,
            "quiet": person.kudos_recent == 0,
        }
        for person in people
    ]
