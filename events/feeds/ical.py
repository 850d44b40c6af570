"""iCalendar (RFC 5545) files and feeds, made with the `icalendar` library.

* UID `<event.code>@asfnet` never changes, so an edited event replaces itself in subscribed calendars;
  SEQUENCE is the event's own counter (raised on every change that matters) and STATUS is CONFIRMED or
  CANCELLED, so a cancellation propagates instead of the event silently disappearing.
* Times are written with TZID=Europe/Stockholm and a matching VTIMEZONE (one RDATE line per change of
  offset, which every reader tried reads; tests read the feeds with `icalendar` and with `vobject`).
* A series (events/series/) is written as one VEVENT per date, each with its own UID, SEQUENCE and STATUS,
  never as an RRULE with EXDATE and RECURRENCE-ID overrides: every date is an event of its own (its own
  places, status and edits), the simplest form for every calendar app to read, and a skipped date with
  registrations is a cancelled event like any other (STATUS:CANCELLED, SEQUENCE raised) while a skipped
  date nobody saw is absent. Times are each date's own Swedish time, so a date after a daylight-saving
  change keeps its wall-clock time. Each date carries RELATED-TO with the series' UID
  (`<series.code>@asfnet-series`) so that a reader can group them.
* No ORGANIZER property: with one, calendar apps send the organiser replies and "accepted" e-mails.
* The online link is written only where the caller says the reader may have it (never in public feeds).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from zoneinfo import ZoneInfo

import icalendar
from django.db.models import prefetch_related_objects
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from events.links import event_url
from events.models import Event, EventSeries, EventStatus

TZID = "Europe/Stockholm"
STOCKHOLM = ZoneInfo(TZID)
LANGUAGES = ("sv", "en")
CONTENT_TYPE = "text/calendar; charset=utf-8"
STATUS = {
    EventStatus.PUBLISHED: "CONFIRMED",
    EventStatus.CANCELLED: "CANCELLED",
    EventStatus.DRAFT: "TENTATIVE",
}


def feed_language(value: str | None, default: str = "sv") -> str:
    return value if value in LANGUAGES else default


def event_uid(event: Event) -> str:
    return f"{event.code}@asfnet"


def series_uid(series: EventSeries) -> str:
    return f"{series.code}@asfnet-series"


def _location(event: Event) -> str:
    parts = [event.place_name, event.street_address, event.kommunkod.name if event.kommunkod_id else ""]
    return ", ".join(p for p in parts if p)


def _description(event: Event, online: bool) -> str:
    parts = [event.description.strip()]
    parts.append(_("Organiser: %(name)s") % {"name": event.organiser.name})
    if event.status == EventStatus.CANCELLED:
        parts.insert(0, _("This event has been cancelled."))
    if online and event.online_url:
        parts.append(_("Online: %(url)s") % {"url": event.online_url})
    parts.append(_("Details and registration: %(url)s") % {"url": event_url(event)})
    return "\n\n".join(p for p in parts if p)


def _vevent(event: Event, *, online: bool, stamp: dt.datetime) -> icalendar.Event:
    vevent = icalendar.Event()
    vevent.add("uid", event_uid(event))
    vevent.add("sequence", event.sequence)
    vevent.add("status", STATUS.get(event.status, "CONFIRMED"))
    vevent.add("dtstamp", stamp)
    vevent.add("created", event.created_at.astimezone(dt.UTC))
    vevent.add("last-modified", event.updated_at.astimezone(dt.UTC))
    vevent.add("dtstart", event.start.astimezone(STOCKHOLM))
    vevent.add("dtend", event.end.astimezone(STOCKHOLM))
    title = event.title
    if event.status == EventStatus.CANCELLED:
        title = _("Cancelled: %(title)s") % {"title": title}
    vevent.add("summary", title)
    location = _location(event)
    if location:
        vevent.add("location", location)
    vevent.add("description", _description(event, online))
    vevent.add("url", event_url(event))
    vevent.add("categories", [event.get_kind_display()])
    vevent.add("transp", "TRANSPARENT" if event.status == EventStatus.CANCELLED else "OPAQUE")
    if event.series_id is not None:
        vevent.add("related-to", series_uid(event.series))  # type: ignore[arg-type]
    return vevent


def _timezone(events: list[Event]) -> icalendar.Timezone:
    """The VTIMEZONE for Europe/Stockholm, covering the years the events fall in."""
    years = [e.start.astimezone(STOCKHOLM).year for e in events] + [e.end.astimezone(STOCKHOLM).year for e in events]
    this_year = timezone.localdate().year
    first = min(years, default=this_year)
    last = max(years, default=this_year)
    vtimezone = icalendar.Timezone.from_tzid(TZID, first_date=dt.date(first, 1, 1), last_date=dt.date(last + 1, 1, 1))
    # One RDATE line per change of offset, not one line listing them all: both are RFC 5545, but a reader
    # that takes only the first value of a list (vobject does, tests/events/test_feeds_independent_parser.py)
    # would get every year after the first wrong.
    for observance in vtimezone.subcomponents:
        listed = observance.get("RDATE")
        if listed is None:
            continue
        moments = [value.dt for line in (listed if isinstance(listed, list) else [listed]) for value in line.dts]
        del observance["RDATE"]
        for moment in moments:
            observance.add("rdate", moment)
    return vtimezone


def calendar_bytes(
    events: Iterable[Event],
    *,
    name: object,
    language: str = "sv",
    online: Callable[[Event], bool] = lambda event: False,
) -> bytes:
    """A VCALENDAR with one VEVENT per event, texts in `language`. `online(event)` says whether the reader
    may have the event's online link."""
    events = list(events)
    prefetch_related_objects(events, "kommunkod", "series")  # one query each for the municipalities and the series
    stamp = timezone.now().astimezone(dt.UTC).replace(microsecond=0)
    with translation.override(language):
        cal = icalendar.Calendar()
        cal.add("prodid", "-//asfnet//Network calendar//" + language.upper())
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        cal.add("x-wr-calname", str(name))
        cal.add("x-wr-timezone", TZID)
        cal.add_component(_timezone(events))
        for event in events:
            cal.add_component(_vevent(event, online=online(event), stamp=stamp))
        return cal.to_ical()


def calendar_response(content: bytes, *, filename: str | None = None) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPE)
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
