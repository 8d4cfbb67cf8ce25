"""Organisation settings for admins: the organisation, members, invitations, teams."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.accounts.forms import InvitationForm
from apps.accounts.models import Invitation
from apps.accounts.services import invitation_create, invitation_revoke
from apps.core.errors import ApplicationError
from apps.core.forms import apply_application_error
from apps.tenancy import selectors, services
from apps.tenancy.forms import MemberForm, OrganizationSettingsForm, TeamForm
from apps.tenancy.models import Membership, Organization, Team
from apps.tenancy.permissions import admin_required


@admin_required
@require_http_methods(["GET", "POST"])
def organization_settings(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    # The form validates a copy: a ModelForm writes into its instance while validating, and the
    # service must see the values as they were to audit the change.
    form = OrganizationSettingsForm(
        request.POST or None, instance=Organization.objects.get(pk=organization.pk)
    )
    if request.method == "POST" and form.is_valid():
        services.organization_update(
            organization=organization,
            actor=request.membership,
            request=request,
            **{field: form.cleaned_data[field] for field in form.changed_data},
        )
        messages.success(request, _("Settings saved."))
        return redirect("settings_organization", org_slug=org_slug)
    return render(request, "tenancy/settings/organization.html", {"form": form})


@admin_required
@require_safe
def member_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    show_inactive = request.GET.get("show") == "all"
    members = selectors.member_list(include_inactive=show_inactive)
    query = request.GET.get("q", "").strip()[:100]
    if query:
        members = members.filter(
            Q(user__full_name__icontains=query) | Q(user__email__icontains=query)
        )
    page = Paginator(members, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "tenancy/settings/members.html",
        {"page_obj": page, "show_inactive": show_inactive, "query": query},
    )


@admin_required
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, org_slug: str, member_id: int) -> HttpResponse:
    member = get_object_or_404(
        Membership.objects.select_related("user", "team", "reports_to__user"), pk=member_id
    )
    initial = {
        "role": member.role,
        "team": member.team,
        "reports_to": member.reports_to,
        "title": member.title,
        "is_executive": member.is_executive,
    }
    form = MemberForm(request.POST or None, initial=initial, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_update(
                membership=member, actor=request.membership, request=request, **form.cleaned_data
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("%(name)s is updated.") % {"name": member.display_name})
            return redirect("settings_members", org_slug=org_slug)
    return render(request, "tenancy/settings/member_edit.html", {"member": member, "form": form})


@admin_required
@require_POST
def member_deactivate(request: HttpRequest, org_slug: str, member_id: int) -> HttpResponse:
    member = get_object_or_404(Membership.objects.select_related("user"), pk=member_id)
    try:
        services.membership_deactivate(membership=member, actor=request.membership, request=request)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(name)s is deactivated; what waited on them moved to their manager.")
            % {"name": member.display_name},
        )
    return redirect("settings_member_edit", org_slug=org_slug, member_id=member.pk)


@admin_required
@require_POST
def member_reactivate(request: HttpRequest, org_slug: str, member_id: int) -> HttpResponse:
    member = get_object_or_404(Membership.objects.select_related("user"), pk=member_id)
    services.membership_reactivate(membership=member, actor=request.membership, request=request)
    messages.success(request, _("%(name)s is active again.") % {"name": member.display_name})
    return redirect("settings_member_edit", org_slug=org_slug, member_id=member.pk)


@admin_required
@require_http_methods(["GET", "POST"])
def invitation_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation_create(actor=request.membership, request=request, **form.cleaned_data)
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect("settings_invitations", org_slug=org_slug)
    invitations = Invitation.objects.select_related("team", "invited_by__user").order_by(
        "-created_at"
    )[:100]
    return render(
        request, "tenancy/settings/invitations.html", {"form": form, "invitations": invitations}
    )


@admin_required
@require_POST
def invitation_revoke_view(request: HttpRequest, org_slug: str, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=invitation_id)
    try:
        invitation_revoke(invitation=invitation, actor=request.membership, request=request)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The invitation is withdrawn."))
    return redirect("settings_invitations", org_slug=org_slug)


@admin_required
@require_http_methods(["GET", "POST"])
def team_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.team_save(actor=request.membership, request=request, **form.cleaned_data)
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("Team created."))
            return redirect("settings_teams", org_slug=org_slug)
    teams = selectors.team_list_with_counts()
    return render(request, "tenancy/settings/teams.html", {"form": form, "teams": teams})


@admin_required
@require_http_methods(["GET", "POST"])
def team_edit(request: HttpRequest, org_slug: str, team_id: int) -> HttpResponse:
    team = get_object_or_404(Team, pk=team_id)
    form = TeamForm(request.POST or None, initial={"name": team.name, "kind": team.kind})
    if request.method == "POST" and form.is_valid():
        try:
            services.team_save(
                actor=request.membership, request=request, team=team, **form.cleaned_data
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("Team saved."))
            return redirect("settings_teams", org_slug=org_slug)
    members = selectors.member_list().filter(team=team)
    return render(
        request, "tenancy/settings/team_edit.html", {"team": team, "form": form, "members": members}
    )
