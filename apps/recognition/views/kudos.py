"""Kudos pages: compose, the recognition wall, a kudos' detail, reactions, and hiding.

htmx enhances each page but none needs it: the people picker, "Load more" and reactions all fall
back to ordinary links and form posts.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.core import fragments
from apps.core.errors import ApplicationError
from apps.core.forms import apply_application_error
from apps.core.models import ContentVersion
from apps.core.paging import page_counted_up_to
from apps.recognition import selectors, services
from apps.recognition.forms import (
    PERSON_QUERY_MAX_LENGTH,
    PERSON_SUGGESTIONS,
    HideForm,
    KudosForm,
    ReactionForm,
    WallFilterForm,
)
from apps.recognition.models import MAX_RECIPIENTS, Kudos
from apps.recognition.nomination_selectors import approved_nominations_for_wall
from apps.tenancy.permissions import admin_required

WALL_PAGE_SIZE = 20
PEOPLE_RESULTS = 20
SEARCH_MAX_LENGTH = 100


def _search_query(value: str | None) -> str:
    return (value or "").strip()[:SEARCH_MAX_LENGTH]


# --- Compose -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def compose(request: HttpRequest, org_slug: str) -> HttpResponse:
    """Send kudos. A POST with `search` (the no-JavaScript picker) only looks people up and
    shows the form again with everything typed so far."""
    sender = request.membership
    searching = request.method == "POST" and "search" in request.POST
    if searching:
        # Unbound, so that nothing half-typed is flagged as an error while looking people up.
        form = KudosForm(initial=_typed_so_far(request.POST))
    elif request.method == "POST":
        form = KudosForm(request.POST)
    else:
        form = KudosForm(initial={"recipients": _preselected(request, sender)})

    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            kudos = services.kudos_send(
                sender=sender,
                recipients=list(data["recipients"]),
                message=data["message"],
                values=list(data["values"]),
                customer_name=data["customer_name"],
                visibility=data["visibility"],
                client_key=data["client_key"],
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            names = ", ".join(link.recipient.display_name for link in _recipient_links(kudos))
            messages.success(request, _("Kudos sent to %(names)s.") % {"names": names})
            return redirect("kudos_detail", org_slug=org_slug, kudos_id=kudos.pk)

    chosen = selectors.people_by_ids(form.chosen_ids("recipients"))
    query = _search_query(request.POST.get("q") if request.method == "POST" else "")
    results = selectors.people_to_thank(
        sender=sender, query=query, exclude_ids=[p.pk for p in chosen], limit=PEOPLE_RESULTS
    )
    chosen_values = {str(pk) for pk in form.chosen_ids("values")}
    return render(
        request,
        "recognition/kudos_new.html",
        {
            "form": form,
            "chosen": chosen,
            "results": results,
            "query": query,
            "values": list(selectors.value_list()),
            "chosen_values": chosen_values,
            "max_recipients": MAX_RECIPIENTS,
        },
    )


def _typed_so_far(data) -> dict:
    return {
        "recipients": data.getlist("recipients")[: MAX_RECIPIENTS * 2],
        "values": data.getlist("values"),
        **{name: data.get(name, "") for name in ("message", "customer_name", "client_key")},
        "visibility": data.get("visibility") or Kudos.Visibility.ORGANIZATION,
    }


def _preselected(request: HttpRequest, sender) -> list[int]:
    """`?to=<member id>` (repeatable): "send kudos" links elsewhere pick the person already.
    Anyone who cannot be thanked (yourself, a former member, garbage) is left out."""
    ids = []
    for raw in request.GET.getlist("to")[:MAX_RECIPIENTS]:
        if raw.isdigit() and 0 < int(raw) < 2**63:
            ids.append(int(raw))
    people = selectors.people_by_ids(ids) if ids else []
    return [p.pk for p in people if p.is_active and p.pk != sender.pk]


def _recipient_links(kudos: Kudos):
    return kudos.recipient_links.select_related("recipient__user")


@require_safe
def people_search(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The picker's results as an HTML fragment: active members matching `q`, never the sender,
    never the people already chosen (`recipients`), at most twenty."""
    exclude = []
    for raw in request.GET.getlist("recipients")[: MAX_RECIPIENTS * 2]:
        if raw.isdigit() and 0 < int(raw) < 2**63:
            exclude.append(int(raw))
    query = _search_query(request.GET.get("q"))
    results = selectors.people_to_thank(
        sender=request.membership, query=query, exclude_ids=exclude, limit=PEOPLE_RESULTS
    )
    response = render(
        request, "recognition/_people_options.html", {"results": results, "query": query}
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- Wall --------------------------------------------------------------------------------------


@require_safe
def wall(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The recognition wall, newest first. htmx's "Load more" asks for the next page and gets
    only its cards (and the next button); without JavaScript the button is a plain link. Both
    are kept as fragments while no kudos, reaction, person or value changes."""
    partial = bool(request.htmx and not request.htmx.boosted and request.GET.get("page"))
    template = "recognition/_kudos_page.html" if partial else "recognition/_wall_content.html"
    content = fragments.cached_render(
        request,
        area=ContentVersion.Area.RECOGNITION,
        name="wall",
        template=template,
        context=lambda: _wall_context(request, partial),
    )
    if partial:
        response = HttpResponse(content)
    else:
        response = render(request, "recognition/kudos_wall.html", {"content": content})
    patch_vary_headers(response, ["HX-Request"])
    return response


def _wall_context(request: HttpRequest, partial: bool) -> dict:
    viewer = request.membership
    filter_form = WallFilterForm(request.GET or None)
    filters = filter_form.filters() if request.GET else {}
    page = page_counted_up_to(
        selectors.kudos_wall(viewer=viewer, **filters), request.GET.get("page"),
        per_page=WALL_PAGE_SIZE,
    )  # fmt: skip
    cards = [_card(kudos, viewer) for kudos in page.object_list]
    nominations = []
    if not partial and "value_id" not in filters:
        # Customers' approved nominations head the wall (they carry no value tags). Read on
        # every full page, shown on the first, so every page costs the same queries.
        nominations = list(
            approved_nominations_for_wall(
                person_id=filters.get("person_id"), team_id=filters.get("team_id")
            )[:3]
        )
    return {
        "nominations": nominations,
        "filter_form": filter_form,
        **_filter_context(filter_form),
        "filtered": bool(filters),
        "page_obj": page,
        "cards": cards,
        "next": request.get_full_path(),
    }


def _filter_context(form: WallFilterForm) -> dict:
    """The filters' choices and what is chosen. The person field shows the chosen person's
    name, else the name as typed, and the people to pick from when the typed name matches
    several (the suggestions without JavaScript)."""
    person = form.chosen_person if form.is_bound else None
    typed = form.data.get("who", "") if form.is_bound else ""
    chosen = getattr(form, "cleaned_data", {})
    return {
        "teams": list(form.fields["team"].queryset),
        "values": list(form.fields["value"].queryset),
        "chosen_team": chosen.get("team"),
        "chosen_value": chosen.get("value"),
        "person": person,
        "who": person.display_name if person else typed[:PERSON_QUERY_MAX_LENGTH],
        **_suggestions(form.data, typed, form.person_matches),
    }


def _suggestions(params, typed: str, matches: list) -> dict:
    """People offered for a typed name, each with the wall's address filtered by them (the
    team and value chosen so far kept, the typed name and the page dropped)."""
    kept = {name: params[name] for name in ("team", "value") if params.get(name)}
    return {
        "query": typed.strip()[:PERSON_QUERY_MAX_LENGTH],
        "results": [
            (member, "?" + urlencode({"person": member.pk, **kept}))
            for member in matches[:PERSON_SUGGESTIONS]
        ],
        "more_results": len(matches) > PERSON_SUGGESTIONS,
    }


@require_safe
def wall_people(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The wall's person suggestions as an HTML fragment, for htmx as a name is typed: links
    that filter the wall by that person, keeping the other filters. Former members too."""
    # NUL is no character of a name, and PostgreSQL refuses it in a query.
    typed = _search_query(request.GET.get("who")).replace("\x00", "")[:PERSON_QUERY_MAX_LENGTH]
    matches = selectors.people_named(query=typed, limit=PERSON_SUGGESTIONS + 1)
    response = render(
        request,
        "recognition/_wall_people_options.html",
        _suggestions(request.GET, typed, matches),
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _card(kudos: Kudos, viewer) -> dict:
    return {"kudos": kudos, "reactions": selectors.reaction_summary(kudos, viewer)}


# --- Detail, hide ------------------------------------------------------------------------------


def _visible_kudos(viewer, kudos_id: int) -> Kudos:
    kudos = selectors.kudos_detail(viewer=viewer, kudos_id=kudos_id)
    if kudos is None:
        raise Http404
    return kudos


def _detail_context(kudos: Kudos, viewer, hide_form: HideForm | None = None) -> dict:
    letters = list(
        selectors.letters_visible_to(viewer).filter(kudos_id=kudos.pk).order_by("created_at")
    )
    return {
        "card": _card(kudos, viewer),
        "kudos": kudos,
        "letters": letters,
        "is_sender": kudos.sender_id == viewer.pk,
        "hide_form": hide_form or (HideForm() if viewer.is_admin else None),
    }


@require_safe
def detail(request: HttpRequest, org_slug: str, kudos_id: int) -> HttpResponse:
    kudos = _visible_kudos(request.membership, kudos_id)
    return render(
        request, "recognition/kudos_detail.html", _detail_context(kudos, request.membership)
    )


@admin_required
@require_POST
def hide(request: HttpRequest, org_slug: str, kudos_id: int) -> HttpResponse:
    kudos = _visible_kudos(request.membership, kudos_id)
    form = HideForm(request.POST)
    if form.is_valid():
        try:
            services.kudos_hide(
                kudos=kudos,
                actor=request.membership,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ApplicationError as error:
            if error.field is None:  # already hidden (by another admin, a moment ago)
                messages.error(request, error.message)
                return redirect("kudos_detail", org_slug=org_slug, kudos_id=kudos.pk)
            apply_application_error(form, error)
        else:
            messages.success(
                request, _("The kudos is hidden. It stays in the record, with your reason.")
            )
            return redirect("kudos_detail", org_slug=org_slug, kudos_id=kudos.pk)
    return render(
        request,
        "recognition/kudos_detail.html",
        _detail_context(kudos, request.membership, hide_form=form),
    )


# --- Reactions ---------------------------------------------------------------------------------


@require_POST
def react(request: HttpRequest, org_slug: str, kudos_id: int) -> HttpResponse:
    """Toggle one reaction. htmx gets the reactions fragment back; a plain form post goes back
    to the page it came from."""
    viewer = request.membership
    kudos = _visible_kudos(viewer, kudos_id)
    if kudos.is_hidden:
        raise Http404  # admins still see a hidden kudos, but nobody reacts to it any more
    form = ReactionForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.reaction_toggle(kudos=kudos, member=viewer, emoji=form.cleaned_data["emoji"])
        except ApplicationError as failure:
            error = failure.message
    else:
        error = form.errors["emoji"][0]

    if request.htmx:
        if error:
            return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
        kudos = _visible_kudos(viewer, kudos_id)  # the reactions as they are now
        return render(
            request,
            "recognition/_reactions.html",
            {"kudos": kudos, "reactions": selectors.reaction_summary(kudos, viewer),
             "next": _safe_next(request, kudos)},
        )  # fmt: skip
    if error:
        messages.error(request, error)
    return redirect(_safe_next(request, kudos) + f"#kudos-{kudos.pk}")


def _safe_next(request: HttpRequest, kudos: Kudos) -> str:
    """Where a no-JavaScript reaction returns: the page it came from, if it is one of ours."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target.split("#", 1)[0]
    return reverse(
        "kudos_detail", kwargs={"org_slug": request.organization.slug, "kudos_id": kudos.pk}
    )
