"""The organisation's home page: what matters to this member's role."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from apps.tenancy.selectors import home_summary


@require_safe
def home(request: HttpRequest, org_slug: str) -> HttpResponse:
    summary = home_summary(membership=request.membership)
    return render(request, f"tenancy/home_{request.membership.role}.html", {"summary": summary})
