"""Settings → Values: the values and tags an organisation recognises people for (admins)."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from apps.core.errors import ApplicationError
from apps.core.forms import apply_application_error
from apps.recognition import selectors, services
from apps.recognition.models import Value
from apps.tenancy.permissions import admin_required

NAME_MAX_LENGTH = Value._meta.get_field("name").max_length
DESCRIPTION_MAX_LENGTH = Value._meta.get_field("description").max_length


class ValueForm(forms.Form):
    name = forms.CharField(
        label=_lazy("Name"),
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"data-counter": True}),
        help_text=_lazy("Short, as people say it: “Saved the account”, “Fast fix”."),
    )
    description = forms.CharField(
        label=_lazy("What it means"),
        max_length=DESCRIPTION_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"data-counter": True}),
        help_text=_lazy("Shown beside the value when someone sends kudos."),
    )
    is_active = forms.BooleanField(
        label=_lazy("Active: people can pick it for new kudos"),
        required=False,
        initial=True,
        help_text=_lazy(
            "Turn it off to retire a value: kudos that carry it keep it, new ones can't pick it."
        ),
    )


@admin_required
@require_http_methods(["GET", "POST"])
def value_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = ValueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            value = services.value_save(
                actor=request.membership, request=request, **form.cleaned_data
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("“%(name)s” is added.") % {"name": value.name})
            return redirect("settings_values", org_slug=org_slug)
    values = selectors.value_list(include_inactive=True)
    return render(request, "recognition/values.html", {"form": form, "values": values})


@admin_required
@require_http_methods(["GET", "POST"])
def value_edit(request: HttpRequest, org_slug: str, value_id: int) -> HttpResponse:
    value = get_object_or_404(Value, pk=value_id)
    initial = {"name": value.name, "description": value.description, "is_active": value.is_active}
    form = ValueForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.value_save(
                actor=request.membership, request=request, value=value, **form.cleaned_data
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("“%(name)s” is saved.") % {"name": value.name})
            return redirect("settings_values", org_slug=org_slug)
    return render(request, "recognition/values_edit.html", {"value": value, "form": form})
