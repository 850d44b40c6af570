"""Reports benchmark — the reports issue's "Measure" section:

    ESF+ report over 10,000 and 100,000 participants (+ outcomes): wall time next to a single hand-written SQL
    aggregate over the same rows in the same run, and peak memory of the worker at both sizes.

1. Drops and creates a PostgreSQL database of its own (BENCH_RP_DATABASE_URL, default
   postgres://postgres@127.0.0.1:5432/asfnet_bench_rp), migrates it and seeds, with bulk_create, one
   FundedProject, the Norrbotten municipalities as raising organisations, and participants valid by the model's
   rules (born before entry, exit on or after entry, months of unemployment only for the unemployed) with about
   1.5 labour-market events each (dated from entry to today, a quarter of them during participation;
   "improved" only for those employed at entry, with a criterion).
   First 10,000 participants, then 90,000 more (100,000).
2. At each size, interleaved over R rounds (median reported): `reports.indicators.esf_report(project, start,
   end)` for the whole project period, and a single hand-written SQL aggregate over the same participants
   (the output indicators' counts by status, age band, education, flags and gender in one SELECT … FILTER):
   the goal's ceiling. Beside it, not instead of it, a like-for-like hand-written statement (HAND_SQL_FULL:
   every participant cell of the report, the result indicators too, so the labour-market events as well),
   run like the report (JIT off, its work_mem); the run records whether its cells equal the report's.
3. At each size, the peak memory of the report task body: a fresh subprocess (so the sizes do not share a
   high-water mark) runs `reports.tasks.run_report.apply(args=[run_id])` on a queued ESF ReportRun with
   MEDIA_ROOT in a temporary directory (the CSV/XLSX/PDF files are written there) and reports its max RSS
   before and after (VmRSS / VmHWM of /proc/self/status) and the task's wall time.
4. Prints a table and writes bench-results/reports.json.

Run: `.venv/bin/python -m bench.reports [--sizes 10000 100000] [--repeats 3]`. Nothing here asserts on timings.
The bench database is left for inspection; the next run drops and recreates it.

This module is the harness, without Django (options, database, environment, the table, the results file, with
bench/harness.py); what needs Django — the seed, the timings, the queued run — is bench/measure_reports.py, and
the task subprocess's body is bench/measure_report_task.py; main() imports the one it needs once Django is set
up.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from collections.abc import Sequence

from bench.harness import (
    ROOT,
    add_output_arguments,
    results_header,
    setup_django,
    start_bench,
)
from bench.load import progress_log

RESULTS = ROOT / "bench-results" / "reports.json"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/asfnet_bench_rp"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"  # cache on 12, broker on 13

_log = progress_log("bench-rp")


# --- Main -----------------------------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], prog="python -m bench.reports")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="participants (10000 100000)")
    parser.add_argument("--repeats", type=int, default=3, help="timed rounds per size; the median is reported (3)")
    add_output_arguments(parser, RESULTS)
    parser.add_argument("--child-run", type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child_run is not None:
        setup_django()  # the parent's environment, inherited: the bench database and a temporary MEDIA_ROOT
        # The subprocess's one import after django.setup(): the task and its outputs, nothing of the seeding.
        from bench import measure_report_task

        return measure_report_task.child(args.child_run)
    # Production settings (DEBUG off: on, it would keep every query in memory) need a shared cache; the task
    # body still runs in-process (`apply`), which is what is measured.
    started = start_bench(
        database=("BENCH_RP_DATABASE_URL", DEFAULT_DATABASE_URL), redis=("BENCH_REDIS_URL", DEFAULT_REDIS_URL), log=_log
    )
    pg_version, db_name, child_env = started.pg_version, started.database, dict(os.environ)
    from bench import django_steps, measure_reports  # after start_bench: see bench/harness.py

    began = time.perf_counter()
    django_steps.migrate(_log)
    results = results_header(
        "reports",
        pg_version,
        {"sizes": args.sizes, "repeats": args.repeats, "seed": args.seed, "database": db_name},
        question="ESF+ report over 10,000 and 100,000 participants (+ outcomes): wall time next to a single "
        "hand-written SQL aggregate over the same rows in the same run, and peak memory of the worker",
    ) | {
        "period": [measure_reports.PERIOD[0].isoformat(), measure_reports.PERIOD[1].isoformat()],
        "hand_sql": " ".join(measure_reports.HAND_SQL.split()),
        "hand_sql_full": " ".join(measure_reports.HAND_SQL_FULL.split()),
        "sizes": [],
    }
    rng = random.Random(args.seed)
    project, orgs = measure_reports.setup_project()
    have = 0
    for size in sorted(args.sizes):
        _log(f"seeding participants {have:,} → {size:,}")
        seeded = measure_reports.seed_participants(project, orgs, start=have, count=size - have, rng=rng)
        have = size
        _log(f"seeded: {seeded}; timing esf_report and the hand-written SQL, {args.repeats} rounds")
        timed = measure_reports.time_report(project, repeats=args.repeats)
        _log(
            f"timed: {timed['esf_report_ms_median']} ms vs {timed['hand_sql_ms_median']} ms (like for like "
            f"{timed['hand_sql_full_ms_median']} ms, same cells: {timed['hand_sql_full_matches_report']}); "
            "task in a subprocess"
        )
        memory = measure_reports.measure_task_memory(project, env=child_env)
        _log(f"task: {memory}")
        results["sizes"].append(
            {
                "participants": size,
                "outcomes": measure_reports.outcomes(project),
                "seed": seeded,
                **timed,
                "task": memory,
            }
        )
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["total_s"] = round(time.perf_counter() - began, 1)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")

    env_info = results["environment"]
    print()
    print(
        f"Reports benchmark, {results['date']} — {env_info['cpu_count']} CPUs, Python {env_info['python']}, "
        f"PostgreSQL {env_info['postgresql']}, load average at start {env_info['load_average_at_start'][0]}, "
        f"at end {results['load_average_at_end'][0]}"
    )
    header = (
        f"{'participants':>12} {'outcomes':>9} {'esf_report ms':>14} {'hand SQL ms':>12} {'×':>6} "
        f"{'like-for-like ms':>17} {'×':>6} {'task s':>7} {'RSS before MiB':>15} {'RSS peak MiB':>13} {'status':>10}"
    )
    print(header)
    print("-" * len(header))
    for row in results["sizes"]:
        task = row["task"]
        print(
            f"{row['participants']:>12,} {row['outcomes']:>9,} {row['esf_report_ms_median']:>14} "
            f"{row['hand_sql_ms_median']:>12} {row['ratio']:>6} {row['hand_sql_full_ms_median']:>17} "
            f"{row['ratio_full']:>6} {task['task_s']:>7} {task['rss_before_mib']:>15} "
            f"{task['rss_peak_mib']:>13} {task['run_status']:>10}"
        )
    print("× : esf_report / hand SQL (the goal's ceiling: output indicators only, no events); like-for-like: one")
    print("hand-written statement with every participant cell of the report, results included (same cells: ", end="")
    print(", ".join(str(row["hand_sql_full_matches_report"]) for row in results["sizes"]) + ")")
    print(f"Results: {args.output}; total {results['total_s']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
