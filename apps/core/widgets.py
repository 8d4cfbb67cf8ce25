"""Form widgets shared by the apps."""

from html import escape  # the standard library's: Django's lazy-aware one costs more per option

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe


class FastSelect(forms.Select):
    """A `Select` whose options are written in Python instead of one template each. Django's
    widget renders two templates per <option>: a large organisation's few hundred helpers took
    most of the public nomination form's time, and its hundred-odd teams longer than the whole
    report table. Same markup (`selected`, option groups, the field's attributes such as
    aria-invalid and aria-describedby)."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        parts = [
            format_html('<select name="{}"{}>', name, flatatt(self.build_attrs(self.attrs, attrs)))
        ]

        def option(option_value, label) -> str:
            option_value = str(option_value)
            selected = ""
            if option_value in chosen:
                selected = " selected"
                if not self.allow_multiple_selected:
                    chosen.clear()  # a single select marks its first match only, as Django's
            return f'<option value="{escape(option_value)}"{selected}>{escape(str(label))}</option>'

        for group, label in self.choices:
            if isinstance(label, list | tuple):
                parts.append(f'<optgroup label="{escape(str(group))}">')
                parts.extend(option(v, text) for v, text in label)
                parts.append("</optgroup>")
            else:
                parts.append(option(group, label))
        parts.append("</select>")
        return mark_safe("\n".join(parts))  # noqa: S308 - every value above is escaped


class FastSelectMultiple(FastSelect):
    """FastSelect for a choice of several (`<select multiple>`): the letter's people to thank are
    everyone in the organisation, two thousand options in a large one."""

    allow_multiple_selected = True
    value_from_datadict = forms.SelectMultiple.value_from_datadict
    value_omitted_from_data = forms.SelectMultiple.value_omitted_from_data

    def render(self, name, value, attrs=None, renderer=None):
        return super().render(name, value, {**(attrs or {}), "multiple": True}, renderer)
