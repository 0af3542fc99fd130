"""Template tags of the meeting pages: times in two zones, answers, and the portal's form tags."""

import zoneinfo

from django import template
from django.utils import timezone

from meetings.models import Meeting, Rsvp
from taskforce.templatetags import portal_forms

register = template.Library()
# The meeting pages load this library; its form tags are the portal's own.
register.tags.update({name: portal_forms.register.tags[name] for name in ("form_field", "error_summary")})


@register.filter
def in_own_zone_differs(meeting: Meeting) -> bool:
    """Whether the meeting's own zone shows a different clock time than the reader's zone at its start."""
    try:
        own = meeting.start.astimezone(zoneinfo.ZoneInfo(meeting.time_zone)).utcoffset()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return own != timezone.localtime(meeting.start).utcoffset()


@register.filter
def rsvp_label(value: str | None) -> str:
    return Rsvp.Response(value).label if value in Rsvp.Response.values else "—"


@register.filter
def same_day(start, end) -> bool:
    return timezone.localtime(start).date() == timezone.localtime(end).date()


# Form fields -----------------------------------------------------------------------------------------
