"""A realistic season of demo events for `manage.py seed_demo`: past and upcoming network meetings (a monthly
series), study visits, trainings, a workshop, a market dialogue, an invited-only meeting, a cancelled and a
draft event; some full with a waiting list; some with guests. Each event is in the calendar of one demo
förbund (`forbund` in events/demo.toml, Södra Norrbotten unless it says otherwise): most in Södra Norrbotten's,
three in Östersund in Jämtland's.

Dates are placed relative to the Monday of the current week, so a demo always has both past and upcoming
events. The season is events/demo.toml, built with the calendar's factories. Idempotent: an event is keyed
on (title_sv, start); an existing one is left as it is, together with its registrations. Past events whose
retention period has passed are purged like the scheduled task would. Called after the förbund, the
organisations and the demo users exist (directory/demo.py); an event whose förbund or organiser is missing is
left out."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from directory.access import actor_for
from directory.demo import COORDINATORS, demo_forbund
from directory.models import Membership, Organisation
from events import services
from events.closing.services import closing_report_save
from events.factories import EventFactory, EventQuestionFactory, RegistrationFactory, guest_email
from events.models import Attendance, Event, EventSeries, EventStatus, RegistrationStatus
from kernel.factories import seeding
from kernel.identifiers import normalise_orgnr
from kernel.models import User

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DATA = tomllib.loads((Path(__file__).resolve().parent / "demo.toml").read_text(encoding="utf-8"))
GUESTS: list[str] = DATA["guests"]
SERIES_NAME: str = DATA["series_name"]
FORBUND: str = DATA["forbund"]  # the calendar an event is in unless its entry names another förbund (slug)

COORDINATOR = "coordinator@demo.asfnet.se"
OFFICER = "officer@demo.asfnet.se"
ASF = "asf@demo.asfnet.se"
BUSINESS = "business@demo.asfnet.se"

# What an event of the season is unless its entry in demo.toml says otherwise.
EVENT_DEFAULTS: dict[str, Any] = dict.fromkeys(
    (
        "title_en",
        "description_sv",
        "description_en",
        "place_name",
        "street_address",
        "venue_accessibility",
        "online_url",
    ),
    "",
) | {"kommunkod": None, "audience": "public", "capacity": None, "status": EventStatus.PUBLISHED}


@dataclass(frozen=True)
class DemoEvent:
    organiser: str  # orgnr
    forbund: str  # the slug of the förbund whose calendar the event is in
    day: int  # days after the Monday of the current week (negative: before)
    time: tuple[int, int]
    hours: float
    fields: dict[str, Any]  # the Event's own fields: title_sv, kind, place …
    invited: tuple[str, ...] = ()
    series: bool = False
    # Who registers, in order: demo users by e-mail, guests by index in GUESTS. Beyond capacity → waiting list.
    members: tuple[str, ...] = ()
    guests: tuple[int, ...] = ()
    pending_guests: tuple[int, ...] = ()
    awaiting_guests: tuple[int, ...] = ()  # on an event that needs approval: waiting for the organiser
    dietary: dict[int, str] = field(default_factory=dict)  # guest index → dietary needs
    questions: tuple[dict[str, Any], ...] = ()  # EventQuestion fields
    closing: dict[str, str] = field(default_factory=dict)  # minutes, follow_ups: a finalised closing report

    @property
    def title_sv(self) -> str:
        return self.fields["title_sv"]


def _demo_event(entry: dict[str, Any], *, series: bool = False) -> DemoEvent:
    entry = dict(entry)
    people = {
        key: tuple(entry.pop(key, ()))
        for key in ("invited", "members", "guests", "pending_guests", "awaiting_guests", "questions")
    }
    people["questions"] = tuple(entry.pop("question", ()))
    closing = {key: entry.pop(f"closing_{key}") for key in ("minutes", "follow_ups") if f"closing_{key}" in entry}
    return DemoEvent(
        organiser=entry.pop("organiser"),
        forbund=entry.pop("forbund", FORBUND),
        day=entry.pop("day"),
        time=tuple(entry.pop("time")),
        hours=entry.pop("hours"),
        series=series,
        dietary={int(index): needs for index, needs in entry.pop("dietary", {}).items()},
        closing=closing,
        fields=EVENT_DEFAULTS | DATA["venue"].get(entry.pop("venue", ""), {}) | entry,
        **people,
    )


def _season() -> list[DemoEvent]:
    monthly = {k: v for k, v in DATA["monthly"].items() if k != "meeting"}
    meetings = [
        monthly
        | {k: v for k, v in meeting.items() if not k.startswith("theme")}
        | {key: monthly[key].format(**meeting) for key in ("title_sv", "title_en")}
        for meeting in DATA["monthly"]["meeting"]
    ]
    return [_demo_event(m, series=True) for m in meetings] + [_demo_event(e) for e in DATA["event"]]


SEASON: list[DemoEvent] = _season()


def _anchor(now: dt.datetime) -> dt.date:
    today = timezone.localtime(now, STOCKHOLM).date()
    return today - dt.timedelta(days=today.weekday())


def _organisation(orgnr: str) -> Organisation | None:
    return Organisation.objects.filter(orgnr=normalise_orgnr(orgnr)).first()


def _attendance(position: int) -> str:
    """Of those confirmed at a past event, most came, every fourth did not, the sixth sent word."""
    if position == 5:
        return Attendance.EXCUSED
    return [Attendance.PRESENT, Attendance.PRESENT, Attendance.PRESENT, Attendance.ABSENT][position % 4]


def _register(event: Event, spec: DemoEvent, now: dt.datetime) -> int:
    past = event.end < now
    people: list[dict[str, Any]] = []
    for email in spec.members:
        user = User.objects.filter(email=email).first()
        if user is not None and Membership.objects.filter(user=user).exists():
            people.append({"user": user})
    for index in spec.guests:
        name = GUESTS[index]
        people.append(
            {"guest_name": name, "guest_email": guest_email(name), "dietary_needs": spec.dietary.get(index, "")}
        )
    register = seeding(RegistrationFactory)
    for position, person in enumerate(people):
        full = spec.fields["capacity"] is not None and position >= spec.fields["capacity"]
        status = RegistrationStatus.WAITLISTED if full else RegistrationStatus.CONFIRMED
        if spec.fields["status"] == EventStatus.CANCELLED:
            status = RegistrationStatus.CANCELLED
        attendance = _attendance(position) if past and status == RegistrationStatus.CONFIRMED else Attendance.UNKNOWN
        checked_in = attendance == Attendance.PRESENT and position % 2 == 0
        register(
            event=event,
            status=status,
            attendance=attendance,
            checked_in_at=event.start + dt.timedelta(minutes=5 + position) if checked_in else None,
            **person,
        )
    for index in spec.pending_guests:
        name = GUESTS[index]
        register(event=event, guest_name=name, guest_email=guest_email(name), status=RegistrationStatus.PENDING)
    for index in spec.awaiting_guests:
        name = GUESTS[index]
        register(
            event=event, guest_name=name, guest_email=guest_email(name), status=RegistrationStatus.AWAITING_APPROVAL
        )
    return len(people) + len(spec.pending_guests) + len(spec.awaiting_guests)


def seed_events(stdout: Any) -> None:
    """Create the demo season (see the module docstring). `stdout` is the command's output stream."""
    now = timezone.now()
    monday = _anchor(now)
    made = kept = registrations = purged = 0
    calendars = {slug: demo_forbund(slug) for slug in {spec.forbund for spec in SEASON}}
    with transaction.atomic():
        for spec in SEASON:
            organiser, forbund = _organisation(spec.organiser), calendars[spec.forbund]
            if organiser is None or forbund is None:
                continue
            day = monday + dt.timedelta(days=spec.day)
            start = dt.datetime.combine(day, dt.time(*spec.time), tzinfo=STOCKHOLM)
            if Event.objects.filter(title_sv=spec.title_sv, start=start).exists():
                kept += 1
                continue
            series = None
            if spec.series:
                series, _ = EventSeries.objects.get_or_create(organiser=organiser, name=SERIES_NAME)
            event = seeding(EventFactory)(
                organiser=organiser,
                forbund=forbund,
                series=series,
                start=start,
                end=start + dt.timedelta(hours=spec.hours),
                sequence=1 if spec.fields["status"] != EventStatus.DRAFT else 0,
                invited=[o for o in map(_organisation, spec.invited) if o is not None],
                **spec.fields,
            )
            for position, question in enumerate(spec.questions):
                seeding(EventQuestionFactory)(event=event, position=position, **question)
            registrations += _register(event, spec, now)
            # The förbund's demo coordinator writes its events' closing reports.
            coordinator = actor_for(User.objects.filter(email=COORDINATORS.get(spec.forbund, "")).first(), forbund)
            if spec.closing and event.end < now and coordinator.is_coordinator:
                closing_report_save(actor=coordinator, event=event, finalise=True, **spec.closing)
            if event.purge_due_at <= now:
                purged += services.event_purge_personal_data(event=event, now=now)
            made += 1
    stdout.write(
        f"Demo events ready: {made} created ({registrations} registrations, {purged} purged after retention), "
        f"{kept} already there."
    )
