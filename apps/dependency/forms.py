from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.widgets import FastSelect
from apps.dependency.models import NOTE_MAX_LENGTH, Escalation, ServiceDetour, Topic
from apps.tenancy.forms import MemberChoiceField
from apps.tenancy.models import Membership, Team
from apps.tenancy.selectors import reporting_tree_ids


def loggable_reps(actor: Membership):
    """Whom `actor` may log an escalation for (design.md's permission table)."""
    members = Membership.objects.filter(is_active=True).select_related("user", "reports_to__user")
    if actor.role == Membership.Role.ADMIN:
        return members.exclude(role=Membership.Role.SUPPORT).order_by("user__full_name")
    if actor.role == Membership.Role.MANAGER:
        return members.filter(pk__in=reporting_tree_ids(actor)).order_by("user__full_name")
    return members.filter(pk=actor.pk)


class EscalationForm(forms.Form):
    """Built for a phone: everything but channel, topic and urgency has a sensible default."""

    # An admin picks from every rep of the organisation: over a thousand in a large one.
    rep = MemberChoiceField(label=_("Rep"), queryset=Membership.objects.none())
    channel = forms.ChoiceField(
        label=_("How did they reach you?"),
        choices=Escalation.Channel.choices,
        widget=forms.RadioSelect,
        initial=Escalation.Channel.CALL,
    )
    topic = forms.ModelChoiceField(
        label=_("Topic"), queryset=Topic.objects.none(), required=False,
        empty_label=_("— not sure yet —"), widget=FastSelect,
    )  # fmt: skip
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=Escalation.Urgency.choices,
        widget=forms.RadioSelect,
        initial=Escalation.Urgency.ROUTINE,
    )
    note = forms.CharField(
        label=_("Short note"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"maxlength": NOTE_MAX_LENGTH, "data-counter": ""}),
    )
    manager = MemberChoiceField(
        label=_("Manager"), queryset=Membership.objects.none(), required=False,
        help_text=_("Leave empty for the rep's own manager."),
    )  # fmt: skip
    occurred_at = forms.DateTimeField(
        label=_("When"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty for now."),
    )

    def __init__(self, *args, actor: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        reps = loggable_reps(actor)
        self.fields["rep"].queryset = reps
        if actor.role == Membership.Role.REP:
            # A rep logs their own escalation to their own manager: nothing to choose.
            self.fields["rep"].initial = actor.pk
            self.fields["rep"].widget = forms.HiddenInput()
            self.fields["manager"].widget = forms.HiddenInput()
        self.fields["topic"].queryset = Topic.objects.filter(is_active=True).order_by("name")
        self.fields["manager"].queryset = (
            Membership.objects.filter(
                is_active=True, role__in=[Membership.Role.MANAGER, Membership.Role.ADMIN]
            )
            .select_related("user")
            .order_by("user__full_name")
        )

    def clean_occurred_at(self):
        value = self.cleaned_data.get("occurred_at")
        return value or timezone.now()


class EscalationFilterForm(forms.Form):
    rep = MemberChoiceField(queryset=Membership.objects.none(), required=False)
    manager = MemberChoiceField(queryset=Membership.objects.none(), required=False)
    topic = forms.ModelChoiceField(queryset=Topic.objects.none(), required=False, widget=FastSelect)
    urgency = forms.ChoiceField(choices=[("", _("Any urgency")), *Escalation.Urgency.choices],
                                required=False, widget=FastSelect)  # fmt: skip
    outcome = forms.ChoiceField(
        choices=[("", _("Any outcome")), ("open", _("Not recorded yet")),
                 *[c for c in Escalation.Outcome.choices if c[0]]],
        required=False,
    )  # fmt: skip
    start = forms.DateField(label=_("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    end = forms.DateField(label=_("To"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = Membership.objects.select_related("user").order_by("user__full_name")
        self.fields["rep"].queryset = people.exclude(role=Membership.Role.SUPPORT)
        self.fields["manager"].queryset = people.filter(
            role__in=[Membership.Role.MANAGER, Membership.Role.ADMIN]
        )
        self.fields["topic"].queryset = Topic.objects.order_by("name")


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("What happened?"),
        choices=[c for c in Escalation.Outcome.choices if c[0]],
        widget=forms.RadioSelect,
    )
    redirected_to_member = MemberChoiceField(
        label=_("Redirected to (person)"), queryset=Membership.objects.none(), required=False
    )
    redirected_to_team = forms.ModelChoiceField(
        label=_("Redirected to (team)"), queryset=Team.objects.none(), required=False,
        widget=FastSelect,
    )  # fmt: skip
    manager_minutes = forms.IntegerField(
        label=_("Manager's minutes"), min_value=0, max_value=1440, required=False
    )
    rep_minutes = forms.IntegerField(
        label=_("Rep's minutes"), min_value=0, max_value=1440, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["redirected_to_member"].queryset = (
            Membership.objects.filter(is_active=True)
            .select_related("user")
            .order_by("user__full_name")
        )
        self.fields["redirected_to_team"].queryset = Team.objects.order_by("name")


class TopicForm(forms.Form):
    name = forms.CharField(label=_("Topic"), max_length=80)
    handled_by_team = forms.ModelChoiceField(
        label=_("Team that really handles it"), queryset=Team.objects.none(), required=False,
        widget=FastSelect,
    )  # fmt: skip
    # Anyone in the organisation: two thousand people in a large one.
    handled_by_member = MemberChoiceField(
        label=_("Person who really handles it"), queryset=Membership.objects.none(),
        required=False,
    )  # fmt: skip
    how_to = forms.CharField(
        label=_("How to ask them"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 1000, "data-counter": ""}),
        help_text=_("What to have ready when calling, so it is solved in one go."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handled_by_team"].queryset = Team.objects.order_by("name")
        self.fields["handled_by_member"].queryset = (
            Membership.objects.filter(is_active=True)
            .select_related("user")
            .order_by("user__full_name")
        )


class DetourForm(forms.Form):
    """Two taps: what it was, and the team it should have gone to. Minutes default to 15."""

    kind = forms.ChoiceField(
        label=_("What was it?"), choices=ServiceDetour.Kind.choices, widget=forms.RadioSelect
    )
    team = forms.ModelChoiceField(
        label=_("Team it should have gone to"), queryset=Team.objects.none(),
        empty_label=None, widget=forms.RadioSelect,
    )  # fmt: skip
    minutes = forms.IntegerField(label=_("Minutes it took you"), min_value=1, max_value=1440,
                                 initial=15)  # fmt: skip
    note = forms.CharField(label=_("Note"), max_length=NOTE_MAX_LENGTH, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(kind__in=Team.SUPPORT_KINDS).order_by(
            "name"
        )
