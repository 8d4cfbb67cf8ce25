"""Write use-cases of recognition: values, kudos, reactions, letters."""

from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.core.errors import ApplicationError
from apps.notifications.services import EmailContent, email_enqueue, notify, notify_many
from apps.recognition.models import (
    DEFAULT_VALUES,
    LETTER_MAX_LENGTH,
    MAX_RECIPIENTS,
    MESSAGE_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    Kudos,
    KudosRecipient,
    KudosValue,
    Letter,
    LetterCopy,
    LetterSubject,
    Reaction,
    Value,
)
from apps.tenancy.models import Membership, Organization

KUDOS_TO_SELF = "You can't send kudos to yourself."
KUDOS_NO_RECIPIENT = "Pick at least one person to thank."
KUDOS_TOO_MANY = "You can thank at most %(max)d people at once."
KUDOS_INACTIVE_RECIPIENT = "%(name)s is no longer a member and can't receive kudos."
KUDOS_EMPTY_MESSAGE = "Say what they did: the message can't be empty."
KUDOS_MESSAGE_TOO_LONG = "Keep the message under %(max)d characters."
KUDOS_INACTIVE_VALUE = "“%(name)s” is no longer one of your organisation's values."
KUDOS_ALREADY_HIDDEN = "This kudos is already hidden."
HIDE_REASON_REQUIRED = "Say why it is hidden; the reason goes to the audit log."
REACTION_UNKNOWN = "That reaction is not available."
LETTER_EMPTY = "The letter can't be empty."
LETTER_TOO_LONG = "Keep the letter under %(max)d characters."
LETTER_NOT_EXECUTIVE = "%(name)s is not an executive of the organisation."
LETTER_NOBODY_TO_ADDRESS = "Nobody can receive this letter: there is no manager and no admin."
LETTER_ALREADY_ACKNOWLEDGED = "This letter has already been acknowledged."
LETTER_NOT_ADDRESSEE = "Only the manager the letter is addressed to can acknowledge it."
NOTE_TOO_LONG = "Keep the note under %(max)d characters."


def _site(path: str) -> str:
    return settings.SITE_URL + path


def _organization(member: Membership) -> Organization:
    """The member's organisation: no query for the API's token holder, whose membership comes
    with it."""
    return member.organization


# --- Values ------------------------------------------------------------------------------------


def values_seed_defaults() -> list[Value]:
    """The values every new organisation starts with (admins edit them in settings)."""
    existing = set(Value.objects.values_list("name", flat=True))
    return Value.objects.bulk_create(
        Value(name=name, description=description, position=position)
        for position, (name, description) in enumerate(DEFAULT_VALUES)
        if name not in existing
    )


@transaction.atomic
def value_save(
    *, actor: Membership, name: str, description: str = "", is_active: bool = True,
    value: Value | None = None, request: HttpRequest | None = None,
) -> Value:  # fmt: skip
    name = name.strip()
    clash = Value.objects.filter(name__iexact=name)
    if value is not None:
        clash = clash.exclude(pk=value.pk)
    if not name or clash.exists():
        raise ApplicationError(_("A value with that name already exists."), field="name")
    created = value is None
    value = value or Value(position=Value.objects.count())
    value.name, value.description, value.is_active = name, description.strip(), is_active
    value.save()
    audit_record(
        actor=actor, action="value.created" if created else "value.updated", target=value,
        changes={"name": name, "is_active": is_active}, request=request,
    )  # fmt: skip
    return value


# --- Kudos -------------------------------------------------------------------------------------


def _clean_message(message: str) -> str:
    message = message.replace("\x00", "").strip()
    if not message:
        raise ApplicationError(_(KUDOS_EMPTY_MESSAGE), field="message")
    if len(message) > MESSAGE_MAX_LENGTH:
        raise ApplicationError(
            _(KUDOS_MESSAGE_TOO_LONG) % {"max": MESSAGE_MAX_LENGTH}, field="message"
        )
    return message


@transaction.atomic
def kudos_send(
    *,
    sender: Membership,
    recipients: list[Membership],
    message: str,
    values: list[Value] | None = None,
    customer_name: str = "",
    visibility: str = Kudos.Visibility.ORGANIZATION,
    client_key: str = "",
) -> Kudos:
    """Record a kudos and tell each recipient, in the app and by e-mail (after commit).

    `client_key` makes a double-submitted form or a retried call return the first kudos.
    """
    if client_key:
        existing = Kudos.objects.filter(sender=sender, client_key=client_key).first()
        if existing is not None:
            return existing
    recipients = list({member.pk: member for member in recipients}.values())
    if not recipients:
        raise ApplicationError(_(KUDOS_NO_RECIPIENT), field="recipients")
    if len(recipients) > MAX_RECIPIENTS:
        raise ApplicationError(_(KUDOS_TOO_MANY) % {"max": MAX_RECIPIENTS}, field="recipients")
    if any(member.pk == sender.pk for member in recipients):
        raise ApplicationError(_(KUDOS_TO_SELF), field="recipients")
    for member in recipients:
        if not member.is_active:
            raise ApplicationError(
                _(KUDOS_INACTIVE_RECIPIENT) % {"name": member.display_name}, field="recipients"
            )
    values = list({value.pk: value for value in values or []}.values())
    for value in values:
        if not value.is_active:
            raise ApplicationError(_(KUDOS_INACTIVE_VALUE) % {"name": value.name}, field="values")
    if visibility not in Kudos.Visibility.values:
        raise ApplicationError(_("Choose who can see it."), field="visibility")

    kudos = Kudos(
        sender=sender,
        message=_clean_message(message),
        customer_name=customer_name.replace("\x00", "").strip()[:120],
        visibility=visibility,
        client_key=client_key[:64],
    )
    if client_key:
        try:
            with transaction.atomic():  # a savepoint, only where the unique key can refuse
                kudos.save()
        except IntegrityError:
            # A concurrent duplicate with the same key won the race: return its kudos.
            return Kudos.objects.get(sender=sender, client_key=client_key[:64])
    else:
        kudos.save()
    KudosRecipient.objects.bulk_create(
        KudosRecipient.for_kudos(kudos, member) for member in recipients
    )
    KudosValue.objects.bulk_create(KudosValue(kudos=kudos, value=value) for value in values)
    _notify_kudos(kudos=kudos, recipients=recipients, values=values)
    return kudos


def _notify_kudos(*, kudos: Kudos, recipients: list[Membership], values: list[Value]) -> None:
    organization = _organization(kudos.sender)
    path = reverse("kudos_detail", kwargs={"org_slug": organization.slug, "kudos_id": kudos.pk})
    title = _("%(name)s sent you kudos") % {"name": kudos.sender.display_name}
    notify_many(
        recipients=recipients,
        category="kudos",
        title=title,
        body=kudos.message[:300],
        url=path,
        email=EmailContent(
            subject=title,
            template="recognition/email/kudos_received",
            context={
                "kudos": kudos,
                "values": values,
                "organization": organization,
                "kudos_url": _site(path),
            },
        ),
    )


@transaction.atomic
def kudos_hide(
    *, kudos: Kudos, actor: Membership, reason: str, request: HttpRequest | None = None
) -> Kudos:
    """Admins hide an inappropriate kudos. It stays in the record, with who and why."""
    if kudos.is_hidden:
        raise ApplicationError(_(KUDOS_ALREADY_HIDDEN))
    reason = reason.replace("\x00", "").strip()
    if not reason:
        raise ApplicationError(_(HIDE_REASON_REQUIRED), field="reason")
    kudos.hidden_at = timezone.now()
    kudos.hidden_by = actor
    kudos.hidden_reason = reason[:300]
    kudos.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    # The recipients' copy, which their recognition pages count from.
    KudosRecipient.objects.filter(kudos=kudos).update(hidden_at=kudos.hidden_at)
    audit_record(
        actor=actor, action="kudos.hidden", target=kudos, changes={"reason": reason[:300]},
        request=request,
    )  # fmt: skip
    return kudos


# --- Reactions ---------------------------------------------------------------------------------


def _check_emoji(emoji: str) -> None:
    if emoji not in Reaction.Emoji.values:
        raise ApplicationError(_(REACTION_UNKNOWN), field="emoji")


def reaction_add(*, kudos: Kudos, member: Membership, emoji: str) -> Reaction:
    """Add a reaction; adding the same one again changes nothing."""
    _check_emoji(emoji)
    reaction, _created = Reaction.objects.get_or_create(kudos=kudos, member=member, emoji=emoji)
    return reaction


def reaction_remove(*, kudos: Kudos, member: Membership, emoji: str) -> bool:
    _check_emoji(emoji)
    deleted, _detail = Reaction.objects.filter(kudos=kudos, member=member, emoji=emoji).delete()
    return bool(deleted)


@transaction.atomic
def reaction_toggle(*, kudos: Kudos, member: Membership, emoji: str) -> bool:
    """One reaction per person per emoji: on if it was off, off if it was on. Returns the state."""
    if reaction_remove(kudos=kudos, member=member, emoji=emoji):
        return False
    reaction_add(kudos=kudos, member=member, emoji=emoji)
    return True


# --- Letters -----------------------------------------------------------------------------------


@dataclass
class LetterDraft:
    """One letter as it will be sent: to one manager, about that manager's people."""

    addressed_to: Membership
    subjects: list[Membership]
    copies: list[Membership] = field(default_factory=list)
    body: str = ""


def _admins() -> list[Membership]:
    return list(
        Membership.objects.filter(role=Membership.Role.ADMIN, is_active=True)
        .select_related("user")
        .order_by("joined_at", "id")
    )


def letter_drafts(
    *,
    sender: Membership,
    subjects: list[Membership],
    body: str,
    executives: list[Membership] | None = None,
) -> list[LetterDraft]:
    """Group the people thanked by their manager (or, without one, the first admin).

    Used both for the preview and for sending, so the preview shows exactly what is sent.
    """
    body = body.replace("\x00", "").strip()
    if not body:
        raise ApplicationError(_(LETTER_EMPTY), field="body")
    if len(body) > LETTER_MAX_LENGTH:
        raise ApplicationError(_(LETTER_TOO_LONG) % {"max": LETTER_MAX_LENGTH}, field="body")
    if not subjects:
        raise ApplicationError(_(KUDOS_NO_RECIPIENT), field="subjects")
    executives = list({m.pk: m for m in executives or []}.values())
    for executive in executives:
        if not (executive.is_executive and executive.is_active):
            raise ApplicationError(
                _(LETTER_NOT_EXECUTIVE) % {"name": executive.display_name}, field="executives"
            )
    admins = None
    by_manager: dict[int, LetterDraft] = {}
    for member in subjects:
        manager = member.reports_to if member.reports_to and member.reports_to.is_active else None
        if manager is None:
            admins = admins if admins is not None else _admins()
            manager = admins[0] if admins else None
        if manager is None:
            raise ApplicationError(_(LETTER_NOBODY_TO_ADDRESS))
        draft = by_manager.setdefault(manager.pk, LetterDraft(addressed_to=manager, subjects=[]))
        draft.subjects.append(member)
    drafts = list(by_manager.values())
    for draft in drafts:
        draft.copies = [e for e in executives if e.pk != draft.addressed_to.pk]
        draft.body = body
    return drafts


@transaction.atomic
def letters_send(
    *,
    sender: Membership,
    subjects: list[Membership],
    body: str,
    executives: list[Membership] | None = None,
    kudos: Kudos | None = None,
    client_key: str = "",
) -> list[Letter]:
    """Send one letter per distinct manager, by e-mail (outbox) and to their in-app inbox."""
    if client_key:
        existing = list(Letter.objects.filter(sender=sender, client_key=client_key))
        if existing:
            return existing
    organization = _organization(sender)
    letters = []
    for draft in letter_drafts(sender=sender, subjects=subjects, body=body, executives=executives):
        letter = Letter.objects.create(
            kudos=kudos,
            sender=sender,
            addressed_to=draft.addressed_to,
            body=draft.body,
            client_key=client_key[:64],
        )
        LetterSubject.objects.bulk_create(
            LetterSubject(letter=letter, member=member, created_at=letter.created_at)
            for member in draft.subjects
        )
        LetterCopy.objects.bulk_create(
            LetterCopy(letter=letter, member=member) for member in draft.copies
        )
        _deliver_letter(letter=letter, draft=draft, organization=organization)
        letters.append(letter)
    return letters


def letter_email_context(*, letter: Letter, draft: LetterDraft, organization) -> dict:
    """Context of the letter e-mail. An unsaved letter (a preview) has no address yet."""
    path = ""
    if letter.pk is not None:
        path = reverse(
            "letter_detail", kwargs={"org_slug": organization.slug, "letter_id": letter.pk}
        )
    return {
        "letter": letter,
        "sender": letter.sender,
        "addressed_to": draft.addressed_to,
        "subjects": draft.subjects,
        "copies": draft.copies,
        "organization": organization,
        "letter_url": _site(path) if path else "",
        "path": path,
    }


def _deliver_letter(*, letter: Letter, draft: LetterDraft, organization) -> None:
    context = letter_email_context(letter=letter, draft=draft, organization=organization)
    names = ", ".join(member.display_name for member in draft.subjects)
    subject = _("A thank-you letter about %(names)s") % {"names": names}
    email = email_enqueue(
        category="letters",
        recipient=draft.addressed_to,
        content=EmailContent(subject=subject, template="recognition/email/letter", context=context),
    )
    if email is not None:
        letter.email = email
        letter.save(update_fields=["email"])
    notify(
        recipient=draft.addressed_to,
        category="letters",
        title=_("%(sender)s wrote you a thank-you letter about %(names)s")
        % {"sender": letter.sender.display_name, "names": names},
        url=context["path"],
    )
    for member in draft.copies:
        email_enqueue(
            category="letters",
            recipient=member,
            content=EmailContent(
                subject=_("Copy: ") + subject, template="recognition/email/letter",
                context={**context, "is_copy": True},
            ),
        )  # fmt: skip
    for member in draft.subjects:
        notify(
            recipient=member,
            category="letters",
            title=_("%(sender)s wrote to %(manager)s to thank you")
            % {"sender": letter.sender.display_name, "manager": draft.addressed_to.display_name},
            url=context["path"],
        )


def letter_render_text(*, letter: Letter, draft: LetterDraft, organization) -> str:
    """The letter exactly as the e-mail's text part shows it (for previews)."""
    context = letter_email_context(letter=letter, draft=draft, organization=organization)
    return render_to_string("recognition/email/letter.txt", context)


@transaction.atomic
def letter_acknowledge(
    *, letter: Letter, actor: Membership, note: str, request: HttpRequest | None = None
) -> Letter:
    """The manager answers; the sender and the people thanked see the note."""
    if letter.addressed_to_id != actor.pk:
        raise ApplicationError(_(LETTER_NOT_ADDRESSEE), code="forbidden")
    if letter.acknowledged_at is not None:
        raise ApplicationError(_(LETTER_ALREADY_ACKNOWLEDGED))
    note = note.replace("\x00", "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ApplicationError(_(NOTE_TOO_LONG) % {"max": NOTE_MAX_LENGTH}, field="note")
    letter.acknowledged_at = timezone.now()
    letter.acknowledged_by = actor
    letter.acknowledgement_note = note
    letter.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledgement_note"])
    audit_record(actor=actor, action="letter.acknowledged", target=letter, request=request)
    organization = _organization(actor)
    path = reverse("letter_detail", kwargs={"org_slug": organization.slug, "letter_id": letter.pk})
    title = _("%(manager)s acknowledged the thank-you letter") % {"manager": actor.display_name}
    people = [letter.sender, *[link.member for link in letter.subject_links.select_related(
        "member__user")]]  # fmt: skip
    for member in {m.pk: m for m in people}.values():
        notify(recipient=member, category="letters", title=title, body=note, url=path)
    return letter


def letters_hand_over(*, leaving: Membership, successor: Membership | None) -> int:
    """Letters waiting for a leaving manager's acknowledgement go to their successor."""
    if successor is None:
        return 0
    return Letter.objects.filter(addressed_to=leaving, acknowledged_at__isnull=True).update(
        addressed_to=successor
    )
