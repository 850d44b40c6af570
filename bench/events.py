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

This module is the harness, without Django (options, database, environment, gunicorn, the load, the table,
with bench/harness.py); what needs Django — the seed, the calendar's expected first event, the race — is
bench/measure_events.py, which main() imports once Django is set up.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from collections.abc import Sequence
from pathlib import Path

from bench import harness
from bench.load import CpuMeter, LoadResult, fetch, progress_log

RESULTS = harness.ROOT / "bench-results" / "events.json"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/asfnet_bench_ev"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/8"  # cache on 8, broker on 9 (bench/run.py uses 6 and 7)

_log = progress_log("bench-ev")


# --- Main -----------------------------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], prog="python -m bench.events")
    parser.add_argument("--events", type=int, default=5_000, help="published events to seed (5000)")
    parser.add_argument("--registrations", type=int, default=50_000, help="registrations to seed (50000)")
    parser.add_argument("--organisations", type=int, default=300, help="organisations to seed (300)")
    parser.add_argument("--members", type=int, default=3_000, help="member users to seed (3000)")
    harness.add_load_arguments(parser, duration=10)
    parser.add_argument("--capacity", type=int, default=10, help="places at the raced event (10)")
    parser.add_argument("--racers", type=int, default=50, help="concurrent registration attempts (50)")
    harness.add_output_arguments(parser, RESULTS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.perf_counter()
    started = harness.start_bench(
        database=("BENCH_EV_DATABASE_URL", DEFAULT_DATABASE_URL),
        redis=("BENCH_EV_REDIS_URL", DEFAULT_REDIS_URL),
        log=_log,
    )
    pg_version, env, redis_dbs, db_name = started.pg_version, started.env, started.redis_dbs, started.database
    from bench import django_steps, measure_events  # after start_bench: see bench/harness.py

    results = harness.results_header(
        "events",
        pg_version,
        {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
        | {"database": db_name, "gunicorn_worker_class": "sync", "database_left_for_inspection": True},
        question="Calendar page with 5,000 events and 50,000 registrations: requests/second next to the bare "
        "view; last-seat race with 50 concurrent requests: exactly `capacity` registered",
    )
    results["migrate_s"] = django_steps.migrate(_log)
    _log(f"seeding {args.events:,} events and {args.registrations:,} registrations")
    results["seed"] = measure_events.seed(
        events=args.events,
        registrations=args.registrations,
        organisations=args.organisations,
        users=args.members,
        rng=random.Random(args.seed),
    )
    _log(f"seeded: {results['seed']}")
    django_steps.collectstatic(_log)

    orgnr, first_upcoming = measure_events.calendar_check()
    endpoints = [
        ("calendar /events/ (anonymous)", "/events/"),
        ("ceiling: bare indexed query (JSON)", f"/bench/orgnr/{orgnr}/"),
    ]
    load_results: list[LoadResult] = []
    server = None
    log_path = args.output.parent / "gunicorn-events.log"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    try:
        server, port = harness.start_gunicorn(env=env, workers=args.workers, log_path=log_path, log=_log)
        status, body = fetch(port, "/events/")
        if status != 200 or (first_upcoming and first_upcoming.encode() not in body):
            raise SystemExit(f"calendar page: status {status}, first upcoming event not on the page")
        results["calendar_rows_on_page"] = body.count(b'href="/events/') if body else 0
        results["calendar_bytes"] = len(body)
        status, body = fetch(port, endpoints[1][1])
        if status != 200:
            raise SystemExit(f"bare indexed query: status {status} {body[:200]!r}")
        meter = CpuMeter(server.pid, db_name)
        for name, path in endpoints:
            load_results.append(harness.load_url(meter, args, name=name, port=port, path=path, log=_log))
    finally:
        harness.stop_process(server)
        _log("gunicorn stopped")
    results["http"] = [r.as_record() for r in load_results]

    _log(f"last-seat race: capacity {args.capacity}, {args.racers} concurrent registrations")
    results["race"] = measure_events.last_seat_race(capacity=args.capacity, racers=args.racers)
    harness.flush_redis(redis_dbs)
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
    print(harness.table(load_results, client_column=False))
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
