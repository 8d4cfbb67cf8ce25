"""Pages of the call-log import: upload (with the past imports), and each import's progress and
report. Admins and managers only (design.md: they log escalations for others)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from apps.core.errors import ApplicationError
from apps.core.forms import apply_application_error
from apps.dependency.import_forms import CallImportForm
from apps.dependency.imports import (
    MAX_REJECTIONS_LISTED,
    call_import_create,
    call_import_rejections,
    call_imports_visible_to,
    check_can_import,
)
from apps.dependency.models import CallImport


def _check_can_import(request: HttpRequest) -> None:
    try:
        check_can_import(request.membership)
    except ApplicationError:
        raise PermissionDenied from None


@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, org_slug: str) -> HttpResponse:
    _check_can_import(request)
    posted = request.method == "POST"
    form = CallImportForm(request.POST, request.FILES) if posted else CallImportForm()
    if posted and form.is_valid():
        try:
            call_import = call_import_create(
                actor=request.membership, upload=form.cleaned_data["file"]
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("File received. The import runs in the background."))
            return redirect("escalation_import_detail", org_slug=org_slug, import_id=call_import.pk)
    imports = call_imports_visible_to(request.membership).defer("rejections")
    page = Paginator(imports, 20).get_page(request.GET.get("page"))
    return render(request, "dependency/import.html", {"form": form, "page_obj": page})


def _report_context(request: HttpRequest, import_id: int) -> dict:
    call_import = get_object_or_404(call_imports_visible_to(request.membership), pk=import_id)
    return {
        "call_import": call_import,
        "rejections": call_import_rejections(call_import),
        "rejections_unlisted": max(0, call_import.rejected - len(call_import.rejections)),
        "rejections_cap": MAX_REJECTIONS_LISTED,
        "in_progress": call_import.status in (CallImport.Status.QUEUED, CallImport.Status.RUNNING),
    }


@require_safe
def detail(request: HttpRequest, org_slug: str, import_id: int) -> HttpResponse:
    _check_can_import(request)
    return render(request, "dependency/import_detail.html", _report_context(request, import_id))


@require_safe
def progress(request: HttpRequest, org_slug: str, import_id: int) -> HttpResponse:
    """htmx polls this fragment every 2 s while the import runs; once finished the fragment
    comes without its polling trigger, so the polling stops."""
    _check_can_import(request)
    return render(request, "dependency/import_report.html", _report_context(request, import_id))
