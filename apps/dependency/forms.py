from django import forms
from django.utils.translation import gettext_lazy as _

from apps.dependency.models import Escalation
from apps.tenancy.models import Membership, Team


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("What happened?"),
        choices=[c for c in Escalation.Outcome.choices if c[0]],
        widget=forms.RadioSelect,
    )
    redirected_to_member = forms.ModelChoiceField(
        label=_("Redirected to (person)"), queryset=Membership.objects.none(), required=False
    )
    redirected_to_team = forms.ModelChoiceField(
        label=_("Redirected to (team)"), queryset=Team.objects.none(), required=False
    )
    manager_minutes = forms.IntegerField(
        label=_("Your minutes"), min_value=0, max_value=1440, required=False
    )
    rep_minutes = forms.IntegerField(
        label=_("The rep's minutes"), min_value=0, max_value=1440, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["redirected_to_member"].queryset = Membership.objects.filter(
            is_active=True
        ).select_related("user")
        self.fields["redirected_to_team"].queryset = Team.objects.order_by("name")
