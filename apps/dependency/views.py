"""Pages of the dependency tracker: log an escalation, lists, detail, the callback page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from apps.core.errors import ApplicationError
from apps.core.forms import apply_application_error
from apps.core.paging import page_counted_up_to
from apps.dependency.forms import EscalationFilterForm, EscalationForm, OutcomeForm
from apps.dependency.models import Topic
from apps.dependency.selectors import (
    escalation_history,
    escalation_list,
    escalations_visible_to,
    overdue_callbacks,
)
from apps.dependency.services import (
    check_can_change,
    escalation_log,
    escalation_record_outcome,
)
from apps.tenancy.models import Membership


def _not_support(request: HttpRequest) -> None:
    if request.membership.role == Membership.Role.SUPPORT:
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
def log(request: HttpRequest, org_slug: str) -> HttpResponse:
    """Log an escalation in seconds, on a phone: defaults for everything that has one."""
    _not_support(request)
    form = EscalationForm(request.POST or None, actor=request.membership)
    form.fields["topic"].widget.attrs.update(
        {
            "hx-get": reverse("escalation_topic_hint", kwargs={"org_slug": org_slug}),
            "hx-trigger": "change",
            "hx-target": "#topic-hint",
            "hx-swap": "innerHTML",
        }
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            escalation = escalation_log(
                actor=request.membership,
                rep=data["rep"],
                manager=data["manager"],
                channel=data["channel"],
                topic=data["topic"],
                urgency=data["urgency"],
                note=data["note"],
                occurred_at=data["occurred_at"],
            )
        except ApplicationError as error:
            if error.code == "forbidden":
                raise PermissionDenied from None
            apply_application_error(form, error)
        else:
            if escalation.callback_due_at:
                due = timezone.localtime(escalation.callback_due_at)
                messages.success(
                    request,
                    _("Logged. Let it ring: the callback is due at %(time)s.")
                    % {"time": due.strftime("%a %H:%M")},
                )
            else:
                messages.success(request, _("Logged as urgent."))
            return redirect("escalation_detail", org_slug=org_slug, escalation_id=escalation.pk)
    return render(request, "dependency/log.html", {"form": form})


@require_safe
def topic_hint(request: HttpRequest, org_slug: str) -> HttpResponse:
    """htmx: "next time, call …" for the chosen topic."""
    topic = None
    topic_id = request.GET.get("topic", "")
    if topic_id.isdigit():
        topic = (
            Topic.objects.select_related("handled_by_team", "handled_by_member__user")
            .filter(pk=int(topic_id), is_active=True)
            .first()
        )
    return render(request, "dependency/_topic_hint.html", {"topic": topic})


@require_safe
def escalation_list_view(request: HttpRequest, org_slug: str) -> HttpResponse:
    _not_support(request)
    form = EscalationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    # Counted only up to this page: a manager's years of escalations took 90 ms to count.
    page = page_counted_up_to(
        escalation_list(viewer=request.membership, filters=filters),
        request.GET.get("page"),
        per_page=50,
    )
    return render(request, "dependency/list.html", {"form": form, "page_obj": page})


@require_safe
def overdue(request: HttpRequest, org_slug: str) -> HttpResponse:
    _not_support(request)
    page = page_counted_up_to(
        overdue_callbacks(viewer=request.membership, now=timezone.now()),
        request.GET.get("page"),
        per_page=50,
    )
    return render(request, "dependency/overdue.html", {"page_obj": page})


@require_safe
def detail(request: HttpRequest, org_slug: str, escalation_id: int) -> HttpResponse:
    escalation = get_object_or_404(escalations_visible_to(request.membership), pk=escalation_id)
    return render(
        request,
        "dependency/detail.html",
        {"escalation": escalation, "history": escalation_history(escalation)},
    )


@require_http_methods(["GET", "POST"])
def callback(request: HttpRequest, org_slug: str, escalation_id: int) -> HttpResponse:
    """The reminder's link opens this pre-filled page; only its button (a POST) records the
    outcome, because mail scanners follow links. Also where an outcome is edited."""
    escalation = get_object_or_404(escalations_visible_to(request.membership), pk=escalation_id)
    try:
        check_can_change(actor=request.membership, escalation=escalation)
    except ApplicationError:
        raise PermissionDenied from None
    form = OutcomeForm(
        request.POST or None,
        initial={
            "outcome": escalation.outcome or "solved_alone",
            "redirected_to_member": escalation.redirected_to_member,
            "redirected_to_team": escalation.redirected_to_team,
            "manager_minutes": escalation.manager_minutes,
            "rep_minutes": escalation.rep_minutes,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            escalation = escalation_record_outcome(
                escalation=escalation, actor=request.membership, **form.cleaned_data
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("Outcome recorded."))
            return redirect("escalation_detail", org_slug=org_slug, escalation_id=escalation.pk)
    return render(request, "dependency/callback.html", {"escalation": escalation, "form": form})
