from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.notifications import categories
from apps.notifications.models import Notification
from apps.notifications.selectors import notification_list as select_notifications
from apps.notifications.services import (
    email_preference_set,
    notifications_mark_read,
    unsubscribe_token_read,
)
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Membership, Organization


@require_safe
def notification_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    page = Paginator(select_notifications(recipient=request.membership), 25).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/list.html", {"page_obj": page})


@require_POST
def notification_mark_all_read(request: HttpRequest, org_slug: str) -> HttpResponse:
    count = notifications_mark_read(recipient=request.membership)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications", org_slug=org_slug)


@require_POST
def notification_open(request: HttpRequest, org_slug: str, notification_id: int) -> HttpResponse:
    notification = get_object_or_404(Notification, pk=notification_id, recipient=request.membership)
    notifications_mark_read(recipient=request.membership, ids=[notification.pk])
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect(notification.url)
    return redirect("notifications", org_slug=org_slug)


@login_not_required
@csrf_exempt  # mail clients POST "List-Unsubscribe=One-Click" (RFC 8058); the token authorises
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a confirmation button; only the POST changes anything (scanners follow links)."""
    data = unsubscribe_token_read(token)
    if data is None:
        raise Http404
    try:
        category = categories.get(data["c"])
    except LookupError:
        raise Http404 from None
    organization = Organization.objects.filter(pk=data["o"]).first()
    if organization is None or category.transactional:
        raise Http404
    with tenant_context(organization):
        membership = Membership.objects.filter(pk=data["m"]).select_related("user").first()
        if membership is None:
            raise Http404
        done = request.method == "POST"
        if done:
            email_preference_set(membership=membership, category=category.key, enabled=False)
    return render(
        request,
        "notifications/unsubscribe.html",
        {"category": category, "unsubscribed": done, "target_organization": organization},
    )
