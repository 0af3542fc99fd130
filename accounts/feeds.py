"""Private calendar feeds: a member's schedule, and the shared schedule of each body they belong to, as iCalendar
for calendar apps to subscribe to.

Calendar apps send no cookies, so the secret in the address is the only credential: an unknown, revoked or
regenerated secret, a deactivated member or a body they do not belong to all get the same bare 404. The text is in
the member's own language; times are in UTC.
"""

import datetime
import logging
import zlib
import zoneinfo

from django.core.cache import cache
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from members.models import User
from notifications import selectors as notification_selectors
from notifications.models import DeliveryMode
from taskforce import conditional, ical, schedule
from taskforce.addresses import absolute_url
from taskforce.context_processors import portal_name
from taskforce.models import Body

from .authentication import feed_from_secret, feed_secret
from .models import CalendarFeed

# How far back a feed reaches: recent meetings stay in the calendar, years of history do not.
DAYS_BACK = 90
# How often calendar apps are asked to fetch the feed again.
REFRESH_MINUTES = 60
# last_fetched_at is written at most this often, so frequent polling does not cost a write each time.
FETCH_RESOLUTION = datetime.timedelta(minutes=1)
CONTENT_TYPE = "text/calendar; charset=utf-8"
logger = logging.getLogger(__name__)
# How long a written feed is kept for the next fetch that finds nothing changed.
KEEP_SECONDS = REFRESH_MINUTES * 60


def feed_url(feed: CalendarFeed) -> str:
    return absolute_url(reverse("calendar-feed", args=[feed_secret(feed)]))


def subscribe_url(url: str) -> str:
    """The feed's address with the webcal scheme, which the operating system hands to its calendar app to subscribe."""
    return "webcal://" + url.split("://", 1)[1]


def body_feed_url(feed: CalendarFeed, body: Body) -> str:
    return absolute_url(reverse("body-calendar-feed", args=[feed_secret(feed), body.acronym]))


@require_safe
def calendar_feed(request: HttpRequest, secret: str) -> HttpResponse:
    feed = feed_from_secret(secret)
    if feed is None:
        return _not_found()
    user = feed.user
    with translation.override(user.language):
        query = schedule.Query(detail=True, start=_since(user))
        # Translators: the name of a member's calendar in their calendar app.
        name = _("%(portal)s: your schedule") % {"portal": portal_name()}
        return _feed(request, feed, schedule.entries(user, query), name=name, alarms=_alarm_modes(user))


@require_safe
def body_calendar_feed(request: HttpRequest, secret: str, acronym: str) -> HttpResponse:
    """What a body shares with all its members, for a member of that body."""
    feed = feed_from_secret(secret)
    if feed is None:
        return _not_found()
    body = Body.objects.filter(acronym__iexact=acronym, memberships__user_id=feed.user_id).first()
    if body is None:
        return _not_found()
    user = feed.user
    with translation.override(user.language):
        query = schedule.Query(detail=True, start=_since(user), public_only=True, bodies=frozenset([body.pk]))
        # Translators: the name of a body's shared calendar in a member's calendar app ("Task force portal: CBFTF").
        name = _("%(portal)s: %(body)s") % {"portal": portal_name(), "body": body.local_acronym}
        # No alarms: the member's own feed already carries them, and one reminder is enough.
        return _feed(request, feed, schedule.entries(user, query), name=name, alarms={})


def _feed(request: HttpRequest, feed: CalendarFeed, entries: list[schedule.Entry], *, name: str, alarms: dict):
    _record_fetch(feed)
    version = conditional.Version(
        conditional.version_of(request, feed.user_id, name, *sorted(alarms.items()), *map(_fingerprint, entries)),
        max((entry.updated_at for entry in entries), default=None),
    )
    if conditional.matches(request, version.etag):
        return conditional.not_modified(version)
    text = _text(version.etag, entries, name, alarms)
    return conditional.decorate(HttpResponse(text, content_type=CONTENT_TYPE), version)


def _text(etag: str, entries: list[schedule.Entry], name: str, alarms: dict) -> bytes:
    """The feed as iCalendar, kept (compressed) under its ETag for a while: calendar apps poll a feed that has
    not changed again and again, many without If-None-Match, and writing iCalendar is most of a feed's cost. The
    ETag covers the reader, their language, the address and everything each entry shows, so a feed kept under it
    is exactly the one that would be written now."""
    key = body_cache_key(etag)
    try:
        kept = cache.get(key)
    except Exception:  # the cache is down: the feed is written, not refused
        logger.warning("calendar feed cache unavailable", exc_info=True)
        kept = None
    if kept is not None:
        return zlib.decompress(kept)
    events = [_event(entry, alarms) for entry in entries if entry.start is not None]
    text = ical.calendar(events, name=name, refresh_minutes=REFRESH_MINUTES).encode("utf-8")
    try:
        cache.set(key, zlib.compress(text, 1), timeout=KEEP_SECONDS)
    except Exception:
        logger.warning("calendar feed cache unavailable", exc_info=True)
    return text


def body_cache_key(etag: str) -> str:
    return "feed-text:" + etag.strip('"')


def _fingerprint(entry: schedule.Entry) -> str:
    """Everything of an entry the feed shows; an agenda edited or an answer changed moves no updated_at."""
    attendees = ",".join(f"{person.email}={person.partstat}" for person in entry.attendees)
    organizer = f"{entry.organizer.email}={entry.organizer.name}" if entry.organizer else ""
    return "\x1e".join(
        map(str, [entry.uid, entry.status, entry.updated_at.isoformat(), entry.sequence, entry.start, entry.end,
                  entry.all_day, entry.title, entry.description, entry.url, entry.location, entry.virtual_link,
                  attendees, organizer, entry.alarm_kind, entry.alarm_minutes, entry.alarm_related_end])
    )


def _alarm_modes(user: User) -> dict[str, bool]:
    """Whether each kind of entry rings an alarm: not when the member turned that kind of notice off."""
    modes = notification_selectors.notification_modes(actor=user)
    return {kind: mode != DeliveryMode.OFF for kind, mode in modes.items()}


# Deadlines say what they are; a meeting's title is enough.
SUMMARIES = {
    "milestone": gettext_lazy("Milestone: %(title)s"),
    "approval_step": gettext_lazy("Approval step: %(title)s"),
    "action_item": gettext_lazy("Action item: %(title)s"),
}


def _summary(entry: schedule.Entry) -> str:
    summary = str(SUMMARIES[entry.kind]) % {"title": entry.title} if entry.kind in SUMMARIES else entry.title
    if entry.status == schedule.CANCELLED:
        return _("Cancelled: %(summary)s") % {"summary": summary}
    if entry.status == schedule.DONE:
        return _("Done: %(summary)s") % {"summary": summary}
    return summary


def _event(entry: schedule.Entry, alarms: dict[str, bool]) -> ical.CalendarEvent:
    return entry.event(summary=_summary(entry), alarms=alarms.get(entry.alarm_kind, False))


def _since(user: User) -> datetime.date:
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(user.time_zone))
    return today - datetime.timedelta(days=DAYS_BACK)


def _record_fetch(feed: CalendarFeed) -> None:
    now = timezone.now()
    CalendarFeed.objects.filter(pk=feed.pk).filter(
        Q(last_fetched_at__isnull=True) | Q(last_fetched_at__lt=now - FETCH_RESOLUTION)
    ).update(last_fetched_at=now)


def _not_found() -> HttpResponse:
    return HttpResponseNotFound(b"", content_type="text/plain; charset=utf-8")
