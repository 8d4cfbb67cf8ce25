"""The public nomination form (`/n/<token>/`): customers, no account, no JavaScript needed.

The token names the organisation through the global routing table; everything after that runs
inside that organisation's context. An unknown token is a plain 404 that reveals nothing; a
revoked, expired or used-up link a friendly 410; a burst of submissions a friendly 429.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from apps.core import fragments
from apps.core.errors import ApplicationError
from apps.core.forms import apply_application_error
from apps.core.requests import client_ip
from apps.recognition.nomination_forms import NominationPublicForm
from apps.recognition.nomination_models import NominationLink
from apps.recognition.nomination_selectors import link_for_public_form, public_helper_groups
from apps.recognition.nomination_services import (
    LinkGone,
    check_link_usable,
    nomination_link_route,
    nomination_submit,
    submission_allowed,
)
from apps.tenancy.context import tenant_context
from apps.tenancy.models import GlobalRoute

# Search engines must not index a page that only works through a private link.
NO_INDEX = "noindex, nofollow"
FORM_TEMPLATE = "recognition/nomination_public_form.html"


def _route_for(token: str) -> GlobalRoute:
    """The organisation and link a token opens, or 404 (nothing about why)."""
    route = nomination_link_route(token)
    if route is None:
        raise Http404
    return route


def _link(route: GlobalRoute) -> NominationLink:
    """Inside the route's organisation: the link, with its organisation (a global table) in the
    same query."""
    link = NominationLink.objects.select_related("organization").filter(pk=route.object_id)
    link = link.first()
    if link is None:
        raise Http404
    return link


def _private(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = NO_INDEX
    return response


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def form(request: HttpRequest, token: str) -> HttpResponse:
    route = _route_for(token)
    with tenant_context(route.organization_id):
        link = link_for_public_form(link_id=route.object_id)
        if link is None:
            raise Http404
        context = {"target_organization": link.organization, "token": token}
        try:
            check_link_usable(link)
        except LinkGone:
            return _gone(request, context)

        if request.method == "GET":
            return _form_page(request, context, _blank_form(request, link, context))
        form = _form(link, request.POST)
        if form.is_trap_sprung:
            return redirect("nomination_thanks", token=token)
        # Only submissions that would be written count against the limits: a customer who
        # corrects a mistake is never held back by it.
        if form.is_valid():
            if not submission_allowed(link=link, client_ip=client_ip(request)):
                return _busy(request, context, story=form.cleaned_data["story"])
            try:
                nomination_submit(link=link, **form.service_arguments())
            except LinkGone:
                return _gone(request, context)
            except ApplicationError as error:
                apply_application_error(form, error)
            else:
                return redirect("nomination_thanks", token=token)
        form_html = render_to_string(FORM_TEMPLATE, {**context, "form": form}, request)
        return _form_page(request, context, form_html)


def _form(link: NominationLink, data=None) -> NominationPublicForm:
    return NominationPublicForm(
        data,
        link=link,
        organization_name=link.organization.name,
        helper_groups=public_helper_groups(first_team_id=link.preselected_team_id),
    )


def _blank_form(request: HttpRequest, link: NominationLink, context: dict) -> SafeString:
    """The form as a customer opening the link finds it: the same for every one of them (a
    large organisation's hundreds of helpers included), so it is kept in the fragment cache
    (apps/core/fragments.py) under what it shows. That is the link and its preselection, and
    the organisation's recognition version, which PostgreSQL bumps on every write to its
    people, teams, users' names and the organisation itself (migration core/0007); it was read
    with the link, before the form is computed, so a kept form is never older than its key.
    Each request puts its own CSRF token in. SQLite keeps no versions: there (the demo) every
    form is computed."""
    if not fragments.enabled():
        return render_to_string(FORM_TEMPLATE, {**context, "form": _form(link)}, request)
    key = (
        f"nomination-form:{link.organization_id}:recognition@{link.recognition_version or 0}:"
        f"link{link.pk}:member{link.preselected_member_id}:team{link.preselected_team_id}:"
        f"{translation.get_language()}"
    )
    html = fragments.keep(
        key,
        lambda: fragments.render_for_keeping(
            FORM_TEMPLATE, {**context, "form": _form(link)}, request
        ),
    )
    return fragments.with_tokens(request, html)


def _form_page(request: HttpRequest, context: dict, form_html: str) -> HttpResponse:
    return _private(
        render(request, "recognition/nomination_public.html", {**context, "form_html": form_html})
    )


def _gone(request: HttpRequest, context: dict) -> HttpResponse:
    """Revoked, expired or used up: a friendly page in the organisation's name."""
    return _private(render(request, "recognition/nomination_public_gone.html", context, status=410))


def _busy(request: HttpRequest, context: dict, *, story: str) -> HttpResponse:
    """Over a rate limit: "try again later", with the story shown so that nothing is lost."""
    return _private(
        render(
            request,
            "recognition/nomination_public_busy.html",
            {**context, "story": story},
            status=429,
        )
    )


@login_not_required
@never_cache
@require_safe
def thanks(request: HttpRequest, token: str) -> HttpResponse:
    """Shown after a submission, even through a single-use link that is now used up."""
    route = _route_for(token)
    with tenant_context(route.organization_id):
        link = _link(route)
        organization = link.organization
        try:
            check_link_usable(link)
        except LinkGone:
            can_nominate_again = False
        else:
            can_nominate_again = True
    return _private(
        render(
            request,
            "recognition/nomination_public_thanks.html",
            {
                "target_organization": organization,
                "token": token,
                "can_nominate_again": can_nominate_again,
            },
        )
    )
