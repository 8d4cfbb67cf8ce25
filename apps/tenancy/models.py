"""Organisations (the tenant), their teams and memberships, and the global routing tables."""

import datetime
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.tenancy.managers import TenantOwned

RESERVED_SLUGS = frozenset(
    {
        "accounts", "admin", "api", "n", "static", "media", "health", "signup", "login",
        "logout", "invitations", "unsubscribe", "i18n", "favicon.ico", "robots.txt", "www",
        "app", "settings", "me", "orgs", "help", "docs", "about", "new", "password",
    }
)  # fmt: skip

CURRENCIES = [
    ("USD", "US dollar"),
    ("EUR", "Euro"),
    ("GBP", "Pound sterling"),
    ("CAD", "Canadian dollar"),
    ("AUD", "Australian dollar"),
    ("CHF", "Swiss franc"),
    ("SEK", "Swedish krona"),
    ("NOK", "Norwegian krone"),
    ("DKK", "Danish krone"),
    ("JPY", "Japanese yen"),
    ("INR", "Indian rupee"),
    ("NZD", "New Zealand dollar"),
    ("ZAR", "South African rand"),
    ("BRL", "Brazilian real"),
    ("MXN", "Mexican peso"),
]


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


def validate_work_days(value: str) -> None:
    if not value or any(ch not in "1234567" for ch in value) or len(set(value)) != len(value):
        raise ValidationError(_("Use ISO weekday numbers once each, for example 12345."))


def validate_slug_not_reserved(value: str) -> None:
    if value.lower() in RESERVED_SLUGS:
        raise ValidationError(_("“%(value)s” is reserved; please choose another address."),
                              params={"value": value})  # fmt: skip


class Organization(models.Model):
    """The tenant. Global: found by its slug before any tenant context exists."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(
        _("address"),
        max_length=50,
        unique=True,
        validators=[validate_slug_not_reserved],
        help_text=_("Used in every address of your organisation: /<address>/…"),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCIES, default="USD")
    callback_delay_minutes = models.PositiveIntegerField(
        _("callback delay (minutes)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
    )
    # A cost below zero would make the dependency report's costs a saving.
    rep_cost_per_hour = models.DecimalField(
        _("cost per hour of a rep"), max_digits=8, decimal_places=2, default=45,
        validators=[MinValueValidator(0)],
    )  # fmt: skip
    manager_cost_per_hour = models.DecimalField(
        _("cost per hour of a manager"), max_digits=8, decimal_places=2, default=75,
        validators=[MinValueValidator(0)],
    )  # fmt: skip
    managers_can_moderate = models.BooleanField(
        _("managers can moderate customer nominations"), default=True
    )
    work_day_start = models.TimeField(_("working day starts"), default=datetime.time(8, 0))
    work_day_end = models.TimeField(_("working day ends"), default=datetime.time(17, 0))
    work_days = models.CharField(
        _("working days"),
        max_length=7,
        default="12345",
        help_text=_("ISO weekday numbers: 1 is Monday, 7 is Sunday."),
        validators=[validate_work_days],
    )
    escalation_retention_months = models.PositiveSmallIntegerField(
        _("keep escalation records for (months)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    nudge_after_days = models.PositiveSmallIntegerField(
        _("remind members who have thanked nobody for (days)"),
        default=30,
        validators=[MinValueValidator(7), MaxValueValidator(365)],
    )
    default_phone_region = models.CharField(
        _("default phone region"), max_length=2, default="US",
        help_text=_("Two-letter country code used for phone numbers without a country code."),
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.work_day_start and self.work_day_end and self.work_day_start >= self.work_day_end:
            raise ValidationError({"work_day_end": _("The working day must end after it starts.")})


class Team(TenantOwned):
    class Kind(models.TextChoices):
        SALES = "sales", _("Sales")
        CUSTOMER_SERVICE = "customer_service", _("Customer service")
        TECHNICAL_SUPPORT = "technical_support", _("Technical support")
        INSIDE_SALES = "inside_sales", _("Inside sales")
        ADMIN = "admin", _("Administration")
        OTHER = "other", _("Other")

    SUPPORT_KINDS = frozenset({"customer_service", "technical_support", "inside_sales", "admin"})

    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, default=Kind.OTHER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantOwned.Meta):
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="team_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_support(self) -> bool:
        return self.kind in self.SUPPORT_KINDS


class Membership(TenantOwned):
    """A person's place in one organisation: role, team, manager."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Admin")
        MANAGER = "manager", _("Manager")
        REP = "rep", _("Sales rep")
        SUPPORT = "support", _("Support staff")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="memberships",
        db_index=False,
        db_constraint=False,  # users are local (not distributed) on Citus
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.REP)
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        db_index=False,
        verbose_name=_("team"),
    )
    title = models.CharField(_("job title"), max_length=80, blank=True)
    reports_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="direct_reports",
        db_index=False,
        verbose_name=_("reports to"),
    )
    is_executive = models.BooleanField(_("executive"), default=False)
    phone_mobile = models.CharField(_("mobile phone"), max_length=32, blank=True)
    phone_office = models.CharField(_("office phone"), max_length=32, blank=True)
    accepts_nominations = models.BooleanField(
        _("customers may name me in nominations"),
        default=True,
        help_text=_("Shown by name and team on the organisation's public nomination form."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    joined_at = models.DateTimeField(auto_now_add=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantOwned.Meta):
        ordering = ["user__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_user"),
        ]
        indexes = [
            models.Index(fields=["organization", "team"], name="membership_team_idx"),
            models.Index(fields=["organization", "reports_to"], name="membership_manager_idx"),
            models.Index(fields=["organization", "role"], name="membership_role_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.user.display_name

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN

    @property
    def is_manager(self) -> bool:
        return self.role == self.Role.MANAGER

    def clean(self) -> None:
        for field in ("team", "reports_to"):
            related = getattr(self, field)
            if related is not None and related.organization_id != self.organization_id:
                raise ValidationError({field: _("Must belong to the same organisation.")})
        if self.reports_to_id is not None and self.reports_to_id == self.pk:
            raise ValidationError({"reports_to": _("Nobody can report to themself.")})


class UserOrganization(models.Model):
    """Global routing: which organisations a user belongs to, read before any tenant is known
    (after login, in the organisation switcher). Kept in step by the membership services."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organization_routes"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    membership_id = models.BigIntegerField()
    role = models.CharField(max_length=16, choices=Membership.Role.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="userorg_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.organization_id}"


class GlobalRoute(models.Model):
    """Global routing: a secret's hash → the organisation and object it opens.

    API tokens, invitation links and public nomination links are presented without an
    organisation; the hash finds it, then everything else runs inside that tenant's context, so
    row-level security never needs a bypass.
    """

    class Kind(models.TextChoices):
        API_TOKEN = "api_token"  # noqa: S105 - a kind label
        INVITATION = "invitation"
        NOMINATION_LINK = "nomination_link"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    digest = models.CharField(max_length=64, unique=True)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    object_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "kind", "object_id"])]

    def __str__(self) -> str:
        return f"{self.kind} → {self.organization_id}/{self.object_id}"
