"""Customer nominations: models of links and nominations.

A member shares a link; a customer, without an account, names who helped them and tells the
story; a moderator approves it before anyone else sees a word of it.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.tenancy.managers import TenantOwned

STORY_MAX_LENGTH = 2000
DESCRIPTION_MAX_LENGTH = 500


class NominationLink(TenantOwned):
    """A shareable link. Its token is derived (HMAC) from `salt`, never stored; only its hash
    is, in the global routing table, so the link page can show the URL again."""

    created_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, related_name="nomination_links",
        db_index=False,
    )  # fmt: skip
    label = models.CharField(_("label"), max_length=120)
    preselected_member = models.ForeignKey(
        "tenancy.Membership", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", db_index=False, verbose_name=_("helper"),
    )  # fmt: skip
    preselected_team = models.ForeignKey(
        "tenancy.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        db_index=False, verbose_name=_("team"),
    )  # fmt: skip
    salt = models.CharField(max_length=64)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    single_use = models.BooleanField(_("single use"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantOwned.Meta):
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["organization", "created_by", "-created_at"], name="nomlink_owner_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.is_expired


class Nomination(TenantOwned):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for moderation")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SPAM = "spam", _("Spam")

    class CustomerRole(models.TextChoices):
        BUYER = "buyer", _("Buyer")
        SITE_CONTACT = "site_contact", _("Site contact")
        ACCOUNTS_PAYABLE = "accounts_payable", _("Accounts payable")
        END_USER = "end_user", _("User of the product")
        MANAGER = "manager", _("Manager or owner")
        OTHER = "other", _("Other")

    link = models.ForeignKey(
        NominationLink, on_delete=models.PROTECT, related_name="nominations", db_index=False
    )
    # The member who shared the link is credited with "nominations collected".
    collected_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, related_name="nominations_collected",
        db_index=False,
    )  # fmt: skip
    nominee = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, blank=True,
        related_name="nominations_received", db_index=False,
    )  # fmt: skip
    helper_description = models.TextField(blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    story = models.TextField(max_length=STORY_MAX_LENGTH)
    customer_role = models.CharField(max_length=24, choices=CustomerRole.choices)
    customer_name = models.CharField(max_length=120, blank=True)
    customer_company = models.CharField(max_length=120, blank=True)
    customer_email = models.EmailField(blank=True)
    consent = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", db_index=False,
    )  # fmt: skip
    customer_details_erased_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantOwned.Meta):
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "status", "-created_at"], name="nom_status_idx"),
            models.Index(
                fields=["organization", "nominee", "-created_at"],
                name="nom_nominee_idx",
                condition=models.Q(status="approved"),
            ),
            models.Index(fields=["organization", "link"], name="nom_link_idx"),
            models.Index(fields=["organization", "collected_by"], name="nom_collector_idx"),
        ]

    def __str__(self) -> str:
        return f"Nomination #{self.pk}"


class CustomerEmailThrottle(models.Model):
    """Global: when a confirmation last went to an address (by hash, no personal data), so the
    public form cannot be used to flood someone's inbox."""

    email_hash = models.CharField(max_length=64)
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["email_hash", "day"], name="customer_email_day"),
        ]

    def __str__(self) -> str:
        return f"{self.email_hash[:8]}… {self.day}"
