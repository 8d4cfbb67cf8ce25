"""Members' nomination links: "My links" (list and create), a link's share page, revoking.

Any member creates links. A link's page and its revocation belong to its creator and to the
admins; other members get a 403 (the link is theirs to see in the organisation, not to use),
another organisation's link a 404 through the scoped manager.
"""

import segno
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.core.errors import ApplicationError
from apps.core.forms import apply_application_error
from apps.recognition.nomination_forms import NominationLinkForm
from apps.recognition.nomination_models import Nomination, NominationLink
from apps.recognition.nomination_services import (
    link_url,
    nomination_link_create,
    nomination_link_revoke,
)
from apps.tenancy.models import Membership

LINKS_PAGE_SIZE = 25
QR_SCALE = 5


class LinkStatus:
    ACTIVE = "active"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"


def _links_with_counts():
    """Links with their number of nominations: one query, whatever the number of links. The
    count is a correlated subquery on the (organisation-scoped) nominations rather than a join,
    so both sides name the organisation (Citus routes it to one shard)."""
    counts = (
        Nomination.objects.filter(link=OuterRef("pk"))
        .order_by()
        .values("link")
        .annotate(n=Count("id"))
        .values("n")
    )
    return NominationLink.objects.select_related(
        "preselected_member__user", "preselected_team", "created_by__user"
    ).annotate(nomination_count=Coalesce(Subquery(counts, output_field=IntegerField()), 0))


def _status(link: NominationLink) -> str:
    if link.revoked_at is not None:
        return LinkStatus.REVOKED
    if link.is_expired:
        return LinkStatus.EXPIRED
    if link.single_use and link.nomination_count:
        return LinkStatus.USED
    return LinkStatus.ACTIVE


def _may_manage(member: Membership, link: NominationLink) -> bool:
    return link.created_by_id == member.pk or member.is_admin


@require_http_methods(["GET", "POST"])
def link_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = NominationLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            link = nomination_link_create(creator=request.membership, **form.service_arguments())
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("Your link is ready. Share it with your customer."))
            return redirect("nomination_link_detail", org_slug=org_slug, link_id=link.pk)
    links = _links_with_counts().filter(created_by=request.membership)
    page = Paginator(links, LINKS_PAGE_SIZE).get_page(request.GET.get("page"))
    for link in page:
        link.status = _status(link)
    return render(
        request,
        "recognition/nomination_links.html",
        {"form": form, "page_obj": page},
    )


@require_safe
def link_detail(request: HttpRequest, org_slug: str, link_id: int) -> HttpResponse:
    link = get_object_or_404(_links_with_counts(), pk=link_id)
    if not _may_manage(request.membership, link):
        raise PermissionDenied
    link.status = _status(link)
    url = link_url(link)
    qr = segno.make(url, error="m")
    return render(
        request,
        "recognition/nomination_link_detail.html",
        {
            "link": link,
            "url": url,
            # segno writes the SVG from the URL alone (no `style` attributes: strict CSP).
            "qr_svg": mark_safe(  # noqa: S308 - generated markup, the URL is escaped by segno
                qr.svg_inline(scale=QR_SCALE, border=2, light="#fff", svgclass="qr-code", title=url)
            ),
            "share_message": _share_message(
                link, url, sender=request.membership, organization_name=request.organization.name
            ),
        },
    )


def _share_message(
    link: NominationLink, url: str, *, sender: Membership, organization_name: str
) -> str:
    """A ready-to-send note for the customer, signed by the member who shares the link."""
    if link.preselected_member is not None:
        opening = _(
            "If %(name)s went the extra mile for you, would you tell us about it? "
            "It takes two minutes and needs no account; %(name)s and their manager will see "
            "your words."
        ) % {"name": link.preselected_member.user.full_name or _("our colleague")}
    else:
        opening = _(
            "Did someone at %(organization)s go the extra mile for you? Tell us who it was and "
            "what they did: it takes two minutes and needs no account, and they and their "
            "manager will see your words."
        ) % {"organization": organization_name}
    return "\n\n".join(
        [
            _("Hello,"),
            _("Thank you for working with us."),
            opening,
            url,
            _("Thank you,") + "\n" + sender.display_name,
        ]
    )


@require_POST
def link_revoke(request: HttpRequest, org_slug: str, link_id: int) -> HttpResponse:
    link = get_object_or_404(NominationLink, pk=link_id)
    if not _may_manage(request.membership, link):
        raise PermissionDenied
    try:
        nomination_link_revoke(link=link, actor=request.membership, request=request)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The link is revoked: it no longer opens the form."))
    return redirect("nomination_link_detail", org_slug=org_slug, link_id=link.pk)
