"""The events benchmark's measurements (bench/events.py): what needs Django. Seeding organisations, members,
events and registrations through the factories with bulk_create, the calendar's expected first event, and the
last-seat race through events.services.registration_create.

Imported once by bench/events.py's main() after django.setup() (bench/harness.py: start_bench), so every import
is here at the top. The server, the load and the table are bench/events.py's and bench/harness.py's.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from collections import Counter
from typing import Any

from django.db import connection, connections, transaction
from django.utils import timezone

from bench.load import percentile
from bench.measure_matchmaking import MUNICIPALITY_WEIGHTS
from directory.access import ANONYMOUS, actor_for
from directory.factories import MembershipFactory, OrganisationFactory, make_orgnr
from directory.models import Membership, Municipality, Organisation, OrganisationKind
from events import services
from events.factories import EventFactory, new_token_hash
from events.models import Attendance, Event, Registration, RegistrationStatus
from kernel.factories import UserFactory
from kernel.models import User

KINDS = ["network_meeting", "study_visit", "training", "workshop", "market_dialogue", "other"]
AUDIENCES = {"public": 60, "network": 30, "invited": 10}
TITLES = [
    "Nätverksträff",
    "Studiebesök",
    "Utbildning i arbetsträning",
    "Workshop om handledarskap",
    "Marknadsdialog",
    "Frukostmöte",
    "Temadag om återbruk",
    "Upphandling med sociala hänsyn",
]


# --- Seeding --------------------------------------------------------------------------------------------------
def seed(*, events: int, registrations: int, organisations: int, users: int, rng: random.Random) -> dict[str, Any]:
    started = time.perf_counter()
    # Norrbotten's municipalities (county 25), as before the reference held all of Sweden's.
    municipalities = list(Municipality.objects.filter(county_code="25").values_list("code", flat=True))
    weights = [MUNICIPALITY_WEIGHTS.get(code, 1) for code in municipalities]
    kinds = [OrganisationKind.ASF] * 6 + [OrganisationKind.MUNICIPALITY, OrganisationKind.BUSINESS]
    orgs = [
        OrganisationFactory.build(
            name=f"Bench-organisation {n}",
            kind=rng.choice(kinds),
            orgnr=make_orgnr("802", 200_000 + n),
            kommunkod=rng.choices(municipalities, weights)[0],
        )
        for n in range(organisations)
    ]
    people = [
        UserFactory.build(email=f"bench-member-{n}@example.org", full_name=f"Medlem {n}", password=None)
        for n in range(users)
    ]
    now = timezone.now()
    with transaction.atomic():
        Organisation.objects.bulk_create(orgs, batch_size=2000)
        User.objects.bulk_create(people, batch_size=2000)
        org_of = {person.pk: orgs[n % len(orgs)] for n, person in enumerate(people)}
        Membership.objects.bulk_create(
            [Membership(user_id=pk, organisation_id=org.pk) for pk, org in org_of.items()], batch_size=5000
        )
        rows = []
        for i in range(events):
            start = now + dt.timedelta(days=rng.uniform(-365, 365))
            start = start.replace(minute=0, second=0, microsecond=0)
            end = start + dt.timedelta(hours=rng.choice([1, 2, 3, 6]))
            online = rng.random() < 0.3
            rows.append(
                EventFactory.build(
                    organiser=rng.choice(orgs),
                    forbund=None,  # national events (the factory would build an unsaved förbund)
                    kind=rng.choice(KINDS),
                    title_sv=f"{rng.choice(TITLES)} #{i}",
                    title_en="",
                    description_sv="Välkommen! Fika serveras. Lokalen är tillgänglig med rullstol.",
                    description_en="",
                    start=start,
                    end=end,
                    place_name="" if online else "Folkets hus",
                    street_address="",
                    online_url="https://meet.example.org/bench" if online else "",
                    kommunkod=rng.choices(municipalities, weights)[0],
                    audience=rng.choices(list(AUDIENCES), list(AUDIENCES.values()))[0],
                    capacity=rng.choice([None, 30, 50, 100, 200]),
                )
            )
        for sample in rows[:: max(1, events // 200)]:  # seed data is valid data: check a spread sample
            sample.full_clean(exclude=["organiser"])
        Event.objects.bulk_create(rows, batch_size=2000)
        invited = Event.invited_organisations.through
        invited.objects.bulk_create(
            [
                invited(event_id=event.pk, organisation_id=org.pk)
                for event in rows
                if event.audience == "invited"
                for org in rng.sample(orgs, 3)
            ],
            batch_size=5000,
        )
        # Registrations: spread over events (weighted: some events are popular), members or guests.
        per_event = Counter(rng.choices(range(len(rows)), [rng.uniform(0.2, 2.0) for _ in rows], k=registrations))
        regs = []
        for index, count in per_event.items():
            event = rows[index]
            members = rng.sample(people, min(count, int(count * 0.8) + 1, len(people)))
            guests = count - len(members)
            held = 0
            past = event.end < now
            for person in members:
                holds = event.capacity is None or held < event.capacity
                status = RegistrationStatus.CONFIRMED if holds else RegistrationStatus.WAITLISTED
                if rng.random() < 0.05:
                    status = RegistrationStatus.CANCELLED
                held += status == RegistrationStatus.CONFIRMED
                org = org_of[person.pk]
                regs.append(
                    Registration(
                        event=event,
                        user=person,
                        organisation=org,
                        organisation_kind=org.kind,
                        status=status,
                        registered_by=person,
                        attendance=rng.choice([Attendance.PRESENT, Attendance.ABSENT])
                        if past and status == RegistrationStatus.CONFIRMED
                        else Attendance.UNKNOWN,
                        token_hash=new_token_hash(),
                        cancelled_at=now if status == RegistrationStatus.CANCELLED else None,
                    )
                )
            for g in range(guests):
                holds = event.capacity is None or held < event.capacity
                status = RegistrationStatus.CONFIRMED if holds else RegistrationStatus.WAITLISTED
                held += status == RegistrationStatus.CONFIRMED
                regs.append(
                    Registration(
                        event=event,
                        guest_name=f"Gäst {g}",
                        guest_email=f"guest-{g}-{index}@example.net",
                        status=status,
                        token_hash=new_token_hash(),
                    )
                )
        for sample in regs[:: max(1, len(regs) // 200)]:
            sample.full_clean(exclude=["event", "user", "organisation", "registered_by"], validate_constraints=False)
        Registration.objects.bulk_create(regs, batch_size=5000)
    insert_s = time.perf_counter() - started
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {
        "organisations": len(orgs),
        "members": len(people),
        "events": len(rows),
        "events_upcoming": sum(e.end >= now for e in rows),
        "events_by_audience": dict(Counter(e.audience for e in rows)),
        "registrations": len(regs),
        "registrations_by_status": dict(Counter(str(r.status) for r in regs)),
        "guest_registrations": sum(r.user_id is None for r in regs),
        "insert_s": round(insert_s, 2),
        "vacuum_analyze_s": round(time.perf_counter() - began, 2),
    }


# --- The last-seat race ---------------------------------------------------------------------------------------
def last_seat_race(*, capacity: int, racers: int) -> dict[str, Any]:
    users = [
        MembershipFactory(
            user=UserFactory(email=f"race-{n}@example.org", full_name=f"Racer {n}", password=None, verified=False),
            organisation=OrganisationFactory(name=f"Race-ASF {n}", orgnr=make_orgnr("769", 300_000 + n)),
        ).user
        for n in range(racers)
    ]
    event = EventFactory(
        organiser=users[0].memberships.get().organisation,
        title_sv="Sista platsen",
        start_in=dt.timedelta(days=7),
        capacity=capacity,
    )
    event.full_clean()
    connection.close()  # the threads open their own; this one is not shared with them

    barrier = threading.Barrier(racers)
    outcomes: list[str] = [""] * racers
    durations: list[float] = [0.0] * racers

    def attempt(index: int) -> None:
        try:
            actor = actor_for(User.objects.get(pk=users[index].pk))
            mine = Event.objects.get(pk=event.pk)
            barrier.wait(30)
            began = time.perf_counter()
            try:
                registration = services.registration_create(actor=actor, event=mine)
                outcomes[index] = str(registration.status)
            except Exception as error:  # reported in the results, not hidden
                outcomes[index] = f"error: {error.__class__.__name__}: {error}"
            durations[index] = time.perf_counter() - began
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(racers)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    wall = time.perf_counter() - began
    counted = Counter(outcomes)
    in_db = Counter(Registration.objects.filter(event_id=event.pk).values_list("status", flat=True))
    confirmed = in_db.get(RegistrationStatus.CONFIRMED, 0)
    return {
        "capacity": capacity,
        "attempts": racers,
        "confirmed": confirmed,
        "waitlisted": in_db.get(RegistrationStatus.WAITLISTED, 0),
        "registrations_in_db": dict(in_db),
        "outcomes_returned": dict(counted),
        "errors": sum(n for k, n in counted.items() if k.startswith("error") or not k),
        "exactly_capacity_confirmed": confirmed == capacity,
        "wall_s": round(wall, 3),
        "per_attempt_ms": {
            "p50": round(percentile(durations, 50) * 1000, 1),
            "p95": round(percentile(durations, 95) * 1000, 1),
            "max": round(max(durations) * 1000, 1),
        },
    }


def calendar_check() -> tuple[str | None, str | None]:
    """The organisation number the bare ceiling looks up (a published organisation's) and the code of the
    first upcoming event the calendar shows an anonymous visitor (None when there is none)."""
    orgnr = Organisation.objects.filter(published=True).values_list("orgnr", flat=True).first()
    first_upcoming = Event.objects.visible_to(ANONYMOUS).upcoming().order_by("start", "pk").first()
    return orgnr, str(first_upcoming.code) if first_upcoming else None
