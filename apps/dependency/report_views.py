"""The dependency report pages and CSV: the same numbers as the API."""

import csv
import datetime as dt

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from apps.core.spreadsheets import spreadsheet_safe
from apps.dependency.reports import DEFINITIONS, ReportNotAllowed, dependency_report, report_scope
from apps.tenancy.models import Membership, Team

MAX_DAYS = 2 * 366


class ReportForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    end = forms.DateField(label=gettext_lazy("To"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    team = forms.ModelChoiceField(
        label=gettext_lazy("Team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=gettext_lazy("All teams"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.order_by("name")

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
    try:
        return dependency_report(viewer=request.membership, **kwargs)
    except ReportNotAllowed:
        raise PermissionDenied from None


def _period(request) -> tuple[ReportForm, dict]:
    form = ReportForm(request.GET or None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        return form, {"start": data["start"], "end": data["end"],
                      "team_id": data["team"].pk if data["team"] else None}  # fmt: skip
    end = timezone.localdate()
    return form, {"start": end - dt.timedelta(days=89), "end": end, "team_id": None}


@require_safe
def report(request: HttpRequest, org_slug: str) -> HttpResponse:
    """Managers see their reporting tree, admins everyone; a rep is sent to their own page."""
    if request.membership.role == Membership.Role.REP:
        return rep_report(request, org_slug, member_id=request.membership.pk)
    form, period = _period(request)
    figures = _report_or_403(request, **period)
    return render(
        request,
        "dependency/report.html",
        {"form": form, "report": figures, "definitions": DEFINITIONS, "period": period},
    )


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
    _form, period = _period(request)
    figures = _report_or_403(request, **period)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="dependency-{period["start"]}-{period["end"]}.csv"'
    )
    writer = csv.writer(response)
    columns = list(figures.totals.as_dict())
    writer.writerow(["rep", "team", *columns])
    for row in figures.reps:
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
