"""A member's own pages under /<org-slug>/me/: profile, e-mail preferences, API tokens."""

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.forms import ProfileForm, TokenCreateForm
from apps.accounts.models import ApiToken
from apps.accounts.tokens import api_token_create, api_token_revoke
from apps.core.errors import ApplicationError
from apps.core.forms import apply_application_error
from apps.notifications import categories
from apps.notifications.selectors import email_preferences
from apps.notifications.services import email_preference_set


@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest, org_slug: str) -> HttpResponse:
    membership = request.membership
    initial = {
        "full_name": request.user.full_name,
        "title": membership.title,
        "phone_mobile": membership.phone_mobile,
        "phone_office": membership.phone_office,
    }
    form = ProfileForm(
        request.POST or None,
        initial=initial,
        phone_region=request.organization.default_phone_region,
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            request.user.full_name = form.cleaned_data["full_name"]
            request.user.save(update_fields=["full_name"])
            for field in ("title", "phone_mobile", "phone_office"):
                setattr(membership, field, form.cleaned_data[field])
            membership.save(update_fields=["title", "phone_mobile", "phone_office"])
        messages.success(request, _("Your profile is saved."))
        return redirect("me_profile", org_slug=org_slug)
    return render(request, "accounts/me/profile.html", {"form": form})


@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest, org_slug: str) -> HttpResponse:
    membership = request.membership
    if request.method == "POST":
        chosen = set(request.POST.getlist("enabled"))
        for category in categories.optional_categories():
            email_preference_set(
                membership=membership, category=category.key, enabled=category.key in chosen
            )
        messages.success(request, _("Your e-mail preferences are saved."))
        return redirect("me_notification_preferences", org_slug=org_slug)
    saved = email_preferences(membership=membership)
    rows = [
        {"category": category, "enabled": saved.get(category.key, True)}
        for category in categories.optional_categories()
    ]
    return render(request, "accounts/me/notification_preferences.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = TokenCreateForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            issued = api_token_create(
                membership=request.membership, name=form.cleaned_data["name"], request=request
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            form = TokenCreateForm()
    tokens = ApiToken.objects.filter(membership=request.membership).order_by("-created_at")
    return render(
        request,
        "accounts/me/tokens.html",
        {"form": form, "tokens": tokens, "issued": issued},
    )


@require_POST
def token_revoke(request: HttpRequest, org_slug: str, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, membership=request.membership)
    try:
        api_token_revoke(token=token, actor=request.membership, request=request)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("me_tokens", org_slug=org_slug)
