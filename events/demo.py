"""A realistic season of demo events for `manage.py seed_demo`: past and upcoming network meetings (a monthly
series), study visits, trainings, a workshop, a market dialogue, an invited-only meeting, a cancelled and a
draft event; some full with a waiting list; some with guests.

Dates are placed relative to the Monday of the current week, so a demo always has both past and upcoming
events. Idempotent: an event is keyed on (title_sv, start); an existing one is left as it is, together with
its registrations. Past events whose retention period has passed are purged like the scheduled task would.
Called after the organisations and the demo users exist (asfnet/management/commands/seed_demo.py)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from asfnet.identifiers import normalise_orgnr
from asfnet.models import User
from directory.models import Membership, Organisation
from events import services
from events.models import (
    Attendance,
    Audience,
    Event,
    EventKind,
    EventSeries,
    EventStatus,
    Registration,
    RegistrationStatus,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")

FORBUND = "222000-2204"
LULEA_KOMMUN = "212000-2742"
PITEA_KOMMUN = "212000-9010"
RETUREN = "769600-1010"
CAFE_KVARNEN = "769600-2026"
SNICKERIET = "769600-7074"
FASTIGHETSSERVICE = "556900-1018"
FOLKHOGSKOLA = "232100-9017"
REGION = "232100-0230"

COORDINATOR = "coordinator@demo.asfnet.se"
OFFICER = "officer@demo.asfnet.se"
ASF = "asf@demo.asfnet.se"
BUSINESS = "business@demo.asfnet.se"

GUESTS = [
    "Elin Berglund",
    "Oskar Lundmark",
    "Fatima Hassan",
    "Jonas Öhman",
    "Lena Sandström",
    "Ahmad Karimi",
    "Sofia Nordin",
    "Petter Isaksson",
    "Maja Holmqvist",
    "Kalle Granström",
]

SERIES_NAME = "Månadsträff i ASF-nätverket"


@dataclass(frozen=True)
class DemoEvent:
    title_sv: str
    title_en: str
    organiser: str  # orgnr
    kind: str
    day: int  # days after the Monday of the current week (negative: before)
    time: tuple[int, int]
    hours: float
    audience: str = Audience.PUBLIC
    capacity: int | None = None
    place_name: str = ""
    street_address: str = ""
    kommunkod: str = ""
    description_sv: str = ""
    description_en: str = ""
    venue_accessibility: str = ""
    online_url: str = ""
    status: str = EventStatus.PUBLISHED
    invited: tuple[str, ...] = ()
    series: bool = False
    # Who registers, in order: demo users by e-mail, guests by index in GUESTS. Beyond capacity → waiting list.
    members: tuple[str, ...] = ()
    guests: tuple[int, ...] = ()
    pending_guests: tuple[int, ...] = ()
    dietary: dict[int, str] = field(default_factory=dict)  # guest index → dietary needs


KULTURENS_HUS = {
    "place_name": "Kulturens hus, sal Tornet",
    "street_address": "Skeppsbrogatan 17, Luleå",
    "kommunkod": "2580",
    "venue_accessibility": "Hiss från entréplanet, hörslinga i salen, tillgänglig toalett på samma plan.",
}


def _monthly_meeting(day: int, theme_sv: str, theme_en: str, **extra: Any) -> DemoEvent:
    return DemoEvent(
        title_sv=f"Månadsträff i ASF-nätverket: {theme_sv}",
        title_en=f"Monthly ASF network meeting: {theme_en}",
        organiser=FORBUND,
        kind=EventKind.NETWORK_MEETING,
        day=day,
        time=(13, 0),
        hours=3,
        audience=Audience.NETWORK,
        capacity=40,
        description_sv="Nätverkets månadsträff för ASF, kommuner, myndigheter och näringsliv. Fika från "
        "Café Kvarnen. Anmäl kost senast veckan innan.",
        description_en="The network's monthly meeting for ASF, municipalities, agencies and businesses. "
        "Coffee from Café Kvarnen.",
        online_url="https://meet.example.se/asfnet-manadstraff",
        series=True,
        **KULTURENS_HUS,
        **extra,
    )


SEASON: list[DemoEvent] = [
    _monthly_meeting(-61, "ESF+-projektet halvvägs", "the ESF+ project half-way", members=(COORDINATOR, OFFICER, ASF)),
    _monthly_meeting(-33, "arbetsträning i praktiken", "work training in practice", members=(COORDINATOR, ASF)),
    _monthly_meeting(-5, "kompetensförsörjning 2027", "skills supply 2027", members=(COORDINATOR, OFFICER, BUSINESS)),
    _monthly_meeting(23, "reserverade kontrakt", "reserved contracts", members=(COORDINATOR,)),
    _monthly_meeting(51, "planering inför våren", "planning the spring"),
    DemoEvent(
        title_sv="Studiebesök på Café Kvarnen",
        title_en="Study visit at Café Kvarnen",
        organiser=CAFE_KVARNEN,
        kind=EventKind.STUDY_VISIT,
        day=-45,
        time=(10, 0),
        hours=2,
        capacity=4,
        place_name="Café Kvarnen",
        street_address="Storgatan 40, Piteå",
        kommunkod="2581",
        description_sv="Se hur ett arbetsintegrerande café arbetar med handledning och arbetsträning.",
        description_en="See how a work-integration café works with supervision and work training.",
        members=(OFFICER, BUSINESS),
        guests=(0, 1, 2),
    ),
    DemoEvent(
        title_sv="Workshop: Arbetsträning som kompetensförsörjning",
        title_en="Workshop: work training as a source of skills",
        organiser=FOLKHOGSKOLA,
        kind=EventKind.WORKSHOP,
        day=-19,
        time=(9, 0),
        hours=6,
        capacity=20,
        place_name="Kustlandets folkhögskola, aulan",
        street_address="Skolgatan 5, Piteå",
        kommunkod="2581",
        description_sv="Hur kan ASF, folkhögskolor och arbetsgivare bygga stegen från arbetsträning till jobb?",
        description_en="How can ASF, folk high schools and employers build the steps from work training to a job?",
        members=(ASF, OFFICER, COORDINATOR),
        guests=(3, 4, 5),
    ),
    DemoEvent(
        title_sv="Studiebesök på Returen Återbruk",
        title_en="Study visit at Returen Återbruk",
        organiser=RETUREN,
        kind=EventKind.STUDY_VISIT,
        day=9,
        time=(9, 0),
        hours=2.5,
        capacity=4,
        place_name="Returen Återbruk",
        street_address="Verkstadsgatan 12, Luleå",
        kommunkod="2580",
        description_sv="Rundvandring i butik, verkstad och sorteringshall. Vi berättar om hur arbetsträningen "
        "är upplagd och vilka uppdrag vi tar från företag och kommun.",
        description_en="A tour of the shop, the workshop and the sorting hall, and how work training is organised.",
        venue_accessibility="Allt i markplan. Sorteringshallen är bullrig; hörselskydd finns.",
        members=(OFFICER, BUSINESS, COORDINATOR),
        guests=(6, 7, 8),
        pending_guests=(9,),
    ),
    DemoEvent(
        title_sv="Utbildning: Handledarskap i arbetsträning",
        title_en="Training: supervising work training",
        organiser=REGION,
        kind=EventKind.TRAINING,
        day=16,
        time=(9, 0),
        hours=7,
        audience=Audience.NETWORK,
        capacity=3,
        place_name="Regionhuset, konferensrum Kallax",
        street_address="Robertsviksgatan 7, Luleå",
        kommunkod="2580",
        description_sv="Heldagsutbildning för handledare på ASF och arbetsplatser som tar emot arbetsträning.",
        description_en="A full-day training for supervisors at ASF and workplaces that take work trainees.",
        online_url="https://meet.example.se/handledarskap",
        members=(ASF, OFFICER, BUSINESS, COORDINATOR),
    ),
    DemoEvent(
        title_sv="Marknadsdialog: städ- och fastighetstjänster i Piteå",
        title_en="Market dialogue: cleaning and property services in Piteå",
        organiser=PITEA_KOMMUN,
        kind=EventKind.MARKET_DIALOGUE,
        day=29,
        time=(13, 30),
        hours=2.5,
        capacity=30,
        place_name="Piteå stadshus, sessionssalen",
        street_address="Svartuddsvägen 1, Piteå",
        kommunkod="2581",
        description_sv="Piteå kommun berättar om kommande upphandlingar av städ- och fastighetstjänster, med "
        "möjlighet till reserverade kontrakt enligt LOU 4 kap. 18 §. Frågor och dialog.",
        description_en="Piteå municipality presents coming procurements of cleaning and property services, "
        "including reserved contracts. Questions and dialogue.",
        members=(ASF, BUSINESS),
        guests=(0, 2, 4),
        pending_guests=(6,),
        dietary={0: "Vegetarisk", 4: "Glutenfri"},
    ),
    DemoEvent(
        title_sv="Avstämning med inbjudna ASF: upphandling 2027",
        title_en="Meeting with invited ASF: procurement 2027",
        organiser=LULEA_KOMMUN,
        kind=EventKind.OTHER,
        day=37,
        time=(10, 0),
        hours=1.5,
        audience=Audience.INVITED,
        capacity=10,
        place_name="Luleå stadshus, rum 3",
        street_address="Rådhustorget 2, Luleå",
        kommunkod="2580",
        description_sv="Avstämning med ASF som kan lämna anbud på kommunens kommande ramavtal.",
        description_en="A meeting with ASF that may tender for the municipality's coming framework agreements.",
        invited=(RETUREN, CAFE_KVARNEN),
        members=(ASF,),
    ),
    DemoEvent(
        title_sv="Frukostmöte med näringslivet",
        title_en="Breakfast meeting with businesses",
        organiser=FASTIGHETSSERVICE,
        kind=EventKind.NETWORK_MEETING,
        day=13,
        time=(7, 30),
        hours=1.5,
        capacity=25,
        place_name="Norrbottens Fastighetsservice, lunchrummet",
        street_address="Industrivägen 4, Luleå",
        kommunkod="2580",
        description_sv="Inställt på grund av sjukdom. Ett nytt datum kommer.",
        description_en="Cancelled because of illness. A new date will follow.",
        status=EventStatus.CANCELLED,
        members=(ASF,),
    ),
    DemoEvent(
        title_sv="Nätverksträff i Älvsbyn",
        title_en="Network meeting in Älvsbyn",
        organiser=SNICKERIET,
        kind=EventKind.NETWORK_MEETING,
        day=58,
        time=(14, 0),
        hours=2,
        place_name="Snickeriet Älvsbyn",
        kommunkod="2560",
        description_sv="Utkast: program och lokal bekräftas.",
        status=EventStatus.DRAFT,
    ),
]


def _anchor(now: dt.datetime) -> dt.date:
    today = timezone.localtime(now, STOCKHOLM).date()
    return today - dt.timedelta(days=today.weekday())


def _token_hash() -> str:
    return services.hash_token(secrets.token_urlsafe(24))


def _guest_email(name: str) -> str:
    plain = name.lower().replace(" ", ".").translate(str.maketrans("åäöé", "aaoe"))
    return f"{plain}@example.se"


def _organisation(orgnr: str) -> Organisation | None:
    return Organisation.objects.filter(orgnr=normalise_orgnr(orgnr)).first()


def _register(event: Event, spec: DemoEvent, now: dt.datetime) -> int:
    past = event.end < now
    people: list[dict[str, Any]] = []
    for email in spec.members:
        user = User.objects.filter(email=email).first()
        membership = Membership.objects.filter(user=user).select_related("organisation").first() if user else None
        if membership is None:
            continue
        people.append(
            {
                "user": user,
                "organisation": membership.organisation,
                "organisation_kind": membership.organisation.kind,
                "language": user.preferred_language,
            }
        )
    for index in spec.guests:
        name = GUESTS[index]
        people.append(
            {
                "guest_name": name,
                "guest_email": _guest_email(name),
                "dietary_needs": spec.dietary.get(index, ""),
            }
        )
    created = 0
    for position, person in enumerate(people):
        full = spec.capacity is not None and position >= spec.capacity
        status = RegistrationStatus.WAITLISTED if full else RegistrationStatus.CONFIRMED
        if spec.status == EventStatus.CANCELLED:
            status = RegistrationStatus.CANCELLED
        attendance = Attendance.UNKNOWN
        checked_in_at = None
        if past and status == RegistrationStatus.CONFIRMED:
            attendance = [Attendance.PRESENT, Attendance.PRESENT, Attendance.PRESENT, Attendance.ABSENT][position % 4]
            if position == 5:
                attendance = Attendance.EXCUSED
            if attendance == Attendance.PRESENT and position % 2 == 0:
                checked_in_at = event.start + dt.timedelta(minutes=5 + position)
        registration = Registration(
            event=event,
            status=status,
            attendance=attendance,
            checked_in_at=checked_in_at,
            token_hash=_token_hash(),
            cancelled_at=now if status == RegistrationStatus.CANCELLED else None,
            **person,
        )
        registration.full_clean()
        registration.save()
        created += 1
    for index in spec.pending_guests:
        name = GUESTS[index]
        Registration.objects.create(
            event=event,
            guest_name=name,
            guest_email=_guest_email(name),
            status=RegistrationStatus.PENDING,
            token_hash=_token_hash(),
        )
        created += 1
    return created


def seed_events(stdout: Any) -> None:
    """Create the demo season (see the module docstring). `stdout` is the command's output stream."""
    now = timezone.now()
    monday = _anchor(now)
    made = kept = registrations = purged = 0
    with transaction.atomic():
        for spec in SEASON:
            organiser = _organisation(spec.organiser)
            if organiser is None:
                continue
            day = monday + dt.timedelta(days=spec.day)
            start = dt.datetime.combine(day, dt.time(*spec.time), tzinfo=STOCKHOLM)
            end = start + dt.timedelta(hours=spec.hours)
            if Event.objects.filter(title_sv=spec.title_sv, start=start).exists():
                kept += 1
                continue
            series = None
            if spec.series:
                series, _ = EventSeries.objects.get_or_create(organiser=organiser, name=SERIES_NAME)
            event = Event(
                organiser=organiser,
                series=series,
                kind=spec.kind,
                title_sv=spec.title_sv,
                title_en=spec.title_en,
                description_sv=spec.description_sv,
                description_en=spec.description_en,
                start=start,
                end=end,
                place_name=spec.place_name,
                street_address=spec.street_address,
                kommunkod=spec.kommunkod,
                venue_accessibility=spec.venue_accessibility,
                online_url=spec.online_url,
                audience=spec.audience,
                capacity=spec.capacity,
                status=spec.status,
                sequence=1 if spec.status != EventStatus.DRAFT else 0,
            )
            event.full_clean()
            event.save()
            if spec.invited:
                event.invited_organisations.set([o for o in map(_organisation, spec.invited) if o is not None])
            registrations += _register(event, spec, now)
            if event.purge_due_at <= now:
                purged += services.event_purge_personal_data(event=event, now=now)
            made += 1
    stdout.write(
        f"Demo events ready: {made} created ({registrations} registrations, {purged} purged after retention), "
        f"{kept} already there."
    )
