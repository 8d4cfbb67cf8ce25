"""Forms of customer nominations: the members' link form and the public form customers fill in.

They validate input only; `nomination_services` applies the rules (who may be named, usable
links, plain text), so the pages and the API agree.
"""

from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import gettext_lazy as _

from apps.core.widgets import FastSelect
from apps.recognition.forms import PlainTextField
from apps.recognition.nomination_models import (
    DESCRIPTION_MAX_LENGTH,
    STORY_MAX_LENGTH,
    Nomination,
    NominationLink,
)
from apps.recognition.nomination_selectors import HelperGroups
from apps.recognition.nomination_services import (
    CONSENT_REQUIRED,
    HELPER_REQUIRED,
    LINK_EXPIRY_IN_PAST,
    LINK_LABEL_REQUIRED,
    NOMINEE_NOT_ELIGIBLE,
    STORY_REQUIRED,
    eligible_helpers,
)
from apps.tenancy.models import Membership, Team

# The "I don't know their name" choice of the public form's helper list.
UNKNOWN_HELPER = "unknown"
HONEYPOT_FIELD = "website"
LINK_EXPIRY_MAX_DAYS = 3 * 366
LINK_EXPIRY_TOO_FAR = _("Pick a date within the next three years.")
CUSTOMER_ROLE_REQUIRED = _("Please say who you are.")


class NominationLinkForm(forms.Form):
    """A member's new link. The expiry is a date: the link works until the end of that day, in
    the organisation's time zone (the middleware activates it)."""

    label = forms.CharField(
        label=_("Label"),
        max_length=NominationLink._meta.get_field("label").max_length,
        error_messages={"required": _(LINK_LABEL_REQUIRED)},
        help_text=_("Only you and the moderators see it, for example “Acme — spring rollout”."),
    )
    preselected_member = forms.ModelChoiceField(
        label=_("Helper"),
        queryset=Membership.objects.none(),
        required=False,
        empty_label=_("Let the customer choose"),
        error_messages={"invalid_choice": _(NOMINEE_NOT_ELIGIBLE)},
        help_text=_("The form opens with this person already picked."),
        widget=FastSelect,  # every eligible helper: hundreds in a large organisation
    )
    preselected_team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("Any team"),
        error_messages={"invalid_choice": _("Pick a team from the list.")},
        help_text=_("Its people are listed first on the form."),
        widget=FastSelect,
    )
    expires_on = forms.DateField(
        label=_("Works until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty for a link that works until you revoke it."),
    )
    single_use = forms.BooleanField(
        label=_("Single use: the link stops working after one nomination"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preselected_member"].queryset = eligible_helpers()
        self.fields["preselected_member"].label_from_instance = _helper_label
        self.fields["preselected_team"].queryset = Team.objects.order_by("name")

    def clean_expires_on(self) -> date | None:
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        today = timezone.localdate()
        if day < today:
            raise forms.ValidationError(_(LINK_EXPIRY_IN_PAST))
        if day > today + timedelta(days=LINK_EXPIRY_MAX_DAYS):
            raise forms.ValidationError(LINK_EXPIRY_TOO_FAR)
        return day

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        expires_at = None
        if data["expires_on"] is not None:
            # The last moment of the chosen day: the link works for the whole of it.
            expires_at = timezone.make_aware(datetime.combine(data["expires_on"], time.max))
        return {
            "label": data["label"],
            "preselected_member": data["preselected_member"],
            "preselected_team": data["preselected_team"],
            "expires_at": expires_at,
            "single_use": data["single_use"],
        }


def _helper_label(member: Membership) -> str:
    if member.team_id is None:
        return member.display_name
    return f"{member.display_name} ({member.team.name})"


class _Canonical(BaseChoiceIterator):
    """Choices already in Django's canonical form (pairs, groups as lists of pairs): Django
    would otherwise walk a list of hundreds again, twice (for the field, then its widget)."""

    def __init__(self, choices: list):
        self.choices = choices

    def __iter__(self):
        return iter(self.choices)


class NomineeField(forms.ChoiceField):
    """The helper, from the people the public may see (grouped by team), or "I don't know their
    name". Cleans to a Membership, `UNKNOWN_HELPER`, or None when nothing was picked."""

    widget = FastSelect

    def __init__(self, *, helper_groups: HelperGroups, **kwargs):
        self.helper_ids = {pk for _team, people in helper_groups for pk, _name in people}
        choices: list = [("", _("Choose a name…"))]
        choices += [
            (_("Other teams") if team is None else team, people) for team, people in helper_groups
        ]
        choices.append((UNKNOWN_HELPER, _("I don't know their name")))
        super().__init__(choices=_Canonical(choices), **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value == UNKNOWN_HELPER:
            return UNKNOWN_HELPER
        if value not in self.helper_ids:
            return None
        # Only the picked person becomes a model: the list itself is plain rows.
        return Membership.objects.select_related("user").filter(pk=int(value)).first()


class NominationPublicForm(forms.Form):
    """What a customer fills in. Only the helpers' names and teams reach the page."""

    nominee = forms.Field()  # replaced per link in __init__
    helper_description = PlainTextField(
        label=_("If you don't know their name, describe them"),
        required=False,
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "data-counter": True}),
        help_text=_("For example: when you spoke to them, what they handled, a first name."),
    )
    story = PlainTextField(
        label=_("What did they do for you?"),
        max_length=STORY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 7, "data-counter": True}),
        error_messages={"required": _(STORY_REQUIRED)},
        help_text=_(
            "A few sentences are plenty. For example: “Our order was stuck at customs two days "
            "before the opening. Maya called the broker, found another truck and sent us an "
            "update every hour. We opened on time.”"
        ),
    )
    customer_role = forms.ChoiceField(
        label=_("Who are you?"),
        choices=Nomination.CustomerRole.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": CUSTOMER_ROLE_REQUIRED,
            "invalid_choice": CUSTOMER_ROLE_REQUIRED,
        },
    )
    customer_name = forms.CharField(
        label=_("Your name"),
        required=False,
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    customer_company = forms.CharField(
        label=_("Your company"),
        required=False,
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    customer_email = forms.EmailField(
        label=_("Your e-mail"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("We send you one confirmation. Only the people who review nominations see it."),
    )
    consent = forms.BooleanField(error_messages={"required": _(CONSENT_REQUIRED)})
    # A trap for robots: hidden from people (and screen readers) by a class, filled by bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(
        self,
        *args,
        link: NominationLink,
        organization_name: str,
        helper_groups: HelperGroups,
        **kwargs,
    ):
        nominee = NomineeField(
            label=_("Who helped you?"),
            helper_groups=helper_groups,
            # Not required as a field: "I don't know their name" needs a description instead;
            # `clean` asks for one or the other. Browsers still insist on a choice.
            required=False,
            widget=FastSelect(attrs={"required": True}),
            error_messages={"invalid_choice": _(NOMINEE_NOT_ELIGIBLE)},
        )
        initial = kwargs.setdefault("initial", {})
        if link.preselected_member_id and str(link.preselected_member_id) in nominee.helper_ids:
            initial.setdefault("nominee", str(link.preselected_member_id))
        elif link.preselected_team_id and link.preselected_team is not None:
            initial.setdefault(
                "helper_description",
                _("Someone in the %(team)s team") % {"team": link.preselected_team.name},
            )
        super().__init__(*args, **kwargs)
        self.fields["nominee"] = nominee
        self.fields["consent"].label = _(
            "I agree that %(organization)s may share what I wrote, with my name and company "
            "if I gave them, with the person I named, their manager and their colleagues."
        ) % {"organization": organization_name}

    @property
    def is_trap_sprung(self) -> bool:
        """A robot filled the hidden field: the page pretends all went well."""
        return bool(self.data.get(HONEYPOT_FIELD, ""))

    def clean(self):
        data = super().clean()
        nominee = data.get("nominee")
        if "nominee" in data and "helper_description" in data:
            if nominee is None and not self.errors.get("nominee"):
                self.add_error("nominee", _(HELPER_REQUIRED))
            elif nominee == UNKNOWN_HELPER and not data["helper_description"].strip():
                self.add_error("helper_description", _(HELPER_REQUIRED))
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        nominee = data["nominee"]
        return {
            "nominee": None if nominee == UNKNOWN_HELPER else nominee,
            "helper_description": data["helper_description"],
            "story": data["story"],
            "customer_role": data["customer_role"],
            "customer_name": data["customer_name"],
            "customer_company": data["customer_company"],
            "customer_email": data["customer_email"],
            "consent": data["consent"],
        }
