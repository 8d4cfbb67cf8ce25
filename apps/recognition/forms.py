"""Forms of the kudos pages. They validate input only; the services apply the product's rules
(no kudos to yourself, active people and values only…) so the API and the pages agree."""

import uuid

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from apps.recognition import selectors
from apps.recognition.models import MESSAGE_MAX_LENGTH, Kudos, Reaction, Value
from apps.recognition.services import HIDE_REASON_REQUIRED, KUDOS_NO_RECIPIENT
from apps.tenancy.models import Membership, Team

NOT_A_MEMBER = _("Pick people from your organisation.")
FILTER_IGNORED = _("That filter is not valid and was ignored.")


def new_client_key() -> str:
    """A fresh key per rendered form: posting the same form twice creates one kudos."""
    return uuid.uuid4().hex


class PlainTextField(forms.CharField):
    """Text as typed. Browsers send line ends as CRLF but count them as one character for
    `maxlength`; normalising them keeps the server's limit the one the counter showed."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n")


class KudosForm(forms.Form):
    recipients = forms.ModelMultipleChoiceField(
        label=_("Who are you thanking?"),
        queryset=Membership.objects.none(),
        error_messages={
            "required": _(KUDOS_NO_RECIPIENT),
            "invalid_choice": NOT_A_MEMBER,
            "invalid_pk_value": NOT_A_MEMBER,
        },
    )
    values = forms.ModelMultipleChoiceField(
        label=_("What did they show?"),
        queryset=Value.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Pick values from the list.")},
    )
    message = PlainTextField(
        label=_("Your message"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5, "data-counter": True}),
        help_text=_("Plain text. Say what they did, and what it meant for you or the customer."),
    )
    customer_name = forms.CharField(
        label=_("Customer or account"),
        max_length=120,
        required=False,
        help_text=_("Who was it for? It helps their manager see the impact."),
    )
    visibility = forms.ChoiceField(
        label=_("Who can see it?"),
        choices=Kudos.Visibility.choices,
        initial=Kudos.Visibility.ORGANIZATION,
        widget=forms.RadioSelect,
    )
    client_key = forms.CharField(
        required=False,
        max_length=64,
        widget=forms.HiddenInput,
        validators=[RegexValidator(r"^[A-Za-z0-9-]*$")],
    )

    def __init__(self, *args, **kwargs):
        initial = kwargs.setdefault("initial", {})
        if not initial.get("client_key"):
            initial["client_key"] = new_client_key()
        super().__init__(*args, **kwargs)
        # Inactive people and values stay valid choices here so that the service can say
        # precisely why they are refused; the page only ever offers active ones.
        self.fields["recipients"].queryset = Membership.objects.select_related("user")
        self.fields["values"].queryset = selectors.value_list(include_inactive=True)

    def chosen_ids(self, field: str) -> list[int]:
        """The ids the form holds for a multiple-choice field, bound or not (garbage dropped)."""
        raw = self[field].value() or []
        ids = []
        for value in raw:
            try:
                ids.append(int(getattr(value, "pk", value)))
            except (TypeError, ValueError):
                continue
        return [i for i in dict.fromkeys(ids) if 0 < i < 2**63]


class WallFilterForm(forms.Form):
    """The wall's filters. An id that is not one of ours is reported and ignored, never a 500."""

    person = forms.ModelChoiceField(
        label=_("Person"),
        queryset=Membership.objects.none(),
        required=False,
        empty_label=_("Everyone"),
        error_messages={"invalid_choice": FILTER_IGNORED},
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("All teams"),
        error_messages={"invalid_choice": FILTER_IGNORED},
    )
    value = forms.ModelChoiceField(
        label=_("Value"),
        queryset=Value.objects.none(),
        required=False,
        empty_label=_("All values"),
        error_messages={"invalid_choice": FILTER_IGNORED},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Membership.objects.select_related("user").order_by(
            "-is_active", "user__full_name", "id"
        )
        self.fields["person"].label_from_instance = _person_label
        self.fields["team"].queryset = Team.objects.order_by("name")
        self.fields["value"].queryset = selectors.value_list(include_inactive=True)

    def filters(self) -> dict:
        """The valid filters as selector arguments (invalid ones left out)."""
        self.is_valid()
        data = self.cleaned_data
        chosen = {"person_id": data.get("person"), "team_id": data.get("team"),
                  "value_id": data.get("value")}  # fmt: skip
        return {key: obj.pk for key, obj in chosen.items() if obj is not None}


def _person_label(member: Membership) -> str:
    if member.is_active:
        return member.display_name
    return _("%(name)s (former member)") % {"name": member.display_name}


class ReactionForm(forms.Form):
    emoji = forms.ChoiceField(
        choices=Reaction.Emoji.choices,
        error_messages={
            "required": _("Pick a reaction."),
            "invalid_choice": _("That reaction is not available."),
        },
    )


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("Why hide it?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2, "data-counter": True}),
        error_messages={"required": _(HIDE_REASON_REQUIRED)},
        help_text=_("Only admins see the reason; it is kept in the audit log with your name."),
    )
