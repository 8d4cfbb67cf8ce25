"""Reading the audit log (admins only)."""

from django.db.models import QuerySet

from apps.audit.models import AuditEvent


def audit_event_list(*, action: str = "", actor_id: int | None = None) -> QuerySet[AuditEvent]:
    queryset = AuditEvent.objects.select_related("actor__user")
    if action:
        queryset = queryset.filter(action=action)
    if actor_id is not None:
        queryset = queryset.filter(actor_id=actor_id)
    return queryset.order_by("-created_at", "-id")
