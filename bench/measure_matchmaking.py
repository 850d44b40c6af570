"""The matchmaking benchmark's measurements (bench/matchmaking.py): what needs Django. Seeding host
organisations and open opportunities through the factories with bulk_create, the one need, and the timing of
scoring.suggestions next to the bare SELECT of its candidates (matchmaking/scoring.py: SCORED_FIELDS).

Imported once by bench/matchmaking.py's main() after django.setup() (bench/harness.py), so every import is here
at the top. bench/measure_events.py seeds with the same municipality weights.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from directory.factories import OrganisationFactory, make_orgnr
from directory.models import Organisation, ServiceCategory
from matchmaking import scoring
from matchmaking.factories import NeedFactory, OpportunityFactory, ParticipantFactory
from matchmaking.models import Need, Opportunity

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


# --- Seeding --------------------------------------------------------------------------------------------------
def seed(count: int, *, rng: random.Random) -> dict[str, Any]:
    """Host organisations and `count` open opportunities, with bulk_create. Returns timings and counts."""
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
