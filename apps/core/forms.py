from django import forms
from django.forms.models import ModelChoiceIterator

from apps.core.errors import ApplicationError
from apps.core.widgets import FastSelect, FastSelectMultiple


def apply_application_error(form: forms.Form, error: ApplicationError) -> None:
    """Show a service's error on the form: on its field when the form has it, else on top."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


class _ValuesChoiceIterator(ModelChoiceIterator):
    """The options as (id, label) read with `values_list`: Django's iterator builds a model
    instance (and whatever the queryset selects with it) per option, through a server-side
    cursor. For a large organisation's two thousand people that was most of a page's 130 to
    390 ms (docs/benchmarks.md)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        label = self.field.label_from_values
        for pk, *values in self.queryset.values_list("pk", *self.field.label_columns):
            yield (pk, label(*values))


class _ValuesChoices:
    """What the values-based fields share: which columns name an option, and how. The queryset
    still validates what is submitted, so a value it does not hold is refused as before."""

    iterator = _ValuesChoiceIterator
    label_columns: tuple[str, ...] = ("name",)

    @staticmethod
    def label_from_values(*values) -> str:
        return str(values[0])

    def choices_from(self, queryset) -> list[tuple[int, str]]:
        """The (id, label) pairs of another queryset, labelled as this field labels its own."""
        rows = queryset.values_list("pk", *self.label_columns)
        return [(pk, self.label_from_values(*values)) for pk, *values in rows]


class ValuesChoiceField(_ValuesChoices, forms.ModelChoiceField):
    """A ModelChoiceField whose options are read as values and written by FastSelect."""

    widget = FastSelect


class ValuesMultipleChoiceField(_ValuesChoices, forms.ModelMultipleChoiceField):
    """The same for a choice of several (FastSelectMultiple)."""

    widget = FastSelectMultiple
