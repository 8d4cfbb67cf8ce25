"""Role checks for views. Not visible → 404 (by scoping); visible but not allowed → 403."""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied


def role_required(*roles: str) -> Callable:
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            membership = getattr(request, "membership", None)
            if membership is None or membership.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


admin_required = role_required("admin")
