"""Site-wide views: the root redirect, the health check and the error pages."""

import sys

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core.api.problems import problem_json
from apps.tenancy.selectors import organizations_for_user


@login_not_required
def root(request: HttpRequest) -> HttpResponse:
    """Send members to their organisation's home; strangers to the login page."""
    if not request.user.is_authenticated:
        return redirect("login")
    route = organizations_for_user(request.user).first()
    if route is None:
        return redirect("organization_create")
    return redirect("home", org_slug=route.organization.slug)


@login_not_required
@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Whether the database and the broker answer. 200 when both do, 503 otherwise."""
    checks = {"database": _database_answers(), "broker": _broker_answers()}
    healthy = all(checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", "checks": checks},
        status=200 if healthy else 503,
    )


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        return False


def _broker_answers() -> bool:
    from django.conf import settings

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return True  # the embedded demo runs tasks in-process: there is no broker to ask
    from salesculture.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, timeout=2)
        return True
    except Exception:
        return False


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return problem_json(status=404, title="Not Found", detail="There is no such resource.")
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """A database that does not answer is a 503 ("try again in a moment"), not a crash page."""
    unavailable = isinstance(sys.exception(), DatabaseError)
    if request.path.startswith("/api/"):
        if unavailable:
            return problem_json(
                status=503, title="Service Unavailable", detail="Please retry in a moment."
            )
        return problem_json(
            status=500, title="Internal Server Error", detail="The error was logged."
        )
    # Rendered without the request: context processors would query the database, which may be
    # the very thing that failed.
    if unavailable:
        return HttpResponse(render_to_string("503.html"), status=503)
    return HttpResponse(render_to_string("500.html"), status=500)
