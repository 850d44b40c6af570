"""Matchmaking benchmark — the matchmaking issue's "Measure" section:

    Suggestions for one need over 10,000 open opportunities: time next to a bare SELECT of the pre-filtered
    candidates in the same run.

1. Drops and creates a PostgreSQL database of its own (BENCH_MM_DATABASE_URL, default
   postgres://postgres@127.0.0.1:5432/asfnet_bench_mm), migrates it and seeds, with bulk_create, a few hundred
   host organisations and N (10,000) open placement opportunities spread over Norrbotten's municipalities
   (weighted by population), kinds of work, occupational fields, times of day, hours, adaptations and start
   dates — every one of them open: published, places left, refreshed within OPPORTUNITY_REFRESH_WEEKS.
2. Creates one need: a participant in Luleå who can travel 60 km (Luleå, Boden, Piteå are reachable), two kinds
   of work, two occupational fields, mornings, 20 h/week, a supervisor, two adaptations, starting today.
3. Times, interleaved over R repeats after W warm-up rounds, in the same process and database:
   * `scoring.suggestions(need)` — what the page calls: the SQL pre-filter, every candidate scored in Python
     with its reasons, sorted, the top 20 kept;
   * the bare SELECT: `list(scoring.candidates(need).values_list(...))` of the same pre-filtered rows and the
     columns scoring reads — the floor that any implementation has to pay to read the candidates;
   * for reference, `list(scoring.candidates(need))` — the same rows as model instances (with the
     organisation and service joined), i.e. the ORM's share of the difference.
4. Prints a table (p50, mean, min, max in ms; the ratio to the bare SELECT) and writes
   bench-results/matchmaking.json with the figures, the candidate count, the query plan's first line and the
   environment.

Run: `.venv/bin/python -m bench.matchmaking [--opportunities 10000] [--repeats 30] [--warmup 3]`. Nothing here
asserts on timings. The bench database is left for inspection (`psql asfnet_bench_mm`); the next run drops
and recreates it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.load import progress_log

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench-results" / "matchmaking.json"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/asfnet_bench_mm"

# Municipality → weight (≈ population share in Norrbotten). The need below lives in Luleå (2580).
MUNICIPALITY_WEIGHTS = {
    "2580": 32,  # Luleå
    "2581": 18,  # Piteå
    "2582": 12,  # Boden
    "2584": 10,  # Kiruna
    "2523": 7,  # Gällivare
    "2514": 7,  # Kalix
    "2560": 3,  # Älvsbyn
    "2583": 4,  # Haparanda
    "2510": 2,  # Jokkmokk
    "2521": 2,  # Pajala
    "2505": 1,  # Arvidsjaur
    "2506": 1,  # Arjeplog
    "2513": 1,  # Överkalix
    "2518": 1,  # Övertorneå
}
OCCUPATIONS = ["5120", "9111", "9112", "5223", "7115", "9412", "8331", "6113", "5321", "9621", "4321", "5153"]
TYPES = ["arbetstraning", "praktik", "anstallning_med_stod", "lonestod", "extratjanst", "nystartsjobb", "other"]
TIMES = ["mornings", "afternoons", "full_days"]
ADAPTATIONS = ["calm", "physical", "short_days", "clear_instructions", "language", "transport"]
TITLES = [
    "Arbetsträning i caféet",
    "Praktik i second hand-butiken",
    "Lagerarbete och sortering",
    "Städ och lokalvård",
    "Trädgård och utemiljö",
    "Snickeri och reparationer",
    "Kök och catering",
    "Tvätteri",
    "Fastighetsskötsel",
    "Montering och packning",
]


_log = progress_log("bench-mm")


# --- Seeding --------------------------------------------------------------------------------------------------
def seed(count: int, *, rng: random.Random) -> dict[str, Any]:
    """Host organisations and `count` open opportunities, with bulk_create. Returns timings and counts."""
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from directory.factories import OrganisationFactory, make_orgnr
    from directory.models import Organisation, ServiceCategory
    from matchmaking.factories import OpportunityFactory
    from matchmaking.models import Opportunity

    started = time.perf_counter()
    codes = list(MUNICIPALITY_WEIGHTS)
    weights = list(MUNICIPALITY_WEIGHTS.values())
    categories = list(ServiceCategory.objects.all())
    hosts_per_municipality = max(1, count // 40 // len(codes))
    organisations = [
        OrganisationFactory.build(
            name=f"Bench-ASF {code}-{i}", orgnr=make_orgnr("769", n), kommunkod=code, takes_placements=True
        )
        for n, (code, i) in enumerate((c, i) for c in codes for i in range(hosts_per_municipality))
    ]
    now = timezone.now()
    today = timezone.localdate()
    fresh_days = settings.OPPORTUNITY_REFRESH_WEEKS * 7 - 2
    with transaction.atomic():
        Organisation.objects.bulk_create(organisations, batch_size=2000)
        hosts: dict[str, list[Any]] = {}
        for org in organisations:
            hosts.setdefault(org.kommunkod_id, []).append(org)
        opportunities = []
        for i in range(count):
            municipality = rng.choices(codes, weights)[0]
            low = rng.choice([5, 10, 15, 20])
            high = min(40, low + rng.choice([5, 10, 20, 30]))
            total = rng.randint(1, 4)
            starts = today + dt.timedelta(days=rng.randint(-90, 60))
            ends = starts + dt.timedelta(days=rng.randint(120, 720)) if rng.random() < 0.3 else None
            if ends is not None and ends < today:
                ends = today + dt.timedelta(days=rng.randint(30, 365))
            opportunities.append(
                OpportunityFactory.build(
                    organisation=rng.choice(hosts[municipality]),
                    type=rng.choice(TYPES),
                    title=f"{rng.choice(TITLES)} #{i}",
                    description="Handledare finns på plats. Vi anpassar uppgifterna efter dig.",
                    service=rng.choice(categories) if rng.random() < 0.9 else None,
                    occupation_code=rng.choice(OCCUPATIONS) if rng.random() < 0.8 else "",
                    municipality=municipality,
                    hours_per_week_min=low,
                    hours_per_week_max=high,
                    times=sorted(rng.sample(TIMES, rng.randint(1, 2))),
                    places_total=total,
                    places_available=rng.randint(1, total),
                    adaptations=sorted(rng.sample(ADAPTATIONS, rng.randint(0, 3))),
                    supervisor_available=rng.random() < 0.6,
                    starts_on=starts,
                    ends_on=ends,
                    published=True,
                    refreshed_at=now - dt.timedelta(days=rng.uniform(0, fresh_days)),
                )
            )
        for sample in opportunities[:: max(1, count // 200)]:  # seed data is valid data: check a spread sample
            sample.full_clean(exclude=["organisation"])
        Opportunity.objects.bulk_create(opportunities, batch_size=2000)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE matchmaking_opportunity")
    return {
        "organisations": len(organisations),
        "opportunities": count,
        "open_opportunities": Opportunity.objects.open().count(),
        "seconds": round(time.perf_counter() - started, 2),
    }


def make_need() -> Any:
    """One need of a participant in Luleå, raised by Luleå kommun."""
    from matchmaking.factories import NeedFactory, ParticipantFactory
    from matchmaking.models import Need

    participant = ParticipantFactory(
        code="P-BENCH01",
        gender="woman",
        birth_date=dt.date(1997, 6, 15),
        entry_date=dt.date(2025, 1, 15),
        municipality="2580",
    )
    need = NeedFactory(
        participant=participant,
        occupation_codes=["9111", "5120"],
        times=["mornings"],
        municipality="2580",
        travel_km=60,
        adaptations=["calm", "clear_instructions"],
        earliest_start=dt.date.today(),
        services=["cafe-restaurang", "aterbruk"],
    )
    need.full_clean()
    return Need.objects.get(pk=need.pk)


# --- Timing -------------------------------------------------------------------------------------------------


def measure(need: Any, *, repeats: int, warmup: int) -> dict[str, Any]:
    from django.db import connection

    from matchmaking import scoring

    cases: dict[str, Callable[[], Any]] = {
        "suggestions(need), top 20": lambda: scoring.suggestions(need),
        "bare SELECT of the candidates (values_list)": lambda: list(
            scoring.candidates(need).values_list(*scoring.SCORED_FIELDS)
        ),
        "candidates as model instances": lambda: list(scoring.candidates(need)),
    }
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for round_ in range(warmup + repeats):
        for name, run in cases.items():  # interleaved, so drift (cache, CPU clock) hits every case alike
            started = time.perf_counter()
            run()
            elapsed = time.perf_counter() - started
            if round_ >= warmup:
                samples[name].append(elapsed * 1000)
    candidates = scoring.candidates(need)
    count = candidates.count()
    sql, params = candidates.values_list(*scoring.SCORED_FIELDS).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]
    top = scoring.suggestions(need)
    stats = {
        name: {
            "p50_ms": round(statistics.median(values), 2),
            "mean_ms": round(statistics.fmean(values), 2),
            "min_ms": round(min(values), 2),
            "max_ms": round(max(values), 2),
        }
        for name, values in samples.items()
    }
    floor = stats["bare SELECT of the candidates (values_list)"]["p50_ms"]
    for values in stats.values():
        values["x_bare_select_p50"] = round(values["p50_ms"] / floor, 2) if floor else None
    return {
        "candidates_after_prefilter": count,
        "reachable_municipalities": scoring.reachable_municipalities(need.municipality_id, need.travel_km),
        "top_score": top[0].score if top else None,
        "top_reasons": [r.text for r in top[0].reasons] if top else [],
        "query_plan": plan,
        "timings": stats,
    }


def table(results: dict[str, Any]) -> str:
    rows = [("case", "p50 ms", "mean ms", "min ms", "max ms", "× bare SELECT")]
    for name, s in results["timings"].items():
        rows.append(
            (
                name,
                f"{s['p50_ms']:.2f}",
                f"{s['mean_ms']:.2f}",
                f"{s['min_ms']:.2f}",
                f"{s['max_ms']:.2f}",
                f"{s['x_bare_select_p50']:.2f}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [cell.rjust(widths[i]) for i, cell in enumerate(row) if i]
        lines.append("  ".join(cells))
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


# --- Main -----------------------------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    from bench.run import add_output_arguments

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], prog="python -m bench.matchmaking")
    parser.add_argument("--opportunities", type=int, default=10_000, help="open opportunities to seed (10000)")
    parser.add_argument("--repeats", type=int, default=30, help="timed rounds per case (30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed rounds first (3)")
    add_output_arguments(parser, RESULTS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    from bench.run import bench_database, bench_environment, migrate, recreate_database, results_header

    database_url, db_name = bench_database("BENCH_MM_DATABASE_URL", DEFAULT_DATABASE_URL)
    _log(f"recreating database {db_name}")
    pg_version = recreate_database(database_url)
    # Production settings (DEBUG off: on, it would keep every query in memory); they need a shared cache.
    os.environ.update(
        bench_environment(
            database_url=database_url, redis_url=os.environ.get("BENCH_REDIS_URL") or "redis://127.0.0.1:6379/12"
        )
        | {"DB_POOL": "false", "DJANGO_SETTINGS_MODULE": "asfnet.settings"}
    )
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    migrate_s = migrate(_log)
    _log(f"seeding {args.opportunities:,} open opportunities")
    seeded = seed(args.opportunities, rng=random.Random(args.seed))
    _log(f"seeded: {seeded}")
    need = make_need()
    _log(f"timing: {args.warmup} warm-up + {args.repeats} rounds per case, interleaved")
    measured = measure(need, repeats=args.repeats, warmup=args.warmup)
    results = results_header(
        "matchmaking",
        pg_version,
        {
            "opportunities": args.opportunities,
            "repeats": args.repeats,
            "warmup": args.warmup,
            "seed": args.seed,
            "database": db_name,
            "database_left_for_inspection": True,
        },
        question="Suggestions for one need over 10,000 open opportunities, next to a bare SELECT of the "
        "pre-filtered candidates in the same run",
    ) | {
        "migrate_s": migrate_s,
        "seed": seeded,
        **measured,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print()
    print(
        f"{seeded['open_opportunities']:,} open opportunities; the need (Luleå, travels 60 km → "
        f"{', '.join(measured['reachable_municipalities'])}) leaves "
        f"{measured['candidates_after_prefilter']:,} candidates after the SQL pre-filter."
    )
    print(table(measured))
    print(f"Plan: {measured['query_plan'][0].strip()}")
    print(f"Results written to {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
