"""Read queries of recognition. Every list here runs a fixed number of queries."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from apps.notifications.models import OutboundEmail
from apps.recognition.models import (
    Kudos,
    KudosRecipient,
    KudosValue,
    Letter,
    LetterCopy,
    LetterSubject,
    Nomination,
    Reaction,
    Value,
)
from apps.tenancy.models import Membership


def value_list(*, include_inactive: bool = False) -> QuerySet[Value]:
    values = Value.objects.order_by("position", "name")
    return values if include_inactive else values.filter(is_active=True)


def _visible(viewer: Membership, *, kudos: str = "pk") -> Q:
    """The condition "`viewer` may see this kudos", on Kudos rows or, with `kudos="kudos"`, on
    recipient rows, which carry copies of the kudos' visibility, sender and hidden state under
    the same names (no join to the kudos). Organisation-wide kudos, and private ones to their
    sender, recipients and the recipients' direct managers. Hidden kudos stay visible to admins
    only."""
    # The viewer's direct reports as a subquery, not a join to every recipient's membership:
    # PostgreSQL then reads the few matching recipients by index instead of hashing all of
    # them (seconds on a large organisation's wall, docs/benchmarks.md).
    # Two EXISTS rather than one with an OR inside: each reads the recipients index (the
    # viewer's rows, their reports' rows); the OR made PostgreSQL scan every recipient row.
    direct_reports = Membership.objects.filter(reports_to=viewer).values("pk")
    recipients = KudosRecipient.objects.filter(kudos=OuterRef(kudos))
    visible = (
        Q(visibility=Kudos.Visibility.ORGANIZATION)
        | Q(sender=viewer)
        | Exists(recipients.filter(recipient=viewer))
        | Exists(recipients.filter(recipient__in=direct_reports))
    )
    if viewer.role != Membership.Role.ADMIN:
        visible &= Q(hidden_at__isnull=True)
    return visible


def _sees_all_received(*, member: Membership, viewer: Membership) -> bool:
    """Whether `viewer` may see every kudos and letter `member` received (hidden kudos aside):
    `member` is among the people thanked, and their direct manager is the manager of one of
    them. The general condition would reach the same answer row by row."""
    return viewer.pk == member.pk or member.reports_to_id == viewer.pk


def kudos_visible_to(viewer: Membership) -> QuerySet[Kudos]:
    """Organisation-wide kudos, and private ones to their sender, recipients and the
    recipients' direct managers. Hidden kudos stay visible to admins only."""
    return Kudos.objects.filter(_visible(viewer))


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
        # One EXISTS per way in, each on an index (an OR inside one scanned every subject).
        subjects = LetterSubject.objects.filter(letter=OuterRef("pk"))
        direct_reports = Membership.objects.filter(reports_to=viewer).values("pk")
        copied = LetterCopy.objects.filter(letter=OuterRef("pk"), member=viewer)
        queryset = queryset.filter(
            Q(sender=viewer)
            | Q(addressed_to=viewer)
            | Exists(subjects.filter(member=viewer))
            | Exists(subjects.filter(member__in=direct_reports))
            | Exists(copied)
        )
    return queryset.select_related(
        "sender__user", "addressed_to__user", "acknowledged_by__user", "email", "kudos"
    ).prefetch_related(
        Prefetch("subject_links", queryset=LetterSubject.objects.select_related("member__user")),
        Prefetch("copy_links", queryset=LetterCopy.objects.select_related("member__user")),
    )


def letter_inbox(*, manager: Membership) -> QuerySet[Letter]:
    """Letters addressed to a manager: waiting ones first (newest first), then answered ones.

    NULLS FIRST explicitly: PostgreSQL sorts NULL last in ascending order, SQLite first.
    """
    return (
        letters_visible_to(manager)
        .filter(addressed_to=manager)
        .order_by(F("acknowledged_at").desc(nulls_first=True), "-created_at", "-id")
    )


def letters_sent(*, sender: Membership) -> QuerySet[Letter]:
    return letters_visible_to(sender).filter(sender=sender).order_by("-created_at", "-id")


def letters_about(*, member: Membership) -> QuerySet[Letter]:
    """Letters that name `member` among the people thanked, newest first."""
    names_member = LetterSubject.objects.filter(letter=OuterRef("pk"), member=member)
    return letters_visible_to(member).filter(Exists(names_member)).order_by("-created_at", "-id")


def team_letters(*, manager: Membership, viewer: Membership) -> QuerySet[Letter]:
    """Letters, as `viewer` may see them, about people who report to `manager`."""
    about_team = LetterSubject.objects.filter(letter=OuterRef("pk"), member__reports_to=manager)
    return letters_visible_to(viewer).filter(Exists(about_team)).order_by("-created_at", "-id")


def team_kudos(*, manager: Membership, viewer: Membership) -> QuerySet[Kudos]:
    """Kudos, as `viewer` may see them (hidden ones left out), to people who report to
    `manager`, newest first."""
    to_team = KudosRecipient.objects.filter(kudos=OuterRef("pk"), recipient__reports_to=manager)
    return _with_details(
        kudos_visible_to(viewer).filter(hidden_at__isnull=True).filter(Exists(to_team))
    ).order_by("-created_at", "-id")


# --- A person's recognition ----------------------------------------------------------------


@dataclass(frozen=True)
class MonthCount:
    """What a person received in one month (the first day of the month, organisation's time)."""

    month: date
    kudos: int
    letters: int
    nominations: int = 0


def _month_starts(months: int, today: date) -> list[date]:
    first = today.replace(day=1)
    starts = []
    for _ in range(months):
        starts.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return list(reversed(starts))


def _count_by_month(rows: QuerySet, tz) -> dict[date, int]:
    """Rows (each with a `created_at`) counted per month of the organisation's calendar. One
    query; all history, so that the totals are the sum of the months."""
    counts = (
        rows.order_by()
        .annotate(month=TruncMonth("created_at", tzinfo=tz))
        .values("month")
        .annotate(n=Count("*"))  # not COUNT(id): the kudos' index does not hold the id
        .values_list("month", "n")
    )
    return {_as_date(m): n for m, n in counts}


def _as_date(month: date | datetime) -> date:
    """TruncMonth gives a datetime on PostgreSQL and, for some fields, a date on SQLite."""
    return month.date() if isinstance(month, datetime) else month


def recognition_received(*, member: Membership, viewer: Membership) -> dict[str, QuerySet]:
    """What counts as recognition `member` received, by kind, as far as `viewer` may see it
    (hidden kudos never count). Each queryset has one row per thing received, with its
    `created_at`.

    Customer nominations join here as a third kind once they exist (approved ones only,
    visible to every member): add the queryset, a `nominations` count to `MonthCount`, and the
    summary, the page, the exports and the API follow.
    """
    kudos = KudosRecipient.objects.filter(recipient=member, hidden_at__isnull=True)
    letters = LetterSubject.objects.filter(member=member)
    if not _sees_all_received(member=member, viewer=viewer):
        kudos = kudos.filter(_visible(viewer, kudos="kudos"))
        letters = letters.filter(letter__in=letters_visible_to(viewer).values("pk"))
    return {
        # The recipient rows' own copies of the kudos' columns: `member`'s rows in one index.
        "kudos": kudos,
        "letters": letters,
        # Approved customer nominations are visible to every member.
        "nominations": Nomination.objects.filter(nominee=member, status=Nomination.Status.APPROVED),
    }


def recognition_summary(*, member: Membership, viewer: Membership, months: int = 12) -> dict:
    """Totals, a month-by-month series and the people who recognised `member` most, counting
    only what `viewer` may see.

    Five queries whatever the history, each reading one person's rows from an index: the
    kudos, the letters and the nominations per month, the five people who sent the most kudos,
    and their memberships (none while nobody has sent them kudos). The kudos are counted from
    the recipient index alone: the rows carry the kudos' sender, visibility and hidden state
    (joined to the kudos, PostgreSQL read every kudos of the organisation). Months and senders
    are two queries rather than one per (month, sender): that was thousands of rows for a
    much-thanked person, and turning them into Python cost more than both queries.
    """
    tz = timezone.get_current_timezone()
    received = recognition_received(member=member, viewer=viewer)
    by_month = {kind: _count_by_month(rows, tz) for kind, rows in received.items()}
    series = [
        MonthCount(month=start, **{kind: counts.get(start, 0) for kind, counts in by_month.items()})
        for start in _month_starts(months, timezone.localdate())
    ]
    top = list(
        received["kudos"]
        .order_by()
        .values("sender")
        .annotate(n=Count("*"))
        .order_by("-n", "sender")
        .values_list("sender", "n")[:5]
    )
    senders = Membership.objects.select_related("user", "team").in_bulk([pk for pk, _n in top])
    return {
        "totals": {kind: sum(counts.values()) for kind, counts in by_month.items()},
        "recent": {kind: sum(getattr(m, kind) for m in series) for kind in by_month},
        "series": series,
        "top_recognisers": [(senders[pk], n) for pk, n in top if pk in senders],
    }


def recognition_kudos(
    *,
    member: Membership,
    viewer: Membership,
    value_id: int | None = None,
    since: datetime | None = None,
) -> QuerySet[Kudos]:
    """Kudos `member` received, as `viewer` may see them (hidden ones left out), newest first,
    with their sender and values (two queries for a page).

    Joined to `member`'s recipient rows and ordered by their copy of the date: PostgreSQL reads
    the person's rows newest first from their index and stops after a page, instead of walking
    the organisation's kudos until it has found a page of theirs (deeper pages, further).
    """
    to_member = {"recipient_links__recipient": member, "recipient_links__hidden_at__isnull": True}
    if since is not None:
        to_member["recipient_links__created_at__gte"] = since
    queryset = Kudos.objects.filter(**to_member)  # one filter(): the same recipient row
    if not _sees_all_received(member=member, viewer=viewer):
        queryset = queryset.filter(_visible(viewer))
    if value_id is not None:
        queryset = queryset.filter(
            Exists(KudosValue.objects.filter(kudos=OuterRef("pk"), value_id=value_id))
        )
    return (
        queryset.select_related("sender__user", "sender__team")
        .prefetch_related(
            Prefetch("value_links", queryset=KudosValue.objects.select_related("value"))
        )
        .order_by("-recipient_links__created_at", "-id")  # the join above, not a second one
    )


def recognition_letters(*, member: Membership, viewer: Membership) -> QuerySet[Letter]:
    """Letters about `member` that `viewer` may read, newest first, with the status of their
    e-mail; the people around them come from `letters_with_people` (the other people thanked
    and the copies are not loaded).

    Like the kudos: joined to `member`'s subject rows and ordered by their date (the letter's),
    so a page is read from the person's index; PostgreSQL otherwise joined every letter of the
    organisation to its people before keeping the person's.
    """
    if _sees_all_received(member=member, viewer=viewer):
        letters = Letter.objects.all()  # no per-letter check of five ways in
    else:
        letters = letters_visible_to(viewer)
    return (
        letters.filter(subject_links__member=member)  # one row a letter: the pair is unique
        .select_related(None)
        # The e-mail by its ids, and only its status (its bodies are large): joined, PostgreSQL
        # compared each letter with every e-mail of the organisation.
        .prefetch_related(None)
        .prefetch_related(Prefetch("email", queryset=OutboundEmail.objects.only("id", "status")))
        .order_by("-subject_links__created_at", "-id")  # the join above
    )


def letters_with_people(letters: Iterable[Letter]) -> list[Letter]:
    """`letters` with their sender, addressee and acknowledger (and their users) from one
    query. Joined into the letters' query, those six tables, each with its row-level policy,
    took PostgreSQL 10 to 25 ms to plan for a page of ten letters; this query takes under one."""
    letters = list(letters)
    ids = {
        pk
        for letter in letters
        for pk in (letter.sender_id, letter.addressed_to_id, letter.acknowledged_by_id)
        if pk is not None
    }
    people = Membership.objects.select_related("user").in_bulk(ids) if ids else {}
    for letter in letters:
        letter.sender = people[letter.sender_id]
        letter.addressed_to = people[letter.addressed_to_id]
        if letter.acknowledged_by_id is not None:
            letter.acknowledged_by = people[letter.acknowledged_by_id]
    return letters


def kudos_list(
    *,
    viewer: Membership,
    recipient_id: int | None = None,
    sender_id: int | None = None,
    value_id: int | None = None,
    since: datetime | None = None,
) -> QuerySet[Kudos]:
    """The wall's kudos (visible to `viewer`, not hidden) with the API's filters."""
    queryset = kudos_wall(viewer=viewer, person_id=recipient_id, value_id=value_id)
    if sender_id is not None:
        queryset = queryset.filter(sender_id=sender_id)
    if since is not None:
        queryset = queryset.filter(created_at__gte=since)
    return queryset


def _count_per_member(queryset: QuerySet, member_field: str) -> Coalesce:
    """A correlated count per membership row: one subquery each, so several counts never
    multiply each other's joins."""
    counts = (
        queryset.filter(**{member_field: OuterRef("pk")})
        .order_by()
        .values(member_field)
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def team_recognition(*, manager: Membership, quiet_days: int = 60) -> list[dict]:
    """Recognition per active person who reports to `manager`, the quietest first, so that
    people nobody thanked lately show up. Hidden kudos don't count. One query."""
    since = timezone.now() - timedelta(days=quiet_days)
    kudos = KudosRecipient.objects.filter(kudos__hidden_at__isnull=True)
    letters = LetterSubject.objects.all()
    last_kudos = (
        kudos.filter(recipient=OuterRef("pk")).order_by("-created_at").values("created_at")[:1]
    )
    last_letter = (
        letters.filter(member=OuterRef("pk")).order_by("-created_at").values("created_at")[:1]
    )
    people = (
        Membership.objects.filter(reports_to=manager, is_active=True)
        .select_related("user", "team")
        .annotate(
            kudos_total=_count_per_member(kudos, "recipient"),
            kudos_recent=_count_per_member(kudos.filter(created_at__gte=since), "recipient"),
            letters_total=_count_per_member(letters, "member"),
            letters_recent=_count_per_member(letters.filter(created_at__gte=since), "member"),
            last_kudos_at=Subquery(last_kudos),
            last_letter_at=Subquery(last_letter),
        )
        .order_by(F("kudos_recent") + F("letters_recent"), "user__full_name", "id")
    )
    return [
        {
            "member": person,
            "kudos_total": person.kudos_total,
            "kudos_recent": person.kudos_recent,
            "letters_total": person.letters_total,
            "letters_recent": person.letters_recent,
            "last_received_at": max(
                (d for d in (person.last_kudos_at, person.last_letter_at) if d), default=None
            ),
            "quiet": person.kudos_recent == 0 and person.letters_recent == 0,
        }
        for person in people
    ]


# --- Picking people to thank (the kudos compose page) --------------------------------------


def people_to_thank(
    *, sender: Membership, query: str = "", exclude_ids: Iterable[int] = (), limit: int = 20
) -> list[Membership]:
    """Active members `sender` may thank whose name, team, title or e-mail matches every word
    of `query` (everyone when it is empty), alphabetically, at most `limit`. One query."""
    people = (
        Membership.objects.filter(is_active=True)
        .exclude(pk=sender.pk)
        .exclude(pk__in=list(exclude_ids))
        .select_related("user", "team")
    )
    for word in query.split()[:5]:
        people = people.filter(
            Q(user__full_name__icontains=word)
            | Q(team__name__icontains=word)
            | Q(title__icontains=word)
            | Q(user__email__istartswith=word)
        )
    return list(people.order_by("user__full_name", "id")[:limit])


def people_named(*, query: str, limit: int) -> list[Membership]:
    """Members whose name contains every word of `query` (or whose e-mail starts with it), the
    active ones first, then former members (their kudos stay on the wall), alphabetically, at
    most `limit`: the wall's person filter. One query; nobody for an empty query."""
    words = query.split()[:5]
    if not words:
        return []
    people = Membership.objects.select_related("user", "team")
    for word in words:
        people = people.filter(
            Q(user__full_name__icontains=word) | Q(user__email__istartswith=word)
        )
    return list(people.order_by("-is_active", "user__full_name", "id")[:limit])


def people_by_ids(ids: Iterable[int]) -> list[Membership]:
    """Members by id (inactive ones too), alphabetically: the people already picked."""
    return list(
        Membership.objects.filter(pk__in=list(ids))
        .select_related("user", "team")
        .order_by("user__full_name", "id")
    )


def recognition_may_export(*, member: Membership, viewer: Membership) -> bool:
    """A person's recognition is exported (for a performance review) by themself, their direct
    manager and the admins."""
    return (
        viewer.pk == member.pk
        or member.reports_to_id == viewer.pk
        or viewer.role == Membership.Role.ADMIN
    )
