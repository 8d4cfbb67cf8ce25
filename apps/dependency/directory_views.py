"""Topics and their routes (admins), the who-to-call directory, and service detours."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from apps.core.errors import ApplicationError
from apps.core.forms import apply_application_error
from apps.dependency.forms import DetourForm, TopicForm
from apps.dependency.models import ServiceDetour, Topic
from apps.dependency.services import detour_log, topic_save
from apps.tenancy.models import Membership, Team
from apps.tenancy.permissions import admin_required


@admin_required
@require_http_methods(["GET", "POST"])
def topic_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = TopicForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            topic_save(actor=request.membership, **form.cleaned_data)
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("Topic saved."))
            return redirect("settings_topics", org_slug=org_slug)
    topics = Topic.objects.select_related("handled_by_team", "handled_by_member__user").order_by(
        "name"
    )
    return render(request, "dependency/topics.html", {"form": form, "topics": topics})


@admin_required
@require_http_methods(["GET", "POST"])
def topic_edit(request: HttpRequest, org_slug: str, topic_id: int) -> HttpResponse:
    topic = get_object_or_404(Topic, pk=topic_id)
    initial = {
        "name": topic.name,
        "handled_by_team": topic.handled_by_team,
        "handled_by_member": topic.handled_by_member,
        "how_to": topic.how_to,
        "is_active": topic.is_active,
    }
    form = TopicForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            topic_save(actor=request.membership, topic=topic, **form.cleaned_data)
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("Topic saved."))
            return redirect("settings_topics", org_slug=org_slug)
    return render(request, "dependency/topic_edit.html", {"form": form, "topic": topic})


@require_safe
def who_to_call(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The directory reps search before they call their manager."""
    query = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    topics = Topic.objects.filter(is_active=True).select_related(
        "handled_by_team", "handled_by_member__user"
    )
    people = Membership.objects.filter(
        is_active=True, team__kind__in=Team.SUPPORT_KINDS
    ).select_related("user", "team")
    if query:
        topics = topics.filter(
            Q(name__icontains=query)
            | Q(how_to__icontains=query)
            | Q(handled_by_team__name__icontains=query)
            | Q(handled_by_member__user__full_name__icontains=query)
        )
        people = people.filter(
            Q(user__full_name__icontains=query)
            | Q(title__icontains=query)
            | Q(team__name__icontains=query)
        )
    return render(
        request,
        "dependency/who_to_call.html",
        {
            "query": query,
            "topics": topics.order_by("name"),
            "people": people.order_by("team__name", "user__full_name")[:200],
        },
    )


@require_http_methods(["GET", "POST"])
def detour_new(request: HttpRequest, org_slug: str) -> HttpResponse:
    if request.membership.role == Membership.Role.SUPPORT:
        raise PermissionDenied
    form = DetourForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            detour_log(actor=request.membership, rep=request.membership, **form.cleaned_data)
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(
                request,
                _("Noted. Next time, send the customer straight to %(team)s.")
                % {"team": form.cleaned_data["team"].name},
            )
            return redirect("detours", org_slug=org_slug)
    return render(request, "dependency/detour_new.html", {"form": form})


@require_safe
def detour_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    """My service detours (managers and admins see those of the people they may report on)."""
    from apps.dependency.reports import ReportNotAllowed, report_scope

    try:
        scope = report_scope(request.membership)
    except ReportNotAllowed:
        raise PermissionDenied from None
    detours = ServiceDetour.objects.select_related("rep__user", "team").order_by(
        "-occurred_at", "-id"
    )
    if scope is not None:
        detours = detours.filter(rep_id__in=scope)
    page = Paginator(detours, 50).get_page(request.GET.get("page"))
    return render(request, "dependency/detours.html", {"page_obj": page})
