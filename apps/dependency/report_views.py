"""The dependency report pages and CSV: the same numbers as the API."""

import csv
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from html import escape  # the standard library's: Django's lazy-aware one costs more per cell
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import numberformat, timezone
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from apps.core import fragments
from apps.core.forms import ValuesChoiceField
from apps.core.models import ContentVersion
from apps.core.spreadsheets import spreadsheet_safe
from apps.dependency.reports import (
    DEFINITIONS,
    Figures,
    ReportAudience,
    ReportNotAllowed,
    RepRow,
    dependency_report,
    report_audience,
    report_scope,
)
from apps.tenancy.models import Membership, Team

MAX_DAYS = 2 * 366
# A large organisation has over a thousand reps: one page of them is what a manager reads, and
# rendering every row made the page cost more than its SQL (docs/benchmarks.md).
REPS_PER_PAGE = 50
# The query parameters that choose the period and team; links to a rep's page carry them on.
FILTER_PARAMETERS = ("start", "end", "team")


@dataclass(frozen=True)
class SortColumn:
    label: str
    definition: str
    value: Callable[[Figures], object]


# The per-rep table's sortable columns, by their key in `?sort=` (`-key` for highest first).
SORT_COLUMNS = {
    "escalations": SortColumn(
        gettext_lazy("Escalations"), DEFINITIONS["escalations"], lambda f: f.escalations
    ),
    "solved_alone": SortColumn(
        gettext_lazy("Solved alone"),
        DEFINITIONS["self_resolution_rate"],
        lambda f: f.self_resolution_rate,
    ),
    "repeats": SortColumn(gettext_lazy("Repeats"), DEFINITIONS["repeats"], lambda f: f.repeats),
    "support_share": SortColumn(
        gettext_lazy("Could go to support"), DEFINITIONS["support_share"], lambda f: f.support_share
    ),
    "cost": SortColumn(gettext_lazy("Cost"), DEFINITIONS["cost"], lambda f: f.cost),
}
DEFAULT_SORT = "-escalations"


class ReportForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    end = forms.DateField(label=gettext_lazy("To"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    team = ValuesChoiceField(
        label=gettext_lazy("Team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=gettext_lazy("All teams"),
    )

    def __init__(self, *args, teams: list[tuple[int, str]] | None = None, **kwargs):
        """`teams`: the viewer's own teams (`report_audience(...).teams`), given rather than
        read; None offers every team of the organisation."""
        super().__init__(*args, **kwargs)
        field = self.fields["team"]
        if teams is None:
            field.queryset = Team.objects.order_by("name")
        else:
            field.queryset = Team.objects.filter(pk__in=[pk for pk, _name in teams])
            field.choices = [("", field.empty_label), *teams]

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        end = cleaned.get("end") or today
        start = cleaned.get("start") or end - dt.timedelta(days=89)
        if start > end:
            raise forms.ValidationError(_("The start must be before the end."))
        if (end - start).days > MAX_DAYS:
            raise forms.ValidationError(_("Choose at most two years."))
        cleaned["start"], cleaned["end"] = start, end
        return cleaned


def _report_or_403(request, **kwargs):
    # The organisation the middleware read for this request (its time zone, costs, currency):
    # the report then needs no query of its own for it, as on API calls.
    request.membership.organization = request.organization
    try:
        return dependency_report(viewer=request.membership, **kwargs)
    except ReportNotAllowed:
        raise PermissionDenied from None


def _audience_or_403(request) -> ReportAudience:
    try:
        return report_audience(request.membership)
    except ReportNotAllowed:
        raise PermissionDenied from None


def _period(request, teams: list[tuple[int, str]] | None = None) -> tuple[ReportForm, dict]:
    form = ReportForm(request.GET or None, teams=teams)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        return form, {"start": data["start"], "end": data["end"],
                      "team_id": data["team"].pk if data["team"] else None}  # fmt: skip
    end = timezone.localdate()
    return form, {"start": end - dt.timedelta(days=89), "end": end, "team_id": None}


def _sort(request) -> str:
    """The requested order of the per-rep table; anything unknown is the default order."""
    sort = request.GET.get("sort", DEFAULT_SORT)
    return sort if sort.removeprefix("-") in SORT_COLUMNS else DEFAULT_SORT


def sorted_reps(reps: list[RepRow], sort: str) -> list[RepRow]:
    """The rows in `sort` order; equal figures by name, and reps without the figure (a share of
    nothing) last whichever the direction, so they never crowd the top of the table."""
    if sort == DEFAULT_SORT:
        return reps  # the selector's own order: most escalations first, equal ones by name
    value = SORT_COLUMNS[sort.removeprefix("-")].value
    by_name = sorted(reps, key=lambda row: row.member.display_name)
    known = [row for row in by_name if value(row.figures) is not None]
    unknown = [row for row in by_name if value(row.figures) is None]
    known.sort(key=lambda row: value(row.figures), reverse=sort.startswith("-"))  # stable
    return known + unknown


class _Numbers:
    """`number_format` and `floatformat` for a table of numbers, with the same output: the
    active language's separators are looked up once per table rather than three times a cell
    (300 cells: 1.5 ms of the team report). Where its digits group in threes, as in nearly every
    language, Python's own grouping writes them (Django's loop over each digit was half of what
    the table's rows cost); other groupings, and values with more places than shown (which
    Django cuts rather than rounds), go through Django's formatter."""

    def __init__(self) -> None:
        decimal, grouping, thousands = (
            get_format("DECIMAL_SEPARATOR"),
            get_format("NUMBER_GROUPING"),
            get_format("THOUSAND_SEPARATOR"),
        )
        self._formats = (decimal, grouping, thousands)
        self._threes = grouping == 3 and isinstance(thousands, str) and isinstance(decimal, str)
        self._separators = str.maketrans({",": thousands, ".": decimal})
        # Digits, a sign and the separators: with the separators escaped, so is every number.
        self.safe = escape(thousands) == thousands and escape(decimal) == decimal

    def count(self, number) -> str:
        if self._threes and type(number) is int:
            return f"{number:,}".translate(self._separators)
        return self.fixed(number, None)

    def fixed(self, number, places: int | None) -> str:
        if (
            self._threes
            and places is not None
            and isinstance(number, Decimal)
            and number  # not a (negative) zero: Django writes "0.00", Python "-0.00"
            and number.is_finite()
            and number.as_tuple().exponent == -places
        ):
            return f"{number:,.{places}f}".translate(self._separators)
        decimal, grouping, thousands = self._formats
        return numberformat.format(number, decimal, places, grouping, thousands, True)

    def one_place(self, number: float) -> str:
        """As {{ number|floatformat:"1g" }}: rounded half up to one decimal place, grouped."""
        rounded = Decimal(repr(number)).quantize(_TENTH, ROUND_HALF_UP)
        return self.fixed(rounded if rounded else abs(rounded), 1)  # no "-0.0"


_TENTH = Decimal("0.1")


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{round(share * 100)}%"  # as {% widthratio share 1 100 %}


def _table_rows(page: Page, *, rep_path: str, rep_query: str, currency: str) -> SafeString:
    """The per-rep table's rows, written here rather than by the template: its loop over a page
    of 50 rows, ten cells each, was half of the page's template time (6-7 ms of 13). Each cell
    is formatted once; names and labels are escaped (html.escape, as autoescaping does), and
    numbers are when the language's separators would need it; the markup is the
    template's: a link to each rep's page for the same period, the team under the name, each
    cell labelled for the stacked layout on phones."""
    labels = [
        escape(str(label))
        for label in (
            _("Escalations"), _("Per week"), _("Urgent"), _("Solved alone"), _("Repeats"),
            _("Could go to support"), _("Detours"),
            _("Cost (%(currency)s)") % {"currency": currency},
        )
    ]  # fmt: skip
    href = escape(rep_path)
    query = escape(rep_query)
    numbers = _Numbers()
    number = str if numbers.safe else escape
    rows = []
    for row in page.object_list:
        f, member = row.figures, row.member
        rate = f.self_resolution_rate
        alone = _percent(rate)  # digits and a sign, or a dash: nothing to escape
        if rate is not None:
            alone += f' <small class="muted">({f.solved_alone}/{f.routine_answered})</small>'
        team = f'<br><small class="muted">{escape(member.team.name)}</small>' if member.team else ""
        cells = (
            number(numbers.count(f.escalations)), number(numbers.one_place(f.per_week)),
            _percent(f.urgent_share), alone, number(numbers.count(f.repeats)),
            _percent(f.support_share), number(numbers.count(f.detours)),
            number(numbers.fixed(f.cost, 2)),
        )  # fmt: skip
        rows.append(
            f'<tr>\n<th scope="row"><a href="{href}{member.pk}/{query}">'
            f"{escape(member.display_name)}</a>{team}</th>\n"
            + "".join(
                f'<td class="num" data-label="{label}">{cell}</td>\n'
                for label, cell in zip(labels, cells, strict=True)
            )
            + "</tr>\n"
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped or a number


def _filter_query(request) -> str:
    """The period and team of this request as a query string, for the links to each rep."""
    kept = {name: request.GET[name] for name in FILTER_PARAMETERS if request.GET.get(name)}
    return f"?{urlencode(kept)}" if kept else ""


def _sort_headers(request, sort: str) -> dict[str, dict]:
    """For each sortable column: its link (highest first, or reversed when it is the current
    column; back to page 1, filters kept) and its aria-sort state."""
    headers = {}
    for key, column in SORT_COLUMNS.items():
        query = request.GET.copy()
        query.pop("page", None)
        current = sort.removeprefix("-") == key
        query["sort"] = key if sort == f"-{key}" else f"-{key}"
        state = ("descending" if sort.startswith("-") else "ascending") if current else None
        headers[key] = {
            "key": key,
            "label": column.label,
            "definition": column.definition,
            "href": f"?{query.urlencode()}#reps",
            "aria_sort": state,
        }
    return headers


def _sort_choices() -> list[tuple[str, str]]:
    """The orders offered where the column headers are hidden (phones): each column both ways."""
    choices = []
    for key, column in SORT_COLUMNS.items():
        choices.append((f"-{key}", _("%(column)s, highest first") % {"column": column.label}))
        choices.append((key, _("%(column)s, lowest first") % {"column": column.label}))
    return choices


@require_safe
def report(request: HttpRequest, org_slug: str) -> HttpResponse:
    """Managers see their reporting tree, admins everyone; a rep is sent to their own page.
    Totals, trend and topics cover every rep; the table shows one page of them."""
    if request.membership.role == Membership.Role.REP:
        return rep_report(request, org_slug, member_id=request.membership.pk)
    content = fragments.cached_render(
        request,
        area=ContentVersion.Area.DEPENDENCY,
        name="report",
        template="dependency/_report_content.html",
        context=lambda: report_page_context(request, org_slug),
    )
    return render(request, "dependency/report.html", {"content": content})


def report_page_context(request: HttpRequest, org_slug: str) -> dict:
    """Everything the report page shows, computed: the view only renders it."""
    audience = _audience_or_403(request)
    form, period = _period(request, audience.teams)
    figures = _report_or_403(request, **period, audience=audience)
    sort = _sort(request)
    page = Paginator(sorted_reps(figures.reps, sort), REPS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    # One reverse for the whole table: the rep pages differ only by the id at the end.
    rep_path = reverse(
        "dependency_rep_report", kwargs={"org_slug": org_slug, "member_id": 0}
    ).removesuffix("0/")
    return {
        "form": form,
        "report": figures,
        "definitions": DEFINITIONS,
        "period": period,
        "page_obj": page,
        "rows": _table_rows(
            page, rep_path=rep_path, rep_query=_filter_query(request), currency=figures.currency
        ),
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        "sort": sort if sort != DEFAULT_SORT else "",
        "headers": _sort_headers(request, sort),
        "current_sort": sort,
        "sort_choices": _sort_choices(),
        "kept_filters": [(n, request.GET[n]) for n in FILTER_PARAMETERS if request.GET.get(n)],
    }


@require_safe
def rep_report(request: HttpRequest, org_slug: str, member_id: int) -> HttpResponse:
    """One rep's numbers and trend: coaching, not surveillance."""
    try:
        scope = report_scope(request.membership)
    except ReportNotAllowed:
        raise PermissionDenied from None
    rep = get_object_or_404(Membership.objects.select_related("user", "team"), pk=member_id)
    if scope is not None and rep.pk not in scope:
        raise PermissionDenied
    form, period = _period(request)
    figures = _report_or_403(request, start=period["start"], end=period["end"], rep_id=rep.pk)
    today = timezone.localdate()
    month = _report_or_403(request, start=today.replace(day=1), end=today, rep_id=rep.pk)
    return render(
        request,
        "dependency/rep_report.html",
        {
            "form": form,
            "rep": rep,
            "report": figures,
            "month": month.totals,
            "definitions": DEFINITIONS,
            "is_me": rep.pk == request.membership.pk,
        },
    )


@require_safe
def report_csv(request: HttpRequest, org_slug: str) -> HttpResponse:
    """Every rep (not one page of them), in the order the table shows."""
    audience = _audience_or_403(request)
    _form, period = _period(request, audience.teams)
    figures = _report_or_403(request, **period, audience=audience)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="dependency-{period["start"]}-{period["end"]}.csv"'
    )
    writer = csv.writer(response)
    columns = list(figures.totals.as_dict())
    writer.writerow(["rep", "team", *columns])
    for row in sorted_reps(figures.reps, _sort(request)):
        values = row.figures.as_dict()
        team = row.member.team.name if row.member.team else ""
        writer.writerow(
            [
                spreadsheet_safe(row.member.display_name),
                spreadsheet_safe(team),
                *[values[c] for c in columns],
            ]
        )
    totals = figures.totals.as_dict()
    writer.writerow([_("All reps"), "", *[totals[c] for c in columns]])
    return response
