"""Demo data for recognition: months of kudos, reactions and letters (written in bulk, without
sending e-mail, so the demo starts with a history)."""

import random
from datetime import timedelta

from django.utils import timezone

from apps.recognition.models import (
    Kudos,
    KudosRecipient,
    KudosValue,
    Letter,
    LetterSubject,
    Reaction,
    Value,
)
from apps.recognition.services import values_seed_defaults
from apps.tenancy.models import Membership

STORIES = [
    ("Caught the wrong part number on the Harmon order before it shipped.", "Harmon Foods"),
    ("Walked the customer through the reset on a Saturday, so I could stay in my meeting.", ""),
    ("Turned a price quote around in an hour; we closed the deal that afternoon.", "Baxter & Co"),
    ("Found the missing shipment and had it on a truck the same day.", "Lakeside Clinic"),
    ("Fixed the billing mix-up without the customer ever calling me.", "Orion Retail"),
    ("Explained the repair options so clearly that the customer upgraded.", "Maple Dental"),
    ("Knew exactly who at the warehouse to call. Saved me a day of chasing.", ""),
    ("Stayed late to get the replacement unit configured before the site visit.", "Crestview"),
]


def seed(organization, people: dict, rng: random.Random) -> None:
    values_seed_defaults()
    if Kudos.objects.exists():
        return
    values = list(Value.objects.filter(is_active=True))
    members = list(Membership.objects.filter(is_active=True).select_related("team"))
    senders = [m for m in members if m.role in ("rep", "manager", "admin")]
    helpers = [m for m in members if m.role == "support"] or members
    now = timezone.now()
    rows = []
    for i in range(60):
        sender = rng.choice(senders)
        story, customer = rng.choice(STORIES)
        created = now - timedelta(days=rng.randint(0, 300), hours=rng.randint(0, 23))
        candidates = [h for h in helpers if h.pk != sender.pk]
        rows.append(
            (
                Kudos(
                    sender=sender,
                    message=story,
                    customer_name=customer,
                    visibility="private" if i % 9 == 0 else "organization",
                ),
                created,
                rng.sample(candidates, k=min(len(candidates), 1 + (i % 5 == 0))),
                rng.sample(values, k=rng.randint(1, 2)),
            )
        )
    kudos_rows = Kudos.objects.bulk_create(row[0] for row in rows)
    for kudos, (_k, created, _r, _v) in zip(kudos_rows, rows, strict=True):
        kudos.created_at = created
    Kudos.objects.bulk_update(kudos_rows, ["created_at"])
    KudosRecipient.objects.bulk_create(
        KudosRecipient.for_kudos(kudos, recipient)
        for kudos, (_k, _c, recipients, _v) in zip(kudos_rows, rows, strict=True)
        for recipient in recipients
    )
    KudosValue.objects.bulk_create(
        KudosValue(kudos=kudos, value=value)
        for kudos, (_k, _c, _r, chosen) in zip(kudos_rows, rows, strict=True)
        for value in chosen
    )
    Reaction.objects.bulk_create(
        Reaction(kudos=kudos, member=member, emoji=rng.choice(Reaction.Emoji.values))
        for kudos in kudos_rows[:40]
        for member in rng.sample(members, k=rng.randint(0, 3))
        if member.pk != kudos.sender_id
    )
    _letters(kudos_rows, rows, rng)
    _nominations(senders, helpers, rng)


def _letters(kudos_rows, rows, rng) -> None:
    """A few letters to the helpers' managers, some acknowledged with a note."""
    for index, (kudos, (_k, _c, recipients, _v)) in enumerate(
        zip(kudos_rows[:8], rows[:8], strict=True)
    ):
        helper = recipients[0]
        if helper.reports_to_id in (None, kudos.sender_id):
            continue  # nobody writes a thank-you letter to themself
        letter = Letter.objects.create(
            kudos=kudos,
            sender=kudos.sender,
            addressed_to=helper.reports_to,
            body=f"I want you to know what {helper.display_name} did for us: {kudos.message}",
        )
        Letter.objects.filter(pk=letter.pk).update(created_at=kudos.created_at)
        if index % 2 == 0:
            Letter.objects.filter(pk=letter.pk).update(
                acknowledged_at=kudos.created_at + timedelta(days=1),
                acknowledged_by=helper.reports_to,
                acknowledgement_note="Thank you for telling me. I shared it with the whole team.",
            )
        LetterSubject.objects.create(letter=letter, member=helper, created_at=kudos.created_at)


CUSTOMER_STORIES = [
    ("Our line was down and she had a technician on site within two hours.", "site_contact"),
    (
        "He untangled three months of invoices in one call and explained every line.",
        "accounts_payable",
    ),
    ("They swapped the wrong parts overnight so our install could go ahead.", "buyer"),
    ("I never had to chase anything: every update came before I asked.", "end_user"),
]


def _nominations(senders, helpers, rng) -> None:
    """A shared link, a few approved customer nominations and one waiting for moderation."""
    from apps.recognition.nomination_models import Nomination
    from apps.recognition.nomination_services import nomination_link_create

    collector = senders[0]
    link = nomination_link_create(creator=collector, label="Harmon Foods rollout")
    now = timezone.now()
    for index, (story, role) in enumerate(CUSTOMER_STORIES):
        pending = index == len(CUSTOMER_STORIES) - 1
        nomination = Nomination.objects.create(
            link=link,
            collected_by=collector,
            nominee=None if pending else rng.choice(helpers),
            helper_description="The lady on the phone on Tuesday morning" if pending else "",
            story=story,
            customer_role=role,
            customer_name="Pat Customer",
            customer_company="Harmon Foods",
            consent=True,
            status=Nomination.Status.PENDING if pending else Nomination.Status.APPROVED,
            moderated_at=None if pending else now,
        )
        Nomination.objects.filter(pk=nomination.pk).update(
            created_at=now - timedelta(days=rng.randint(1, 120))
        )
