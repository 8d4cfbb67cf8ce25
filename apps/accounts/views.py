"""Sign-up, login and invitations: the pages that come before an organisation is chosen."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.accounts.backends import MODEL_BACKEND
from apps.accounts.forms import (
    InvitationSignupForm,
    LoginForm,
    OrganizationCreateForm,
    SignupForm,
)
from apps.accounts.models import Invitation, User
from apps.accounts.services import (
    invitation_accept as accept_invitation,
)
from apps.accounts.services import (
    invitation_accept_as_new_user,
    invitation_route,
    user_signup,
)
from apps.core.errors import ApplicationError
from apps.core.forms import apply_application_error
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Organization
from apps.tenancy.services import organization_create as create_organization


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"


@login_not_required
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("organization_create")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, organization = user_signup(
                email=data["email"],
                full_name=data["full_name"],
                password=data["password"],
                organization_name=data["organization_name"],
                slug=data["slug"],
                time_zone=data["time_zone"],
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            login(request, user, backend=MODEL_BACKEND)
            messages.success(request, _("Welcome! Your organisation is ready."))
            return redirect("home", org_slug=organization.slug)
    return render(request, "accounts/signup.html", {"form": form})


@require_http_methods(["GET", "POST"])
def organization_create(request: HttpRequest) -> HttpResponse:
    form = OrganizationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organization = create_organization(
                name=data["organization_name"],
                slug=data["slug"],
                owner=request.user,
                time_zone=data["time_zone"],
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("Your organisation is ready."))
            return redirect("home", org_slug=organization.slug)
    return render(request, "accounts/organization_create.html", {"form": form})


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Accept an invitation: as the logged-in invitee, or by creating the invitee's account."""
    route = invitation_route(token)
    if route is None:
        raise Http404
    organization = Organization.objects.get(pk=route.organization_id)
    with tenant_context(organization):
        invitation = Invitation.objects.select_related("team").filter(pk=route.object_id).first()
        if invitation is None:
            raise Http404
        if not invitation.is_pending:
            return render(
                request,
                "accounts/invitation_invalid.html",
                {"target_organization": organization},
                status=410,
            )
        existing_user = User.objects.filter(email__iexact=invitation.email).first()
        wrong_user = (
            request.user.is_authenticated and request.user.email.lower() != invitation.email.lower()
        )
        form = InvitationSignupForm(request.POST or None)
        if request.method == "POST" and not wrong_user:
            try:
                if request.user.is_authenticated:
                    accept_invitation(invitation=invitation, user=request.user, request=request)
                    user = request.user
                elif existing_user is None and form.is_valid():
                    user, _membership = invitation_accept_as_new_user(
                        invitation=invitation,
                        full_name=form.cleaned_data["full_name"],
                        password=form.cleaned_data["password"],
                        request=request,
                    )
                    login(request, user, backend=MODEL_BACKEND)
                else:
                    user = None
            except ApplicationError as error:
                apply_application_error(form, error)
                user = None
            if user is not None:
                messages.success(request, _("Welcome to %(name)s!") % {"name": organization.name})
                return redirect("home", org_slug=organization.slug)
        return render(
            request,
            "accounts/invitation_accept.html",
            {
                "invitation": invitation,
                "target_organization": organization,
                "form": form,
                "existing_user": existing_user,
                "wrong_user": wrong_user,
            },
        )
