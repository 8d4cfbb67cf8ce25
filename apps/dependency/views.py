"""Pages of the dependency tracker."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.core.errors import ApplicationError
from apps.core.forms import apply_application_error
from apps.dependency.forms import OutcomeForm
from apps.dependency.selectors import escalations_visible_to
from apps.dependency.services import check_can_change, escalation_record_outcome


@require_http_methods(["GET", "POST"])
def callback(request: HttpRequest, org_slug: str, escalation_id: int) -> HttpResponse:
    """The reminder's link opens this pre-filled page; only its button (a POST) records the
    outcome, because mail scanners follow links."""
    escalation = get_object_or_404(escalations_visible_to(request.membership), pk=escalation_id)
    try:
        check_can_change(actor=request.membership, escalation=escalation)
    except ApplicationError:
        raise PermissionDenied from None
    form = OutcomeForm(
        request.POST or None,
        initial={"outcome": escalation.outcome or "solved_alone"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            escalation_record_outcome(
                escalation=escalation, actor=request.membership, **form.cleaned_data
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("Outcome recorded. Thank you for letting it ring."))
            return redirect("home", org_slug=org_slug)
    return render(request, "dependency/callback.html", {"escalation": escalation, "form": form})
