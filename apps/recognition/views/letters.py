"""Thank-you letters to the helper's manager: compose with a preview of exactly what is sent,
the letters addressed to me, sent by me and about me, a letter and its acknowledgement, and the
manager's page of recognition about their people."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.core.errors import ApplicationError
from apps.core.forms import apply_application_error
from apps.recognition import selectors, services
from apps.recognition.letter_forms import (
    LetterAcknowledgeForm,
    LetterComposeForm,
    initial_from_kudos,
)
from apps.recognition.models import KudosRecipient, Letter
from apps.tenancy.models import Membership
from apps.tenancy.permissions import role_required

PAGE_SIZE = 25
QUIET_DAYS = 60
TABS = ("inbox", "sent", "about")
TEAM_TABS = ("people", "letters", "kudos")


# --- Compose -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LetterPreview:
    draft: services.LetterDraft
    text: str


def _kudos_to_turn_into_letter(request: HttpRequest):
    """The kudos named by `?kudos=`: visible to me (else 404) and sent by me (else 403)."""
    raw = request.GET.get("kudos", "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise Http404
    recipients = KudosRecipient.objects.select_related("recipient__user", "recipient__team")
    kudos = get_object_or_404(
        selectors.kudos_visible_to(request.membership)
        .filter(hidden_at__isnull=True)
        .prefetch_related(Prefetch("recipient_links", queryset=recipients)),
        pk=int(raw),
    )
    if kudos.sender_id != request.membership.pk:
        raise PermissionDenied
    return kudos


@require_http_methods(["GET", "POST"])
def compose(request: HttpRequest, org_slug: str) -> HttpResponse:
    me = request.membership
    kudos = _kudos_to_turn_into_letter(request)
    initial = initial_from_kudos(kudos) if kudos is not None else {}
    form = LetterComposeForm(request.POST or None, sender=me, initial=initial)
    previews: list[LetterPreview] = []
    if request.method == "POST" and form.is_valid():
        arguments = {
            "sender": me,
            "subjects": list(form.cleaned_data["subjects"]),
            "body": form.cleaned_data["body"],
            "executives": list(form.cleaned_data["executives"]),
        }
        try:
            if request.POST.get("action") == "send":
                letters = services.letters_send(
                    **arguments, kudos=kudos, client_key=form.cleaned_data["client_key"]
                )
            else:
                drafts = services.letter_drafts(**arguments)
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            if request.POST.get("action") == "send":
                return _sent(request, letters)
            previews = [
                LetterPreview(
                    draft=draft,
                    text=services.letter_render_text(
                        letter=Letter(sender=me, addressed_to=draft.addressed_to, body=draft.body),
                        draft=draft,
                        organization=request.organization,
                    ),
                )
                for draft in drafts
            ]
    return render(
        request,
        "recognition/letter_new.html",
        {"form": form, "kudos": kudos, "previews": previews},
    )


def _sent(request: HttpRequest, letters: list[Letter]) -> HttpResponse:
    managers = get_text_list([letter.addressed_to.display_name for letter in letters], _("and"))
    messages.success(
        request,
        ngettext(
            "Your letter is on its way to %(managers)s.",
            "Your %(count)d letters are on their way, to %(managers)s.",
            len(letters),
        )
        % {"count": len(letters), "managers": managers},
    )
    org_slug = request.organization.slug
    if len(letters) == 1:
        return redirect("letter_detail", org_slug=org_slug, letter_id=letters[0].pk)
    return redirect(reverse("letters", kwargs={"org_slug": org_slug}) + "?tab=sent")


# --- Lists and detail --------------------------------------------------------------------------


def _default_tab(member: Membership) -> str:
    """Managers and admins receive letters; support staff are written about; reps write."""
    if member.role in (Membership.Role.MANAGER, Membership.Role.ADMIN):
        return "inbox"
    if member.role == Membership.Role.SUPPORT:
        return "about"
    return "sent"


@require_safe
def letter_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    me = request.membership
    tab = request.GET.get("tab", "")
    if tab not in TABS:
        tab = _default_tab(me)
    letters = {
        "inbox": lambda: selectors.letter_inbox(manager=me),
        "sent": lambda: selectors.letters_sent(sender=me),
        "about": lambda: selectors.letters_about(member=me),
    }[tab]()
    page = Paginator(letters, PAGE_SIZE).get_page(request.GET.get("page"))
    waiting = selectors.letter_inbox(manager=me).filter(acknowledged_at__isnull=True).count()
    return render(
        request,
        "recognition/letters.html",
        {"tab": tab, "page_obj": page, "waiting": waiting},
    )


def _detail_response(request: HttpRequest, letter: Letter, form=None) -> HttpResponse:
    can_acknowledge = (
        letter.addressed_to_id == request.membership.pk and letter.acknowledged_at is None
    )
    if can_acknowledge and form is None:
        form = LetterAcknowledgeForm()
    return render(
        request,
        "recognition/letter_detail.html",
        {"letter": letter, "form": form if can_acknowledge else None},
    )


@require_safe
def detail(request: HttpRequest, org_slug: str, letter_id: int) -> HttpResponse:
    letter = get_object_or_404(selectors.letters_visible_to(request.membership), pk=letter_id)
    return _detail_response(request, letter)


@require_POST
def acknowledge(request: HttpRequest, org_slug: str, letter_id: int) -> HttpResponse:
    me = request.membership
    letter = get_object_or_404(selectors.letters_visible_to(me), pk=letter_id)
    if letter.addressed_to_id != me.pk:
        raise PermissionDenied
    form = LetterAcknowledgeForm(request.POST)
    if form.is_valid():
        try:
            services.letter_acknowledge(
                letter=letter, actor=me, note=form.cleaned_data["note"], request=request
            )
        except ApplicationError as error:
            if error.code == "forbidden":
                raise PermissionDenied from error
            if error.field is None:  # already acknowledged: the page shows the first answer
                messages.error(request, error.message)
                return redirect("letter_detail", org_slug=org_slug, letter_id=letter.pk)
            apply_application_error(form, error)
        else:
            messages.success(
                request,
                _("Thank you. %(sender)s and the people the letter thanks can see your note.")
                % {"sender": letter.sender.display_name},
            )
            return redirect("letter_detail", org_slug=org_slug, letter_id=letter.pk)
    return _detail_response(request, letter, form)


# --- The manager's page about their people -----------------------------------------------------


def _team_manager(request: HttpRequest) -> tuple[Membership, list[Membership]]:
    """Managers see their own people; admins may look at any manager's (`?manager=`)."""
    me = request.membership
    if not me.is_admin:
        return me, []
    leaders = list(
        Membership.objects.filter(is_active=True, direct_reports__is_active=True)
        .select_related("user")
        .distinct()
        .order_by("user__full_name", "id")
    )
    raw = request.GET.get("manager", "")
    chosen = next((leader for leader in leaders if str(leader.pk) == raw), None)
    return chosen or me, leaders


@role_required(Membership.Role.MANAGER, Membership.Role.ADMIN)
@require_safe
def team_recognition_page(request: HttpRequest, org_slug: str) -> HttpResponse:
    me = request.membership
    manager, leaders = _team_manager(request)
    tab = request.GET.get("tab", "")
    if tab not in TEAM_TABS:
        tab = "people"
    people = selectors.team_recognition(manager=manager, quiet_days=QUIET_DAYS)
    context = {
        "tab": tab,
        "manager": manager,
        "leaders": leaders,
        "people": people,
        "quiet_days": QUIET_DAYS,
        "quiet_count": sum(1 for row in people if row["quiet"]),
        "kudos_recent": sum(row["kudos_recent"] for row in people),
        "letters_recent": sum(row["letters_recent"] for row in people),
    }
    if tab == "letters":
        letters = selectors.team_letters(manager=manager, viewer=me)
        context["page_obj"] = Paginator(letters, PAGE_SIZE).get_page(request.GET.get("page"))
    elif tab == "kudos":
        kudos = selectors.team_kudos(manager=manager, viewer=me)
        page = Paginator(kudos, PAGE_SIZE).get_page(request.GET.get("page"))
        context["page_obj"] = page
        context["cards"] = [
            {"kudos": item, "reactions": selectors.reaction_summary(item, me)} for item in page
        ]
    return render(request, "recognition/team_recognition.html", context)
