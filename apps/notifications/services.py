"""Writing notifications: in-app notices and e-mail through the transactional outbox.

An e-mail is a row written in the caller's transaction. After commit we try to hand it to Celery
at once; if the broker does not answer, the user's action still succeeds and the periodic sweep
delivers the row later. Delivery marks a row sent only after the mail server accepted it.
"""

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from email.utils import make_msgid

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from apps.notifications import categories
from apps.notifications.models import EmailPreference, Notification, OutboundEmail
from apps.tenancy.context import require_organization_id
from apps.tenancy.models import Membership

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "notifications.unsubscribe"
MAX_ATTEMPTS = 8
# After a failed publish we stop trying the broker for a while: every request would otherwise
# wait for a connection timeout. The sweep delivers what was written meanwhile.
BROKER_BACKOFF_SECONDS = 30
_broker_down_until = 0.0


@dataclass(frozen=True)
class EmailContent:
    """A template pair (`<name>.txt` and `<name>.html`) under templates/, and its context."""

    subject: str
    template: str
    context: dict


def email_allowed(*, membership: Membership, category: str) -> bool:
    if categories.get(category).transactional:
        return True
    preference = EmailPreference.objects.filter(membership=membership, category=category).first()
    return preference is None or preference.enabled


def unsubscribe_token(*, membership: Membership, category: str) -> str:
    return signing.dumps(
        {"o": membership.organization_id, "m": membership.pk, "c": category},
        salt=UNSUBSCRIBE_SALT,
        compress=True,
    )


def unsubscribe_token_read(token: str) -> dict | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not {"o", "m", "c"} <= data.keys():
        return None
    return data


def email_enqueue(
    *,
    category: str,
    content: EmailContent,
    recipient: Membership | None = None,
    to_address: str = "",
) -> OutboundEmail | None:
    """Write an e-mail to the outbox (inside the caller's transaction); None if opted out."""
    if recipient is not None:
        if not email_allowed(membership=recipient, category=category):
            return None
        to_address = recipient.user.email
    if not to_address:
        raise ValueError("email_enqueue() needs a recipient or a to_address.")
    email = _outbound(
        category=category, content=content, recipient=recipient, to_address=to_address
    )
    email.save()
    _publish_on_commit(email)
    return email


def _outbound(
    *, category: str, content: EmailContent, recipient: Membership | None, to_address: str
) -> OutboundEmail:
    """The outbox row of one e-mail, rendered, not saved yet."""
    organization_id = require_organization_id()
    category_info = categories.get(category)
    context = {**content.context, "site_url": settings.SITE_URL, "recipient": recipient}
    headers: dict[str, str] = {}
    if not category_info.transactional and recipient is not None:
        unsubscribe_url = settings.SITE_URL + reverse(
            "unsubscribe",
            kwargs={"token": unsubscribe_token(membership=recipient, category=category)},
        )
        context["unsubscribe_url"] = unsubscribe_url
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"

    with translation.override(settings.LANGUAGE_CODE):
        body_text = render_to_string(f"{content.template}.txt", context)
        body_html = render_to_string(f"{content.template}.html", context)
    return OutboundEmail(
        organization_id=organization_id,
        recipient=recipient,
        to_address=to_address,
        category=category,
        subject=str(content.subject)[:250],
        body_text=body_text,
        body_html=body_html,
        headers=headers,
        message_id=make_msgid(domain=settings.EMAIL_MESSAGE_ID_DOMAIN),
        next_attempt_at=timezone.now(),
    )


def _publish_on_commit(email: OutboundEmail) -> None:
    organization_id = email.organization_id
    transaction.on_commit(
        lambda: _publish(organization_id=organization_id, email_id=email.pk), robust=True
    )


def _publish(*, organization_id: int, email_id: int) -> None:
    """Hand one row to Celery; a broker that does not answer is not the user's problem."""
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        return
    from apps.notifications.tasks import deliver_email

    try:
        deliver_email.apply_async(
            kwargs={"organization_id": organization_id, "email_id": email_id}, retry=False
        )
    except Exception:
        _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
        logger.warning(
            "Broker unavailable; e-mail %s waits for the sweep.", email_id, exc_info=True
        )


def notification_create(
    *, recipient: Membership, category: str, title: str, body: str = "", url: str = ""
) -> Notification:
    return Notification.objects.create(
        recipient=recipient, category=category, title=title[:200], body=body, url=url[:300]
    )


def notification_create_many(
    *, recipient_ids: list[int], category: str, title: str, body: str = "", url: str = ""
) -> list[Notification]:
    """The same in-app notice to many people (say every moderator) in one INSERT."""
    return Notification.objects.bulk_create(
        Notification(recipient_id=recipient_id, category=category, title=title[:200], body=body,
                     url=url[:300])
        for recipient_id in recipient_ids
    )  # fmt: skip


def notify(
    *,
    recipient: Membership,
    category: str,
    title: str,
    body: str = "",
    url: str = "",
    email: EmailContent | None = None,
) -> Notification:
    """The usual case: an in-app notice, and the same news by e-mail unless opted out."""
    notification = notification_create(
        recipient=recipient, category=category, title=title, body=body, url=url
    )
    if email is not None:
        email_enqueue(category=category, content=email, recipient=recipient)
    return notification


def notify_many(
    *,
    recipients: list[Membership],
    category: str,
    title: str,
    body: str = "",
    url: str = "",
    email: EmailContent,
) -> None:
    """`notify` for several people at once, in three queries however many they are: the
    notices, the opt-outs and the e-mails (each rendered for its recipient)."""
    notification_create_many(
        recipient_ids=[member.pk for member in recipients],
        category=category, title=title, body=body, url=url,
    )  # fmt: skip
    if not categories.get(category).transactional:
        opted_out = set(
            EmailPreference.objects.filter(
                membership__in=recipients, category=category, enabled=False
            ).values_list("membership_id", flat=True)
        )
        recipients = [member for member in recipients if member.pk not in opted_out]
    emails = OutboundEmail.objects.bulk_create(
        _outbound(category=category, content=email, recipient=member, to_address=member.user.email)
        for member in recipients
    )
    for outbound in emails:
        _publish_on_commit(outbound)


class DeliveryResult:
    SENT = "sent"
    SKIPPED = "skipped"  # already sent, or another worker holds it
    RETRY = "retry"
    FAILED = "failed"


def outbox_deliver(*, email_id: int, now=None) -> str:
    """Send one row at least once, never twice at the same time.

    The row is locked with SKIP LOCKED for the whole send, so a second worker skips it; it is
    marked sent in the same transaction, after the mail server accepted the message. A crash in
    between leaves it pending, and its resend carries the same Message-ID.
    """
    now = now or timezone.now()
    with transaction.atomic():
        email = (
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, status=OutboundEmail.Status.PENDING)
            .first()
        )
        if email is None:
            return DeliveryResult.SKIPPED
        try:
            _send(email)
        except Exception as error:
            email.attempts += 1
            email.last_error = f"{type(error).__name__}: {error}"[:2000]
            if email.attempts >= MAX_ATTEMPTS:
                email.status = OutboundEmail.Status.FAILED
                result = DeliveryResult.FAILED
            else:
                email.next_attempt_at = now + retry_delay(email.attempts)
                result = DeliveryResult.RETRY
            email.save(update_fields=["attempts", "last_error", "next_attempt_at", "status"])
            return result
        email.status = OutboundEmail.Status.SENT
        email.sent_at = timezone.now()
        email.attempts += 1
        email.save(update_fields=["status", "sent_at", "attempts"])
        return DeliveryResult.SENT


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes, capped at an hour."""
    return timedelta(minutes=min(2 ** (attempts - 1), 60))


def _send(email: OutboundEmail) -> None:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to_address],
        headers={"Message-ID": email.message_id, **email.headers},
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    message.send()


def outbox_due_ids(*, now=None, limit: int = 200) -> list[int]:
    """Pending rows of the current organisation whose time has come (oldest first)."""
    now = now or timezone.now()
    return list(
        OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def notifications_mark_read(*, recipient: Membership, ids: list[int] | None = None) -> int:
    queryset = Notification.objects.filter(recipient=recipient, read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    return queryset.update(read_at=timezone.now())


def email_preference_set(*, membership: Membership, category: str, enabled: bool) -> None:
    if categories.get(category).transactional:
        raise ValueError("Transactional e-mail cannot be turned off.")
    EmailPreference.objects.update_or_create(
        membership=membership, category=category, defaults={"enabled": enabled}
    )
