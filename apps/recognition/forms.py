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
NOBODY_MATCHES = _(
    "Nobody in your organisation matches “%(query)s”. Try part of a first or last name."
)
# The wall's person filter: suggestions offered for a typed name, and how much of it is read.
PERSON_SUGGESTIONS = 8
PERSON_QUERY_MAX_LENGTH = 100


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
    """The wall's filters. An id that is not one of ours is reported and ignored, never a 500.

    The person is typed, not picked from a list of every member (a large organisation's list
    was most of the wall's rendering time, docs/benchmarks.md). `who` is the name as typed;
    `person` the id a suggestion link or an earlier search chose. When `who` is sent it decides:
    empty clears the person, a name matching one person (or exactly one person's full name)
    chooses them, several matches are offered as links (`person_matches`), none is an error.
    A link naming only `person` (Load more, a person's page) keeps that id.
    """

    who = forms.CharField(label=_("Person"), required=False)
    person = forms.ModelChoiceField(
        label=_("Person"),
        queryset=Membership.objects.none(),
        required=False,
        widget=forms.HiddenInput,
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
        self.person_matches: list[Membership] = []
        self.fields["person"].queryset = Membership.objects.select_related("user")
        self.fields["team"].queryset = Team.objects.order_by("name")
        self.fields["value"].queryset = selectors.value_list(include_inactive=True)

    def clean_who(self) -> str:
        return self.cleaned_data["who"][:PERSON_QUERY_MAX_LENGTH]

    def clean(self):
        cleaned = super().clean()
        if "who" not in self.data or "who" not in cleaned:
            return cleaned  # no name typed (a link by id), or not text at all (reported)
        who = cleaned["who"]
        chosen = cleaned.get("person")
        # The name decides: an earlier id that was not valid no longer matters.
        self._errors.pop("person", None)
        if not who:
            cleaned["person"] = None
        elif chosen is None or who.casefold() != chosen.display_name.casefold():
            cleaned["person"] = self._person_named(who)
        return cleaned

    def _person_named(self, who: str) -> Membership | None:
        matches = selectors.people_named(query=who, limit=PERSON_SUGGESTIONS + 1)
        exact = [m for m in matches if m.display_name.casefold() == who.casefold()]
        if len(matches) == 1 or len(exact) == 1:
            return (exact or matches)[0]
        if not matches:
            self.add_error("who", NOBODY_MATCHES % {"query": who})
        self.person_matches = matches
        return None

    @property
    def chosen_person(self) -> Membership | None:
        """The person the wall is filtered by, once the form is cleaned."""
        return getattr(self, "cleaned_data", {}).get("person")

    def filters(self) -> dict:
        """The valid filters as selector arguments (invalid ones left out)."""
        self.is_valid()
        data = self.cleaned_data
        chosen = {"person_id": data.get("person"), "team_id": data.get("team"),
                  "value_id": data.get("value")}  # fmt: skip
        return {key: obj.pk for key, obj in chosen.items() if obj is not None}


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
