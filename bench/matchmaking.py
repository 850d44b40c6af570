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

This module is the harness, without Django (options, database, environment, the table, the results file, with
bench/harness.py); what needs Django — the seed, the need, the timing — is bench/measure_matchmaking.py, which
main() imports once Django is set up.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Sequence
from typing import Any

from bench.harness import (
    ROOT,
    add_output_arguments,
    results_header,
    start_bench,
)
from bench.load import progress_log

RESULTS = ROOT / "bench-results" / "matchmaking.json"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/asfnet_bench_mm"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"  # cache on 12, broker on 13

_log = progress_log("bench-mm")


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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], prog="python -m bench.matchmaking")
    parser.add_argument("--opportunities", type=int, default=10_000, help="open opportunities to seed (10000)")
    parser.add_argument("--repeats", type=int, default=30, help="timed rounds per case (30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed rounds first (3)")
    add_output_arguments(parser, RESULTS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # Production settings (DEBUG off: on, it would keep every query in memory); they need a shared cache.
    started = start_bench(
        database=("BENCH_MM_DATABASE_URL", DEFAULT_DATABASE_URL), redis=("BENCH_REDIS_URL", DEFAULT_REDIS_URL), log=_log
    )
    pg_version, db_name = started.pg_version, started.database
    from bench import django_steps, measure_matchmaking  # after start_bench: see bench/harness.py

    migrate_s = django_steps.migrate(_log)
    _log(f"seeding {args.opportunities:,} open opportunities")
    seeded = measure_matchmaking.seed(args.opportunities, rng=random.Random(args.seed))
    _log(f"seeded: {seeded}")
    need = measure_matchmaking.make_need()
    _log(f"timing: {args.warmup} warm-up + {args.repeats} rounds per case, interleaved")
    measured = measure_matchmaking.measure(need, repeats=args.repeats, warmup=args.warmup)
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
