"""The transactional outbox: mail goes out after commit, never for a rolled-back write, and is
never lost when the first dispatch is."""

from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from apps.notifications import services
from apps.notifications.models import OutboundEmail
from apps.notifications.services import (
    DeliveryResult,
    EmailContent,
    email_enqueue,
    outbox_deliver,
)
from apps.notifications.tasks import outbox_flush
from apps.tenancy.context import tenant_context
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

CONTENT = EmailContent(
    subject="Your role changed",
    template="notifications/email/membership_changed",
    context={},
)


@pytest.fixture
def ann(org):
    return MembershipFactory(user__email="ann@example.test", user__full_name="Ann")


@pytest.fixture(autouse=True)
def _reset_broker_backoff(monkeypatch):
    monkeypatch.setattr(services, "_broker_down_until", 0.0)


def _enqueue(recipient):
    organization = recipient.organization
    return email_enqueue(
        category="membership",
        recipient=recipient,
        content=EmailContent(
            subject=CONTENT.subject,
            template=CONTENT.template,
            context={"membership": recipient, "actor": recipient, "organization": organization},
        ),
    )


def test_it_delivers_after_commit_with_its_fixed_message_id(
    ann, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        email = _enqueue(ann)
        assert mail.outbox == []  # nothing leaves before the write commits
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [["ann@example.test"]]
    assert mail.outbox[0].extra_headers["Message-ID"] == email.message_id
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT


def test_it_sends_nothing_when_the_write_rolls_back(ann, django_capture_on_commit_callbacks):
    def write_then_fail():
        with transaction.atomic():
            _enqueue(ann)
            raise RuntimeError("the domain write failed")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        write_then_fail()
    assert mail.outbox == []
    assert not OutboundEmail.objects.exists()


def test_a_broker_that_refuses_the_publish_does_not_fail_the_write(
    ann, django_capture_on_commit_callbacks
):
    from apps.notifications.tasks import deliver_email

    refuse = mock.patch.object(deliver_email, "apply_async", side_effect=ConnectionError("down"))
    with refuse, django_capture_on_commit_callbacks(execute=True):
        email = _enqueue(ann)
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.PENDING
    assert mail.outbox == []


def test_the_sweep_delivers_a_message_whose_first_dispatch_was_lost(ann, org):
    email = _enqueue(ann)  # no on_commit callbacks run: the dispatch is "lost"
    assert outbox_flush.run(organization_id=org.pk) == 1
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert len(mail.outbox) == 1


def test_delivery_is_idempotent(ann):
    email = _enqueue(ann)
    assert outbox_deliver(email_id=email.pk) == DeliveryResult.SENT
    assert outbox_deliver(email_id=email.pk) == DeliveryResult.SKIPPED
    assert len(mail.outbox) == 1


def test_a_failing_mail_server_is_retried_with_backoff_then_given_up(ann, settings):
    smtp = "django.core.mail.backends.smtp.EmailBackend"
    closed_port = {"host": "127.0.0.1", "port": 9, "timeout": 1}
    settings.MAILERS = {"default": {"BACKEND": smtp, "OPTIONS": closed_port}}
    email = _enqueue(ann)
    now = timezone.now()
    assert outbox_deliver(email_id=email.pk, now=now) == DeliveryResult.RETRY
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.PENDING
    assert email.attempts == 1
    assert email.next_attempt_at > now
    assert "ConnectionRefusedError" in email.last_error
    OutboundEmail.objects.filter(pk=email.pk).update(attempts=services.MAX_ATTEMPTS - 1)
    assert outbox_deliver(email_id=email.pk) == DeliveryResult.FAILED


def test_an_opted_out_member_gets_no_mail_but_transactional_mail_still_goes(ann):
    services.email_preference_set(membership=ann, category="membership", enabled=False)
    assert _enqueue(ann) is None
    invitation = email_enqueue(
        category="invitation",
        to_address="new@example.test",
        content=EmailContent(subject="Join", template="notifications/email/membership_changed",
                             context={"membership": ann, "actor": ann,
                                      "organization": ann.organization}),
    )  # fmt: skip
    assert invitation is not None


def test_non_transactional_mail_carries_one_click_unsubscribe(ann):
    email = _enqueue(ann)
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert email.headers["List-Unsubscribe"].startswith("<http")
    assert "/unsubscribe/" in email.body_text


def test_the_outsider_never_receives_our_mail(ann, outsider, org):
    _enqueue(ann)
    with tenant_context(outsider.organization_id):
        assert not OutboundEmail.objects.exists()
        assert outbox_flush.run(organization_id=outsider.organization_id) == 0
    assert mail.outbox == []
