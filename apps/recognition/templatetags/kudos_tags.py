"""Template helpers of the kudos pages."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

register = template.Library()

RECENT = timedelta(days=7)


@register.filter
def kudos_age(value: datetime | None) -> str:
    """How old a kudos is, in one unit for the last week ("just now", "5 minutes ago",
    "3 days ago"), then its date: a wall reads better than with Django's "4 days, 19 hours"."""
    if value is None:
        return ""
    age = timezone.now() - value
    if age < timedelta(minutes=1):
        return _("just now")
    if age < RECENT:
        return _("%(time)s ago") % {"time": timesince(value, depth=1)}
    local = timezone.localtime(value)
    if local.year == timezone.localdate().year:
        return date_format(local, "j F")
    return date_format(local, "j F Y")
