"""The weekly reminder to members who have thanked nobody for a while, with people to thank."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.notifications.models import OutboundEmail
from apps.notifications.services import EmailContent, email_allowed, email_enqueue, notify
from apps.recognition.models import Kudos, KudosRecipient
from apps.tenancy.context import require_organization_id
from apps.tenancy.models import Membership, Organization, Team

NUDGE_CATEGORY = "nudges"
SUGGESTIONS = 3


def _suggestions(member: Membership, support_people: list[Membership]) -> list[Membership]:
    """The people their escalations were redirected to (they solved it), then people they
    thanked before (most recent first), then support people of the teams that carry their
    work, least recognised first, so quiet helpers are the ones suggested."""
    from apps.dependency.models import Escalation

    redirected_to = list(
        Escalation.objects.filter(
            rep=member, redirected_to_member__isnull=False, redirected_to_member__is_active=True
        )
        .exclude(redirected_to_member=member)
        .values("redirected_to_member")
        .annotate(last=Max("occurred_at"))
        .order_by("-last")
        .values_list("redirected_to_member", flat=True)[:SUGGESTIONS]
    )
    thanked_before = redirected_to + list(
        KudosRecipient.objects.filter(kudos__sender=member, recipient__is_active=True)
        .values("recipient")
        .annotate(last=Max("created_at"))
        .order_by("-last")
        .values_list("recipient", flat=True)[:SUGGESTIONS]
    )
    thanked_before = list(dict.fromkeys(thanked_before))  # in order, each person once
    by_id = {person.pk: person for person in support_people}
    chosen = [by_id[pk] for pk in thanked_before if pk in by_id]
    missing = [pk for pk in thanked_before if pk not in by_id]
    if missing:
        chosen += list(Membership.objects.select_related("user", "team").filter(pk__in=missing))
    for person in support_people:
        if len(chosen) >= SUGGESTIONS:
            break
        if person.pk != member.pk and person not in chosen:
            chosen.append(person)
    return chosen[:SUGGESTIONS]


def recognition_nudges_send(*, now: datetime | None = None) -> int:
    """Remind each active member of the current organisation who has recognised nobody for the
    organisation's `nudge_after_days`. Safe to run twice: nobody is reminded twice in 6 days."""
    now = now or timezone.now()
    organization = Organization.objects.get(pk=require_organization_id())
    cutoff = now - timedelta(days=organization.nudge_after_days)
    recently_recognising = set(
        Kudos.objects.filter(created_at__gte=cutoff).values_list("sender_id", flat=True)
    )
    recently_nudged = set(
        OutboundEmail.objects.filter(
            category=NUDGE_CATEGORY, created_at__gte=now - timedelta(days=6)
        ).values_list("recipient_id", flat=True)
    )
    candidates = [
        member
        for member in Membership.objects.filter(is_active=True, joined_at__lte=cutoff)
        .select_related("user")
        .order_by("id")
        if member.pk not in recently_recognising and member.pk not in recently_nudged
    ]
    if not candidates:
        return 0
    received = dict(
        KudosRecipient.objects.filter(created_at__gte=cutoff)
        .values("recipient")
        .annotate(n=Max("id"))
        .values_list("recipient", "n")
    )
    support_people = sorted(
        Membership.objects.filter(is_active=True, team__kind__in=Team.SUPPORT_KINDS)
        .select_related("user", "team"),
        key=lambda person: (person.pk in received, person.user.full_name),
    )  # fmt: skip
    compose = reverse("kudos_new", kwargs={"org_slug": organization.slug})
    sent = 0
    for member in candidates:
        if not email_allowed(membership=member, category=NUDGE_CATEGORY):
            continue  # opted out through the unsubscribe link or preferences: no reminder at all
        people = _suggestions(member, support_people)
        email_enqueue(
            category=NUDGE_CATEGORY,
            recipient=member,
            content=EmailContent(
                subject=_("Who helped you lately?"),
                template="recognition/email/nudge",
                context={
                    "organization": organization,
                    "days": organization.nudge_after_days,
                    "people": people,
                    "compose_url": settings.SITE_URL + compose,
                },
            ),
        )
        notify(
            recipient=member,
            category=NUDGE_CATEGORY,
            title=_("Who helped you lately? A few words of thanks go a long way."),
            body=", ".join(person.display_name for person in people),
            url=compose + (f"?to={people[0].pk}" if people else ""),
        )
        sent += 1
    return sent
