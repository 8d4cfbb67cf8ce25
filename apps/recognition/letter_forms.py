"""Forms of the thank-you letter pages. They parse input; the rules live in the services."""

import uuid

from django import forms
from django.utils.text import get_text_list
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import display_name_of
from apps.core.forms import ValuesMultipleChoiceField
from apps.core.widgets import FastSelectMultiple
from apps.recognition.models import LETTER_MAX_LENGTH, NOTE_MAX_LENGTH, Kudos
from apps.tenancy.models import Membership


def _member_label(full_name: str, email: str, title: str, team: str | None) -> str:
    """A person as the letter's lists name them: "Grace Hopper (Quotes, Inside Sales)"."""
    details = [detail for detail in (title, team) if detail]
    name = display_name_of(full_name, email)
    return f"{name} ({', '.join(details)})" if details else name


class MemberMultipleChoiceField(ValuesMultipleChoiceField):
    label_columns = ("user__full_name", "user__email", "title", "team__name")
    label_from_values = staticmethod(_member_label)


class LetterComposeForm(forms.Form):
    subjects = MemberMultipleChoiceField(
        label=_("People to thank"),
        queryset=Membership.objects.none(),
        widget=FastSelectMultiple(attrs={"size": 8}),
        help_text=_(
            "Hold Ctrl (⌘ on a Mac) to pick several. Each person's manager receives a letter "
            "naming them; people with the same manager share one letter."
        ),
        error_messages={"required": _("Pick at least one person to thank.")},
    )
    executives = MemberMultipleChoiceField(
        label=_("Copy to executives"),
        queryset=Membership.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    body = forms.CharField(
        label=_("Your letter"),
        widget=forms.Textarea(
            attrs={"rows": 10, "maxlength": LETTER_MAX_LENGTH, "data-counter": ""}
        ),
        help_text=_("Plain text. Say what they did and what it meant for the customer."),
        error_messages={"required": _("The letter can't be empty.")},
    )
    # The same key travels with the preview and the send: a double submit sends once.
    client_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, sender: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        members = (
            Membership.objects.filter(is_active=True)
            .exclude(pk=sender.pk)
            .select_related("user", "team", "reports_to__user")
            .order_by("user__full_name", "id")
        )
        self.fields["subjects"].queryset = members
        # Any active member validates here, so that copying someone who is not an executive
        # gets the service's explanation rather than "not one of the available choices".
        self.fields["executives"].queryset = members
        executives = self.fields["executives"].choices_from(members.filter(is_executive=True))
        self.fields["executives"].choices = executives
        if executives:
            self.fields["executives"].help_text = _("They receive a copy by e-mail.")
        else:
            self.fields["executives"].help_text = _(
                "Nobody in the organisation is marked as an executive yet."
            )
        if not self.is_bound and not self.initial.get("client_key"):
            self.initial["client_key"] = uuid.uuid4().hex


def initial_from_kudos(kudos: Kudos) -> dict:
    """The people a kudos thanked (those still active) and a letter drafted from its message."""
    recipients = [
        link.recipient for link in kudos.recipient_links.all() if link.recipient.is_active
    ]
    names = get_text_list([member.display_name for member in recipients], gettext("and"))
    if kudos.customer_name:
        opening = gettext("I want you to know how %(names)s helped me with %(customer)s.") % {
            "names": names,
            "customer": kudos.customer_name,
        }
    else:
        opening = gettext("I want you to know how %(names)s helped me.") % {"names": names}
    closing = gettext(
        "This is the kind of work customers never see, and it made the difference. Thank you "
        "for making it possible."
    )
    return {
        "subjects": [member.pk for member in recipients],
        "body": f"{opening}\n\n{kudos.message}\n\n{closing}",
    }


class LetterAcknowledgeForm(forms.Form):
    # No max_length here: the service checks the length and says so in the product's words.
    note = forms.CharField(
        label=_("Your note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": NOTE_MAX_LENGTH, "data-counter": ""}),
        help_text=_("The sender and the people the letter thanks will see it."),
    )
