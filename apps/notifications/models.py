"""The transactional outbox, in-app notifications and e-mail preferences."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.tenancy.managers import TenantOwned


class OutboundEmail(TenantOwned):
    """An e-mail written in the same transaction as the change that caused it.

    Its Message-ID is fixed when the row is written, so a resend after a crash between the mail
    server's acceptance and the marking carries the same Message-ID and is recognisable.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Queued")
        SENT = "sent", _("Delivered")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(
        "tenancy.Membership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
    )
    to_address = models.EmailField()
    category = models.CharField(max_length=32)
    subject = models.CharField(max_length=250)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    message_id = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantOwned.Meta):
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "message_id"], name="outbound_unique_message_id"
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "next_attempt_at"],
                name="outbound_pending_idx",
                condition=models.Q(status="pending"),
            ),
            models.Index(fields=["organization", "-created_at"], name="outbound_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to_address}"


class Notification(TenantOwned):
    """An in-app notice with an unread state."""

    recipient = models.ForeignKey(
        "tenancy.Membership",
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    category = models.CharField(max_length=32)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantOwned.Meta):
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["organization", "recipient", "-created_at"], name="notif_recipient_idx"
            ),
            models.Index(
                fields=["organization", "recipient"],
                name="notif_unread_idx",
                condition=models.Q(read_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class EmailPreference(TenantOwned):
    """A member's opt-out of one category of non-transactional e-mail."""

    membership = models.ForeignKey(
        "tenancy.Membership",
        on_delete=models.CASCADE,
        related_name="email_preferences",
        db_index=False,
    )
    category = models.CharField(max_length=32)
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwned.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "membership", "category"], name="emailpref_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category}: {'on' if self.enabled else 'off'}"
