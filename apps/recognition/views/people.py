"""People's recognition: a person's page (totals, months, kudos, letters, who thanked them
most) with its exports for a performance review, and the manager's page of their team."""

import csv
from dataclasses import dataclass
from datetime import date, datetime, time

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_safe

from apps.core import fragments
from apps.core.models import ContentVersion
from apps.core.spreadsheets import spreadsheet_safe
from apps.recognition import selectors
from apps.recognition.models import Value
from apps.recognition.nomination_selectors import (
    approved_nominations_for,
    nominations_collected_count,
)
from apps.tenancy.models import Membership
from apps.tenancy.selectors import member_list


def team_recognition(request, **kwargs):
    # The page lives with the letters views (it is the manager's side of them); importing it
    # here keeps this module's other views independent of it.
    from apps.recognition.views.letters import team_recognition_page

    return team_recognition_page(request, **kwargs)


# --- A person's recognition page, and its exports for a performance review ---------------------
# (team_recognition above belongs to the letters pages; everything below is the person's page.)

RECOGNITION_PAGE_SIZE = 20
LETTERS_PAGE_SIZE = 10
EARLIEST_SINCE = date(2000, 1, 1)
SINCE_TOO_EARLY = _lazy("Pick a date from %(date)s on.")
FILTER_IGNORED = _lazy("That filter is not valid and was ignored.")


class RecognitionFilterForm(forms.Form):
    """The filters of a person's kudos; an invalid one is reported and ignored, never a 500."""

    value = forms.ModelChoiceField(
        label=_lazy("Value"),
        queryset=Value.objects.none(),
        required=False,
        empty_label=_lazy("All values"),
        error_messages={"invalid_choice": FILTER_IGNORED},
    )
    since = forms.DateField(
        label=_lazy("Since"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _lazy("Enter a date such as 2025-01-31.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Inactive values too: old kudos keep them, and people look for them.
        self.fields["value"].queryset = selectors.value_list(include_inactive=True)

    def clean_since(self):
        since = self.cleaned_data["since"]
        if since is not None and since < EARLIEST_SINCE:
            raise forms.ValidationError(SINCE_TOO_EARLY % {"date": EARLIEST_SINCE.isoformat()})
        return since

    def filters(self) -> dict:
        """The valid filters as selector arguments (invalid ones left out)."""
        if not self.is_valid() and "since" in self.errors:
            # A date field can't show what isn't a date: offer it empty, the error says why.
            self.data = self.data.copy()
            self.data["since"] = ""
        data = self.cleaned_data
        filters = {}
        if data.get("value") is not None:
            filters["value_id"] = data["value"].pk
        if data.get("since") is not None:
            start = datetime.combine(data["since"], time.min)
            filters["since"] = timezone.make_aware(start, timezone.get_current_timezone())
        return filters


def _recognised_member(request: HttpRequest, member_id: int) -> tuple[Membership, bool]:
    """The person whose page it is, and whether the viewer may export it.

    Any member sees an active member's page; a former member's page stays open to those who
    may export it (their manager and the admins), for a last review. Another organisation's
    member is a 404, like one that never existed.
    """
    member = get_object_or_404(member_list(include_inactive=True), pk=member_id)
    may_export = selectors.recognition_may_export(member=member, viewer=request.membership)
    if not member.is_active and not may_export:
        raise Http404
    return member, may_export


@require_safe
def recognition_page(request: HttpRequest, org_slug: str, member_id: int) -> HttpResponse:
    """A person's recognition, kept as fragments while nothing it shows changes
    (apps/core/fragments.py): whether the person may be seen too, as their membership and the
    viewer's are part of what it shows."""
    page = fragments.cached(
        request,
        area=ContentVersion.Area.RECOGNITION,
        name="person",
        compute=lambda: _person_page(request, org_slug, member_id),
    )
    return render(
        request,
        "recognition/person.html",
        {
            "title": page.title,
            "header": fragments.with_tokens(request, page.header),
            "content": fragments.with_tokens(request, page.content),
        },
    )


@dataclass(frozen=True)
class _PersonPage:
    title: str
    header: str
    content: str


def _person_page(request: HttpRequest, org_slug: str, member_id: int) -> _PersonPage:
    member, may_export = _recognised_member(request, member_id)
    viewer = request.membership
    form = RecognitionFilterForm(request.GET or None)
    context = {
        "member": member,
        "is_me": member.pk == viewer.pk,
        "may_export": may_export,
        "send_kudos_url": _send_kudos_url(member, viewer, org_slug),
        "export_query": _export_query(form),
    }
    return _PersonPage(
        title=f"{member.display_name} · {_('Recognition')} · {request.organization.name}",
        header=fragments.render_for_keeping("recognition/_person_header.html", context, request),
        content=fragments.render_for_keeping(
            "recognition/_person_content.html",
            {**context, **_recognition_lists(request, member, form)},
            request,
        ),
    )


def _recognition_lists(request: HttpRequest, member: Membership, form) -> dict:
    viewer = request.membership
    filters = form.filters() if form.is_bound else {}
    summary = selectors.recognition_summary(member=member, viewer=viewer)
    kudos = _paginator(
        selectors.recognition_kudos(member=member, viewer=viewer, **filters),
        RECOGNITION_PAGE_SIZE,
        count=None if filters else summary["totals"]["kudos"],
    ).get_page(request.GET.get("page"))
    letters = _paginator(
        selectors.recognition_letters(member=member, viewer=viewer),
        LETTERS_PAGE_SIZE,
        count=summary["totals"]["letters"],
    ).get_page(request.GET.get("letters_page"))
    letters.object_list = selectors.letters_with_people(letters.object_list)
    return {
        "nominations": list(approved_nominations_for(member)[:10]),
        "nominations_collected": nominations_collected_count(member),
        "summary": summary,
        "form": form,
        "filtered": bool(filters),
        "page_obj": kudos,
        "letters_page": letters,
    }


def _paginator(queryset, per_page: int, *, count: int | None) -> Paginator:
    """A paginator that, given the list's length, doesn't count it again: the summary has
    just counted the same rows (one COUNT less over a much-thanked person's kudos)."""
    paginator = Paginator(queryset, per_page)
    if count is not None:
        paginator.count = count  # a cached_property: set, it is never computed
    return paginator


def _send_kudos_url(member: Membership, viewer: Membership, org_slug: str) -> str:
    """The compose page with this person picked; nobody thanks themself or a former member."""
    if member.pk == viewer.pk or not member.is_active:
        return ""
    compose = reverse("kudos_new", kwargs={"org_slug": org_slug})
    return f"{compose}?{urlencode({'to': member.pk})}"


def _export_query(form: RecognitionFilterForm) -> str:
    """The valid filters as a query string, so an export holds what the page shows."""
    if not form.is_bound or not form.is_valid():
        return ""
    params = {}
    if form.cleaned_data.get("value") is not None:
        params["value"] = form.cleaned_data["value"].pk
    if form.cleaned_data.get("since") is not None:
        params["since"] = form.cleaned_data["since"].isoformat()
    return urlencode(params)


def _export(request: HttpRequest, member_id: int) -> tuple[Membership, dict, list, list]:
    """What an export holds: only for the person, their manager and the admins (else 403)."""
    member, may_export = _recognised_member(request, member_id)
    if not may_export:
        raise PermissionDenied
    viewer = request.membership
    form = RecognitionFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else {}
    kudos = list(selectors.recognition_kudos(member=member, viewer=viewer, **filters))
    letters = selectors.recognition_letters(member=member, viewer=viewer)
    if "since" in filters:
        letters = letters.filter(created_at__gte=filters["since"])
    summary = selectors.recognition_summary(member=member, viewer=viewer)
    letters = selectors.letters_with_people(letters)
    return member, {"form": form, "filters": filters, "summary": summary}, kudos, letters


def _cell(value) -> str:
    return spreadsheet_safe(str(value))


@require_safe
def recognition_csv(request: HttpRequest, org_slug: str, member_id: int) -> HttpResponse:
    """Kudos and letters received, one per row, oldest first, for a spreadsheet."""
    member, _context, kudos, letters = _export(request, member_id)
    rows = [
        (
            item.created_at,
            _("Kudos"),
            item.sender.display_name,
            ", ".join(link.value.name for link in item.value_links.all()),
            item.customer_name,
            item.message,
            "",
        )
        for item in kudos
    ] + [
        (
            item.created_at,
            _("Letter to %(manager)s") % {"manager": item.addressed_to.display_name},
            item.sender.display_name,
            "",
            "",
            item.body,
            item.acknowledgement_note,
        )
        for item in letters
    ]
    rows.sort(key=lambda row: row[0])
    filename = f"recognition-{slugify(member.display_name) or member.pk}-{timezone.localdate()}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response.write("\ufeff")  # a byte-order mark, so spreadsheet programs read UTF-8
    writer = csv.writer(response)
    writer.writerow(
        [_("Date"), _("Type"), _("From"), _("Values"), _("Customer or account"), _("Message"),
         _("Manager's note")]
    )  # fmt: skip
    for created_at, *cells in rows:
        local = timezone.localtime(created_at)
        writer.writerow([local.strftime("%Y-%m-%d %H:%M"), *(_cell(cell) for cell in cells)])
    return response


@require_safe
def recognition_print(request: HttpRequest, org_slug: str, member_id: int) -> HttpResponse:
    """A page to print (or save as PDF) for a performance review, with the letters in full."""
    member, context, kudos, letters = _export(request, member_id)
    return render(
        request,
        "recognition/person_print.html",
        {**context, "member": member, "kudos_list": kudos, "letters": letters,
         "printed_at": timezone.now()},
    )  # fmt: skip
