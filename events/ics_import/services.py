"""Import an organiser's calendar (an iCalendar file, RFC 5545, uploaded or fetched from its address) into
their events.

* Each VEVENT becomes a draft event of the organiser, or updates the event made from it before: events are
  matched by the VEVENT's UID, stored per organiser (Event.import_uid). Importing the same file again
  creates nothing; a changed SUMMARY, time or place updates the event (through events.services.event_update,
  so a published event's SEQUENCE goes up and its registrants are told of a new time or place).
* An event made by an earlier import that a later file no longer has is left as it is (a file may cover
  only a period): the organiser cancels it on its page.
* A VEVENT the source marks CANCELLED cancels the event made from it (events.services.event_cancel) and is
  not imported when there is none.
* An event the organiser has cancelled here stays as it is: a re-import neither brings it back nor changes
  it, and the result counts it (`kept_cancelled`) so the summary can say so.
* From an address (`ics_import_url`): http, https or webcal:// (https), fetched by kernel.fetch, which refuses
  addresses on private or local networks (also after a redirect), other ports than 80 and 443, answers that
  are not a calendar (Content-Type), larger than MAX_BYTES or slower than FETCH_TIMEOUT. The fetch happens
  before the transaction (no database lock held while waiting on another server); then the content is
  imported exactly as an uploaded file. The audit row names the source and the address's host only: a
  calendar's address is often secret (a "secret address in iCal format").
* A repeating VEVENT (RRULE, RDATE, or an override with RECURRENCE-ID) is refused with a message: make one
  date here and repeat it as a series (events/series/).
* All or nothing: the whole file is checked first (size, format, every event's fields including the
  personnummer guard on every text); any problem refuses the import with messages naming the events, and
  nothing is saved.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from directory.access import Actor, can_edit_organisation
from directory.models import Organisation
from events import services as event_services
from events.models import Event, EventStatus
from kernel import fetch
from kernel.audit import audit_log

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MAX_BYTES = 1024 * 1024
FETCH_TIMEOUT = 10.0  # seconds for the whole fetch: connecting, redirects and reading
# What a calendar server may call its answer: the standard type and two old ones still in use.
CALENDAR_TYPES = ("text/calendar", "application/ics", "text/x-vcalendar")
MAX_EVENTS = 500
TITLE_MAX = 200
DEFAULT_LENGTH = dt.timedelta(hours=1)
# The fields an import writes; the organiser's own later edits of other fields stay.
IMPORTED = ("title_sv", "description_sv", "start", "end", "place_name")


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    cancelled: int
    kept_cancelled: int = 0  # events cancelled here that the calendar still has: left cancelled, unchanged


def _moment(value: Any, *, end: bool = False) -> dt.datetime:
    """A DTSTART/DTEND as an aware datetime: a floating time is Swedish time; a whole day starts at 00:00."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=STOCKHOLM)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(0, 0), tzinfo=STOCKHOLM)
    raise ValueError(value)


def _text(vevent: icalendar.Event, name: str) -> str:
    value = vevent.get(name)
    return str(value).strip() if value is not None else ""


def _label(vevent: icalendar.Event, number: int) -> str:
    summary = _text(vevent, "SUMMARY")
    return summary[:60] if summary else _("event no. %(number)s in the file") % {"number": number}


def _fields(vevent: icalendar.Event, number: int) -> dict[str, Any]:
    """The event fields of one VEVENT; ValidationError with a message naming it when it cannot be imported."""
    label = _label(vevent, number)
    if any(name in vevent for name in ("RRULE", "RDATE", "RECURRENCE-ID")):
        raise ValidationError(
            _(
                "“%(event)s” repeats. Repeating events are not imported: import or make one date and repeat it "
                "as a series on the event's page."
            )
            % {"event": label}
        )
    if not _text(vevent, "UID"):
        raise ValidationError(_("“%(event)s” has no UID, so it could not be recognised next time.") % {"event": label})
    if "DTSTART" not in vevent:
        raise ValidationError(_("“%(event)s” has no start time.") % {"event": label})
    try:
        start = _moment(vevent.decoded("DTSTART"))
        if "DTEND" in vevent:
            end = _moment(vevent.decoded("DTEND"))
        elif "DURATION" in vevent:
            end = start + vevent.decoded("DURATION")
        elif not isinstance(vevent.decoded("DTSTART"), dt.datetime):
            end = start + dt.timedelta(days=1)
        else:
            end = start + DEFAULT_LENGTH
    except (ValueError, TypeError, KeyError):
        raise ValidationError(
            _("“%(event)s” has a start or end time that cannot be read.") % {"event": label}
        ) from None
    with translation.override("sv"):  # the texts of a Swedish event
        untitled, no_place = _("Imported event"), _("Place to be announced")
    return {
        "title_sv": (_text(vevent, "SUMMARY") or untitled)[:TITLE_MAX],
        "description_sv": _text(vevent, "DESCRIPTION"),
        "start": start,
        "end": end,
        "place_name": _text(vevent, "LOCATION")[:TITLE_MAX] or no_place,
    }


def _check(organiser: Organisation, fields: dict[str, Any], label: str) -> None:
    """The model's own checks (lengths, end after start, the personnummer guard) with the event named."""
    try:
        Event(organiser=organiser, **fields).full_clean(exclude=["organiser", "created_by", "series"])
    except ValidationError as error:
        raise ValidationError(
            [_("“%(event)s”: %(problem)s") % {"event": label, "problem": message} for message in error.messages]
        ) from None


def _read(content: bytes) -> list[icalendar.Event]:
    if len(content) > MAX_BYTES:
        raise ValidationError(_("The file is too large: at most %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)})
    if not content.strip():
        raise ValidationError(_("The file is empty."))
    try:
        calendar = icalendar.Calendar.from_ical(content.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError, IndexError, KeyError, TypeError):
        raise ValidationError(
            _("The file is not an iCalendar file (.ics) that can be read. Export the calendar again as .ics.")
        ) from None
    if not isinstance(calendar, icalendar.Calendar) or calendar.name != "VCALENDAR":
        raise ValidationError(
            _("The file is not an iCalendar file (.ics) that can be read. Export the calendar again as .ics.")
        )
    vevents = [c for c in calendar.walk("VEVENT") if isinstance(c, icalendar.Event)]
    if not vevents:
        raise ValidationError(_("The file has no events."))
    if len(vevents) > MAX_EVENTS:
        raise ValidationError(
            ngettext(
                "The file has more than %(max)d event. Export a shorter period.",
                "The file has more than %(max)d events. Export a shorter period.",
                MAX_EVENTS,
            )
            % {"max": MAX_EVENTS}
        )
    return vevents


def ics_import(*, actor: Actor, organiser: Organisation, content: bytes) -> ImportResult:
    """Import the calendar file `content` into `organiser`'s events (see the module docstring)."""
    return _import(actor=actor, organiser=organiser, content=content, source={"source": "file"})


def ics_import_url(
    *,
    actor: Actor,
    organiser: Organisation,
    url: str,
    policy: fetch.Policy | None = None,
    timeout: float = FETCH_TIMEOUT,
) -> ImportResult:
    """Fetch the calendar at `url` and import it into `organiser`'s events. `policy`: which addresses may be
    fetched, kernel.fetch.PUBLIC unless a test says otherwise."""
    if not can_edit_organisation(actor, organiser):
        raise PermissionDenied  # before the fetch: nobody else makes the server fetch anything
    try:
        fetched = fetch.fetch(
            url,
            content_types=CALENDAR_TYPES,
            max_bytes=MAX_BYTES,
            timeout=timeout,
            policy=policy or fetch.PUBLIC,
        )
    except fetch.FetchRefused as refused:
        if refused.code == "content_type":
            raise ValidationError(
                _(
                    "The address does not give a calendar but “%(type)s”. Give the calendar's iCal address "
                    "(it often ends in .ics), not the address of its web page."
                )
                % {"type": refused.content_type or _("no content type")},
                code="content_type",
            ) from None
        raise
    host = urlsplit(fetched.url).hostname or ""
    return _import(actor=actor, organiser=organiser, content=fetched.content, source={"source": "url", "host": host})


@transaction.atomic
def _import(*, actor: Actor, organiser: Organisation, content: bytes, source: dict[str, str]) -> ImportResult:
    if not can_edit_organisation(actor, organiser):
        raise PermissionDenied
    vevents = _read(content)
    planned: list[tuple[str, dict[str, Any], bool]] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, vevent in enumerate(vevents, start=1):
        try:
            fields = _fields(vevent, number)
            _check(organiser, fields, _label(vevent, number))
        except ValidationError as error:
            problems.extend(error.messages)
            continue
        uid = _text(vevent, "UID")[:255]
        if uid in seen:
            continue  # the same event twice in one file: the first one counts
        seen.add(uid)
        planned.append((uid, fields, _text(vevent, "STATUS").upper() == "CANCELLED"))
    if problems:
        raise ValidationError(problems)
    created = updated = unchanged = cancelled = kept_cancelled = 0
    existing = {
        e.import_uid: e for e in Event.objects.select_for_update().filter(organiser=organiser, import_uid__in=seen)
    }
    for uid, fields, is_cancelled in planned:
        event = existing.get(uid)
        if event is None:
            if is_cancelled:
                continue
            event_services.event_create(
                actor=actor, organiser=organiser, data={**fields, "status": EventStatus.DRAFT, "import_uid": uid}
            )
            created += 1
            continue
        if event.status == EventStatus.CANCELLED:
            if not is_cancelled:
                kept_cancelled += 1  # cancelled here: not brought back, not changed
            continue
        if is_cancelled:
            event_services.event_cancel(actor=actor, event=event)
            cancelled += 1
            continue
        changes = {name: value for name, value in fields.items() if getattr(event, name) != value}
        if changes:
            event_services.event_update(actor=actor, event=event, data=changes)
            updated += 1
        else:
            unchanged += 1
    result = ImportResult(
        created=created, updated=updated, unchanged=unchanged, cancelled=cancelled, kept_cancelled=kept_cancelled
    )
    audit_log(actor=actor.user, action="event.ics_import", target=organiser, data={**result.__dict__, **source})
    return result
