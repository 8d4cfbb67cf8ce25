"""Recognition: kudos with values and reactions, and thank-you letters to the helper's manager.

No points, allowances or money on purpose: recognition here is words that reach the right people.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.tenancy.managers import TenantOwned

MESSAGE_MAX_LENGTH = 1000
LETTER_MAX_LENGTH = 4000
NOTE_MAX_LENGTH = 1000
MAX_RECIPIENTS = 10

DEFAULT_VALUES = [
    ("Above and beyond", "Went far past what the job asked."),
    ("Saved the account", "Kept a customer we could have lost."),
    ("Behind-the-scenes expert", "Quietly knew exactly how to fix it."),
    ("Fast fix", "Solved it quickly, so the customer barely noticed."),
    ("Customer first", "Put the customer's problem ahead of the process."),
    ("Taught me something", "Showed me how to solve it myself next time."),
]


class Value(TenantOwned):
    """A value or tag an organisation recognises people for."""

    name = models.CharField(_("name"), max_length=60)
    description = models.CharField(_("description"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta(TenantOwned.Meta):
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="value_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Kudos(TenantOwned):
    class Visibility(models.TextChoices):
        ORGANIZATION = "organization", _("Everyone in the organisation")
        PRIVATE = "private", _("Only the recipients and their managers")

    sender = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, related_name="kudos_sent", db_index=False
    )
    message = models.TextField(_("message"), max_length=MESSAGE_MAX_LENGTH)
    customer_name = models.CharField(_("customer or account"), max_length=120, blank=True)
    visibility = models.CharField(
        _("who can see it"),
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.ORGANIZATION,
    )
    # A double-click or a retried form post carries the same key and creates nothing new.
    client_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", db_index=False,
    )  # fmt: skip
    hidden_reason = models.CharField(max_length=300, blank=True)

    class Meta(TenantOwned.Meta):
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "kudos"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "sender", "client_key"],
                condition=~models.Q(client_key=""),
                name="kudos_unique_client_key",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="kudos_created_idx"),
            models.Index(fields=["organization", "sender", "-created_at"], name="kudos_sender_idx"),
        ]

    def __str__(self) -> str:
        return f"Kudos #{self.pk}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class KudosRecipient(TenantOwned):
    """Who a kudos thanks. Carries copies of the kudos' date, sender, visibility and hidden
    state, so that a person's recognition is counted from their own rows in one index, without
    joining the organisation's kudos (docs/benchmarks.md). Build rows with `for_kudos`; the
    kudos services keep the copies equal to the kudos."""

    kudos = models.ForeignKey(
        Kudos, on_delete=models.CASCADE, related_name="recipient_links", db_index=False
    )
    recipient = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, related_name="kudos_received",
        db_index=False,
    )  # fmt: skip
    created_at = models.DateTimeField()
    sender = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    visibility = models.CharField(max_length=16, choices=Kudos.Visibility.choices)
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantOwned.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kudos", "recipient"], name="kudosrecipient_unique"
            ),
        ]
        indexes = [
            # What a person's page counts, from the index alone.
            models.Index(
                fields=["organization", "recipient", "-created_at"],
                include=["kudos", "sender", "visibility", "hidden_at"],
                name="kudosrecipient_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kudos_id} → {self.recipient_id}"

    @classmethod
    def for_kudos(cls, kudos: Kudos, recipient) -> "KudosRecipient":
        """An unsaved row thanking `recipient` for `kudos`, with the kudos' columns copied."""
        return cls(
            kudos=kudos,
            recipient=recipient,
            created_at=kudos.created_at,
            sender_id=kudos.sender_id,
            visibility=kudos.visibility,
            hidden_at=kudos.hidden_at,
        )


class KudosValue(TenantOwned):
    kudos = models.ForeignKey(
        Kudos, on_delete=models.CASCADE, related_name="value_links", db_index=False
    )
    value = models.ForeignKey(Value, on_delete=models.PROTECT, related_name="+", db_index=False)

    class Meta(TenantOwned.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kudos", "value"], name="kudosvalue_unique"
            ),
        ]
        indexes = [models.Index(fields=["organization", "value"], name="kudosvalue_value_idx")]

    def __str__(self) -> str:
        return f"{self.kudos_id}: {self.value_id}"


class Reaction(TenantOwned):
    class Emoji(models.TextChoices):
        CLAP = "👏", _("Applause")
        PARTY = "🎉", _("Celebrate")
        HEART = "❤️", _("Love it")
        RAISED_HANDS = "🙌", _("Thank you")
        BULB = "💡", _("Smart")
        ROCKET = "🚀", _("Fast")

    kudos = models.ForeignKey(
        Kudos, on_delete=models.CASCADE, related_name="reactions", db_index=False
    )
    member = models.ForeignKey(
        "tenancy.Membership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    emoji = models.CharField(max_length=8, choices=Emoji.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantOwned.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kudos", "member", "emoji"], name="reaction_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.emoji} on {self.kudos_id}"


class Letter(TenantOwned):
    """A formal thank-you to the manager of the people who helped, optionally copied to
    executives. A kudos to people with different managers becomes one letter per manager."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        DELIVERED = "delivered", _("Delivered")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")

    kudos = models.ForeignKey(
        Kudos, on_delete=models.SET_NULL, null=True, blank=True, related_name="letters",
        db_index=False,
    )  # fmt: skip
    sender = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, related_name="letters_sent",
        db_index=False,
    )  # fmt: skip
    addressed_to = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, related_name="letters_received",
        db_index=False,
    )  # fmt: skip
    body = models.TextField(max_length=LETTER_MAX_LENGTH)
    email = models.ForeignKey(
        "notifications.OutboundEmail", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", db_index=False,
    )  # fmt: skip
    client_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", db_index=False,
    )  # fmt: skip
    acknowledgement_note = models.TextField(blank=True, max_length=NOTE_MAX_LENGTH)

    class Meta(TenantOwned.Meta):
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["organization", "addressed_to", "-created_at"], name="letter_addressee_idx"
            ),
            models.Index(
                fields=["organization", "sender", "-created_at"], name="letter_sender_idx"
            ),
            models.Index(fields=["organization", "kudos"], name="letter_kudos_idx"),
        ]

    def __str__(self) -> str:
        return f"Letter #{self.pk}"

    @property
    def status(self) -> str:
        """Acknowledged once the manager answers; delivered once the mail server accepted it."""
        if self.acknowledged_at is not None:
            return self.Status.ACKNOWLEDGED
        if self.email_id is None or self.email.status == "sent":
            return self.Status.DELIVERED
        return self.Status.QUEUED

    def get_status_display(self) -> str:
        return str(self.Status(self.status).label)


class LetterSubject(TenantOwned):
    """A person the letter thanks (they report to the addressee). Dated for their page."""

    letter = models.ForeignKey(
        Letter, on_delete=models.CASCADE, related_name="subject_links", db_index=False
    )
    member = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, related_name="letters_about",
        db_index=False,
    )  # fmt: skip
    created_at = models.DateTimeField()

    class Meta(TenantOwned.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "letter", "member"], name="lettersubject_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "member", "-created_at"], name="lettersubject_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.letter_id} about {self.member_id}"


class LetterCopy(TenantOwned):
    """An executive copied on a letter."""

    letter = models.ForeignKey(
        Letter, on_delete=models.CASCADE, related_name="copy_links", db_index=False
    )
    member = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta(TenantOwned.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "letter", "member"], name="lettercopy_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.letter_id} copy to {self.member_id}"


# Customer nominations live in their own module; imported here so Django finds the models.
from apps.recognition.nomination_models import (  # noqa: E402
    CustomerEmailThrottle,
    Nomination,
    NominationLink,
)

__all__ = [
    "CustomerEmailThrottle",
    "Kudos",
    "KudosRecipient",
    "KudosValue",
    "Letter",
    "LetterCopy",
    "LetterSubject",
    "Nomination",
    "NominationLink",
    "Reaction",
    "Value",
]
