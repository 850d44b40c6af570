"""Events benchmark — the calendar issue's "Measure" section:

    Calendar page with 5,000 events and 50,000 registrations: requests/second next to the bare view;
    last-seat race with 50 concurrent requests: exactly `capacity` registered.

1. Drops and creates a PostgreSQL database of its own (BENCH_EV_DATABASE_URL, default
   postgres://postgres@127.0.0.1:5432/asfnet_bench_ev), migrates it and seeds, with bulk_create, a few hundred
   published organisations, members for them, N (5,000) published events (organisers spread over the
   organisations, public/network/invited audiences, past and upcoming, municipalities from the directory's
   Municipality table) and M (50,000) registrations — members (one active registration per member and event)
   and guests (one per e-mail and event), every token_hash from `secrets`.
2. Starts gunicorn (2 sync workers, DEBUG off, Redis databases 8 and 9, the benchmark-only endpoints of
   asfnet/bench_urls.py on) and, for the calendar page `/events/` (anonymous: upcoming public events, 20 per
   page) and the bare indexed-query view `/bench/orgnr/<orgnr>/` of bench/run.py in the same run, warms up
   and runs the closed-loop Python client of bench/load.py (req/s, p50/p90/p95/p99, server CPU per request).
3. The last-seat race: one upcoming public event with capacity 10, 50 members of 50 organisations, 50 threads
   (each with its own database connection, closed afterwards) released together by a barrier, each calling
   `events.services.registration_create`. Reports how many ended CONFIRMED (must equal the capacity) and
   WAITLISTED, failures, and the wall time.
4. Prints a table and writes bench-results/events.json.

Run: `.venv/bin/python -m bench.events [--events 5000] [--registrations 50000] [--duration 10]`. Nothing here
asserts on timings; the race's count is checked and the exit status is 1 when it is wrong. The bench
database is left for inspection; the next run drops and recreates it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.load import CpuMeter, LoadResult, fetch, percentile, progress_log

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench-results" / "events.json"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/asfnet_bench_ev"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/8"  # cache on 8, broker on 9 (bench/run.py uses 6 and 7)

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


_log = progress_log("bench-ev")


# --- Seeding --------------------------------------------------------------------------------------------------
def seed(*, events: int, registrations: int, organisations: int, users: int, rng: random.Random) -> dict[str, Any]:
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.matchmaking import MUNICIPALITY_WEIGHTS
    from directory.factories import OrganisationFactory, make_orgnr
    from directory.models import Membership, Municipality, Organisation, OrganisationKind
    from events.factories import EventFactory, new_token_hash
    from events.models import Attendance, Event, Registration, RegistrationStatus
    from kernel.factories import UserFactory
    from kernel.models import User

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
    from django.db import connection, connections

    from directory.access import actor_for
    from directory.factories import MembershipFactory, OrganisationFactory, make_orgnr
    from events import services
    from events.factories import EventFactory
    from events.models import Event, Registration, RegistrationStatus
    from kernel.factories import UserFactory
    from kernel.models import User

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


# --- Main -----------------------------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    from bench.run import add_load_arguments, add_output_arguments

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], prog="python -m bench.events")
    parser.add_argument("--events", type=int, default=5_000, help="published events to seed (5000)")
    parser.add_argument("--registrations", type=int, default=50_000, help="registrations to seed (50000)")
    parser.add_argument("--organisations", type=int, default=300, help="organisations to seed (300)")
    parser.add_argument("--members", type=int, default=3_000, help="member users to seed (3000)")
    add_load_arguments(parser, duration=10)
    parser.add_argument("--capacity", type=int, default=10, help="places at the raced event (10)")
    parser.add_argument("--racers", type=int, default=50, help="concurrent registration attempts (50)")
    add_output_arguments(parser, RESULTS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    from bench.run import (
        bench_database,
        load_url,
        migrate,
        results_header,
        start_bench,
        start_gunicorn,
        stop_process,
        table,
    )

    database_url, db_name = bench_database("BENCH_EV_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("BENCH_EV_REDIS_URL") or DEFAULT_REDIS_URL
    began = time.perf_counter()
    pg_version, env, redis_dbs = start_bench(database_url, redis_url, log=_log)

    import redis
    from django.core.management import call_command

    results = results_header(
        "events",
        pg_version,
        {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
        | {"database": db_name, "gunicorn_worker_class": "sync", "database_left_for_inspection": True},
        question="Calendar page with 5,000 events and 50,000 registrations: requests/second next to the bare "
        "view; last-seat race with 50 concurrent requests: exactly `capacity` registered",
    )
    results["migrate_s"] = migrate(_log)
    _log(f"seeding {args.events:,} events and {args.registrations:,} registrations")
    results["seed"] = seed(
        events=args.events,
        registrations=args.registrations,
        organisations=args.organisations,
        users=args.members,
        rng=random.Random(args.seed),
    )
    _log(f"seeded: {results['seed']}")
    _log("collectstatic (DEBUG off serves the hashed files)")
    call_command("collectstatic", interactive=False, verbosity=0)

    from directory.access import ANONYMOUS
    from directory.models import Organisation
    from events.models import Event

    orgnr = Organisation.objects.filter(published=True).values_list("orgnr", flat=True).first()
    first_upcoming = Event.objects.visible_to(ANONYMOUS).upcoming().order_by("start", "pk").first()
    endpoints = [
        ("calendar /events/ (anonymous)", "/events/"),
        ("ceiling: bare indexed query (JSON)", f"/bench/orgnr/{orgnr}/"),
    ]
    load_results: list[LoadResult] = []
    server = None
    log_path = args.output.parent / "gunicorn-events.log"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    try:
        server, port = start_gunicorn(env=env, workers=args.workers, log_path=log_path, log=_log)
        status, body = fetch(port, "/events/")
        if status != 200 or (first_upcoming and str(first_upcoming.code).encode() not in body):
            raise SystemExit(f"calendar page: status {status}, first upcoming event not on the page")
        results["calendar_rows_on_page"] = body.count(b'href="/events/') if body else 0
        results["calendar_bytes"] = len(body)
        status, body = fetch(port, endpoints[1][1])
        if status != 200:
            raise SystemExit(f"bare indexed query: status {status} {body[:200]!r}")
        meter = CpuMeter(server.pid, db_name)
        for name, path in endpoints:
            load_results.append(load_url(meter, args, name=name, port=port, path=path, log=_log))
    finally:
        stop_process(server)
        _log("gunicorn stopped")
    results["http"] = [r.as_record() for r in load_results]

    _log(f"last-seat race: capacity {args.capacity}, {args.racers} concurrent registrations")
    results["race"] = last_seat_race(capacity=args.capacity, racers=args.racers)
    for url in redis_dbs:
        redis.Redis.from_url(url).flushdb()
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["total_s"] = round(time.perf_counter() - began, 1)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")

    env_info = results["environment"]
    seeded = results["seed"]
    print()
    print(
        f"Events benchmark, {results['date']} — {env_info['cpu_count']} CPUs, Python {env_info['python']}, "
        f"PostgreSQL {env_info['postgresql']}, {args.workers} sync workers, load average at start "
        f"{env_info['load_average_at_start'][0]}, at end {results['load_average_at_end'][0]}"
    )
    print(
        f"Seed: {seeded['events']:,} events ({seeded['events_upcoming']:,} upcoming), "
        f"{seeded['registrations']:,} registrations ({seeded['guest_registrations']:,} guests) in "
        f"{seeded['insert_s']} s"
    )
    print(f"HTTP: {args.concurrency} concurrent connections, {args.duration} s per endpoint")
    print(table(load_results, client_column=False))
    if len(load_results) == 2 and load_results[1].rps:
        print(f"  calendar runs at {load_results[0].rps / load_results[1].rps:.0%} of the bare indexed query")
    race = results["race"]
    print(
        f"Last-seat race: capacity {race['capacity']}, {race['attempts']} concurrent attempts → "
        f"{race['confirmed']} CONFIRMED, {race['waitlisted']} WAITLISTED, {race['errors']} errors, "
        f"wall {race['wall_s']} s (per attempt p50 {race['per_attempt_ms']['p50']} ms, "
        f"p95 {race['per_attempt_ms']['p95']} ms) — "
        + ("exactly capacity" if race["exactly_capacity_confirmed"] else "WRONG: not exactly capacity")
    )
    print(f"Results: {args.output}; total {results['total_s']} s")
    return 0 if race["exactly_capacity_confirmed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
