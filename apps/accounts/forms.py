import zoneinfo

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.accounts import lockout
from apps.core.phones import clean_phone_field
from apps.core.requests import client_ip
from apps.tenancy.models import RESERVED_SLUGS, Membership, Organization, Team

LOCKED_OUT = _(
    "Too many failed attempts. For your security, logging in is paused for a while; "
    "try again later or reset your password."
)


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class LoginForm(AuthenticationForm):
    """E-mail and password, with a lockout after repeated failures (per account and client)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("That e-mail address and password do not match an account."),
        "locked_out": LOCKED_OUT,
    }

    def clean(self):
        email = (self.cleaned_data.get("username") or "").strip().lower()
        ip = client_ip(self.request) if self.request else None
        if email and lockout.is_locked_out(email=email, ip=ip):
            raise ValidationError(self.error_messages["locked_out"], code="locked_out")
        self.cleaned_data["username"] = email
        try:
            cleaned = super().clean()
        except ValidationError:
            if email:
                lockout.record_failure(email=email, ip=ip)
            raise
        lockout.clear_failures(email=email)
        return cleaned


class OrganizationFieldsMixin(forms.Form):
    organization_name = forms.CharField(label=_("Organisation name"), max_length=120)
    slug = forms.SlugField(
        label=_("Address"),
        max_length=50,
        help_text=_("Lower-case letters, digits and hyphens. Your pages live at /<address>/."),
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices, initial="UTC")

    def clean_slug(self):
        slug = self.cleaned_data["slug"].lower()
        if slug in RESERVED_SLUGS:
            raise ValidationError(_("That address is reserved; please choose another."))
        if Organization.objects.filter(slug=slug).exists():
            raise ValidationError(_("That address is already taken; please choose another."))
        return slug


class SignupForm(OrganizationFieldsMixin):
    full_name = forms.CharField(label=_("Your name"), max_length=120)
    email = forms.EmailField(label=_("Work e-mail"))
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )

    field_order = ["full_name", "email", "password", "organization_name", "slug", "time_zone"]

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            try:
                password_validation.validate_password(password)
            except ValidationError as error:
                self.add_error("password", error)
        return cleaned


class OrganizationCreateForm(OrganizationFieldsMixin):
    pass


class InvitationSignupForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=120)
    password = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )

    def clean_password(self):
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial="rep")
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    reports_to = forms.ModelChoiceField(
        label=_("Reports to"), queryset=Membership.objects.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.order_by("name")
        self.fields["reports_to"].queryset = Membership.objects.filter(
            is_active=True, role__in=["admin", "manager"]
        ).select_related("user")


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=80,
        help_text=_("What will use it, for example “CRM sync”."),
    )


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Name"), max_length=120)
    title = forms.CharField(label=_("Job title"), max_length=80, required=False)
    phone_mobile = forms.CharField(label=_("Mobile phone"), max_length=32, required=False)
    phone_office = forms.CharField(label=_("Office phone"), max_length=32, required=False)

    def __init__(self, *args, phone_region: str = "US", **kwargs):
        super().__init__(*args, **kwargs)
        self.phone_region = phone_region

    # Stored as E.164, so phone-system imports can match calls to members.
    def clean_phone_mobile(self) -> str:
        return clean_phone_field(self.cleaned_data["phone_mobile"], self.phone_region)

    def clean_phone_office(self) -> str:
        return clean_phone_field(self.cleaned_data["phone_office"], self.phone_region)
