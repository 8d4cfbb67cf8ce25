from django import forms
from django.utils.translation import gettext_lazy as _


class CallImportForm(forms.Form):
    """Only the file: its size, encoding and header are checked by `call_import_create`."""

    file = forms.FileField(
        label=_("Call log (CSV)"),
        allow_empty_file=True,  # the service says "The file is empty." in its own words
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        help_text=_("UTF-8 CSV with a header row, at most 50 MB."),
    )
