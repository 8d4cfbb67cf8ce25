from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from apps.audit.models import AuditEvent
from apps.audit.selectors import audit_event_list
from apps.tenancy.permissions import admin_required


@admin_required
@require_safe
def audit_log(request: HttpRequest, org_slug: str) -> HttpResponse:
    """Read-only: there is no page or endpoint that edits or deletes an audit event."""
    action = request.GET.get("action", "")[:64]
    actions = AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()
    page = Paginator(audit_event_list(action=action), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/log.html",
        {"page_obj": page, "action": action, "actions": list(actions)},
    )
