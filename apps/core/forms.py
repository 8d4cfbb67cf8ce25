from django import forms

from apps.core.errors import ApplicationError


def apply_application_error(form: forms.Form, error: ApplicationError) -> None:
    """Show a service's error on the form: on its field when the form has it, else on top."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)
