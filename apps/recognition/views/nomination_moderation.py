"""Moderation of customer nominations: the queue, one nomination, and the moderators' actions
(approve, reject, mark as spam, erase the customer's details, delete).

Moderators only: admins, and managers unless the organisation turned that off. Everyone else
gets a 403 on every page and action here; another organisation's nomination is a 404. These are
the only pages (with the API's nomination list) that show a customer's e-mail address.
"""

from functools import wraps

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from apps.core.errors import ApplicationError
from apps.core.forms import apply_application_error
from apps.recognition import nomination_selectors as selectors
from apps.recognition import nomination_services as services
from apps.recognition.nomination_models import Nomination
from apps.tenancy.models import Membership

PAGE_SIZE = 20
ALL_STATUSES = "all"
TABS = [
    (Nomination.Status.PENDING, gettext_lazy("Waiting")),
    (Nomination.Status.APPROVED, gettext_lazy("Approved")),
    (Nomination.Status.REJECTED, gettext_lazy("Rejected")),
    (Nomination.Status.SPAM, gettext_lazy("Spam")),
]

# --- Forms (input parsing only; the rules live in nomination_services) -------------------------


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[*Nomination.Status.choices, (ALL_STATUSES, gettext_lazy("All"))],
        required=False,
    )

    def status_filter(self) -> str | None:
        """The status to list: pending unless asked otherwise (or asked for nonsense)."""
        if self.is_bound and self.is_valid() and self.cleaned_data["status"]:
            status = self.cleaned_data["status"]
            return None if status == ALL_STATUSES else status
        return Nomination.Status.PENDING


class NomineeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, member: Membership) -> str:
        details = [detail for detail in (member.title, member.team and member.team.name) if detail]
        if details:
            return f"{member.display_name} ({', '.join(details)})"
        return member.display_name


class ModerateForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            (Nomination.Status.APPROVED, gettext_lazy("Approve")),
            (Nomination.Status.REJECTED, gettext_lazy("Reject")),
            (Nomination.Status.SPAM, gettext_lazy("Spam")),
        ],
    )
    nominee = NomineeChoiceField(
        label=gettext_lazy("Who is it about?"),
        queryset=Membership.objects.none(),
        required=False,
        empty_label=gettext_lazy("Pick the member…"),
        help_text=gettext_lazy(
            "Needed to approve. The member and their manager are told about it."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nominee"].queryset = selectors.nominee_choices()


# --- Helpers -------------------------------------------------------------------------------


def moderator_required(view):
    """403 unless the member moderates nominations (`can_moderate`)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        membership = getattr(request, "membership", None)
        if membership is None or not services.can_moderate(membership):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _nomination(nomination_id: int) -> Nomination:
    nomination = selectors.nomination_for_moderation(nomination_id=nomination_id)
    if nomination is None:
        raise Http404
    return nomination


def _queue_url(request: HttpRequest) -> str:
    return reverse("nomination_moderation", kwargs={"org_slug": request.organization.slug})


def _next_url(request: HttpRequest) -> str:
    """Where an action returns: the queue page it came from (filters kept), if it is ours."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return _queue_url(request)


def _detail_context(nomination: Nomination, moderate_form: ModerateForm | None = None) -> dict:
    if moderate_form is None and nomination.status == Nomination.Status.PENDING:
        moderate_form = ModerateForm(initial={"nominee": nomination.nominee_id})
    return {"nomination": nomination, "moderate_form": moderate_form}


DECIDED = {
    Nomination.Status.APPROVED: gettext_lazy(
        "Approved. %(name)s and their manager are told, and it shows on %(name)s's recognition "
        "page."
    ),
    Nomination.Status.REJECTED: gettext_lazy("Rejected. Nobody but moderators will see it."),
    Nomination.Status.SPAM: gettext_lazy("Marked as spam. Nobody but moderators will see it."),
}


# --- Pages ---------------------------------------------------------------------------------


@moderator_required
@require_safe
def queue(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The organisation's nominations with one status (pending by default), newest first."""
    filter_form = QueueFilterForm(request.GET or None)
    status = filter_form.status_filter()
    page = Paginator(selectors.moderation_queue(status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    counts = selectors.moderation_counts()
    return render(
        request,
        "recognition/nomination_moderation.html",
        {
            "page_obj": page,
            "status": status or ALL_STATUSES,
            "tabs": [(value, label, counts[value]) for value, label in TABS],
            "here": request.get_full_path(),
        },
    )


@moderator_required
@require_safe
def detail(request: HttpRequest, org_slug: str, nomination_id: int) -> HttpResponse:
    nomination = _nomination(nomination_id)
    return render(request, "recognition/nomination_detail.html", _detail_context(nomination))


# --- Actions -------------------------------------------------------------------------------


@moderator_required
@require_POST
def moderate(request: HttpRequest, org_slug: str, nomination_id: int) -> HttpResponse:
    """Approve (with the member picked, for "I don't know their name"), reject or spam. A refusal
    shows the nomination's page again with the reason on the form; nothing is changed."""
    nomination = _nomination(nomination_id)
    form = ModerateForm(request.POST)
    if form.is_valid():
        try:
            decided = services.nomination_moderate(
                nomination=nomination,
                actor=request.membership,
                decision=form.cleaned_data["decision"],
                nominee=form.cleaned_data["nominee"],
                request=request,
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            name = decided.nominee.display_name if decided.nominee_id else ""
            messages.success(request, DECIDED[decided.status] % {"name": name})
            return redirect(_next_url(request))
    nomination = _nomination(nomination_id)  # as it is now, should someone have been quicker
    return render(request, "recognition/nomination_detail.html", _detail_context(nomination, form))


@moderator_required
@require_POST
def erase_customer(request: HttpRequest, org_slug: str, nomination_id: int) -> HttpResponse:
    """The customer asked us to forget them: their name, company and e-mail go; the story
    stays."""
    nomination = _nomination(nomination_id)
    services.nomination_erase_customer(
        nomination=nomination, actor=request.membership, request=request
    )
    messages.success(request, _("The customer's name, company and e-mail address are erased."))
    return redirect("nomination_detail", org_slug=org_slug, nomination_id=nomination.pk)


@moderator_required
@require_POST
def delete(request: HttpRequest, org_slug: str, nomination_id: int) -> HttpResponse:
    """Delete the nomination and everything the customer wrote (the audit log keeps that it
    happened, and by whom)."""
    nomination = _nomination(nomination_id)
    services.nomination_delete(nomination=nomination, actor=request.membership, request=request)
    messages.success(request, _("The nomination is deleted."))
    return redirect(_next_url(request))
