import phonenumbers
from django import forms
from django.utils.translation import gettext_lazy as _

from apps.accounts.forms import time_zone_choices
from apps.accounts.models import display_name_of
from apps.core.forms import ValuesChoiceField
from apps.tenancy.models import Membership, Organization, Team


class MemberChoiceField(ValuesChoiceField):
    """A choice of people, named as everywhere (their name, else their address's local part)."""

    label_columns = ("user__full_name", "user__email")
    label_from_values = staticmethod(display_name_of)


class OrganizationSettingsForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)

    class Meta:
        model = Organization
        fields = [
            "name",
            "time_zone",
            "currency",
            "callback_delay_minutes",
            "rep_cost_per_hour",
            "manager_cost_per_hour",
            "managers_can_moderate",
            "nudge_after_days",
            "work_day_start",
            "work_day_end",
            "work_days",
            "escalation_retention_months",
            "default_phone_region",
        ]

    def clean_default_phone_region(self) -> str:
        region = self.cleaned_data["default_phone_region"].upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise forms.ValidationError(
                _("Use a two-letter country code such as US, GB or DE."), code="invalid_region"
            )
        return region


class MemberForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    reports_to = MemberChoiceField(
        label=_("Reports to"), queryset=Membership.objects.none(), required=False
    )
    title = forms.CharField(label=_("Job title"), max_length=80, required=False)
    is_executive = forms.BooleanField(
        label=_("Executive"),
        required=False,
        help_text=_("Thank-you letters can be copied to executives."),
    )

    def __init__(self, *args, member: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.order_by("name")
        self.fields["reports_to"].queryset = (
            Membership.objects.filter(is_active=True)
            .exclude(pk=member.pk)
            .select_related("user")
            .order_by("user__full_name")
        )


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    kind = forms.ChoiceField(label=_("Kind"), choices=Team.Kind.choices)
