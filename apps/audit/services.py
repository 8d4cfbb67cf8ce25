"""Writing the audit log. Services call `audit_record` for every sensitive action."""

from django.http import HttpRequest

from apps.audit.models import AuditEvent
from apps.core.requests import client_ip
from apps.tenancy.models import Membership


def audit_record(
    *,
    actor: Membership | None,
    action: str,
    target=None,
    changes: dict | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Append one event. `target` is any model instance (or None); `changes` is JSON-safe."""
    return AuditEvent.objects.create(
        actor=actor,
        actor_label=actor.display_name if actor is not None else "system",
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_label=str(target)[:200] if target is not None else "",
        changes=changes or {},
        ip_address=client_ip(request) if request is not None else None,
        user_agent=(request.headers.get("User-Agent", "")[:300] if request is not None else ""),
    )
