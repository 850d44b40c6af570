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
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.load import progress_log

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench-results" / "reports.json"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/asfnet_bench_rp"
PERIOD = (dt.date(2023, 1, 1), dt.date(2026, 12, 31))

HAND_SQL = """
SELECT count(*),
       count(*) FILTER (WHERE gender = 'woman'),
       count(*) FILTER (WHERE gender = 'man'),
       count(*) FILTER (WHERE gender = 'non_binary'),
       count(*) FILTER (WHERE status_at_entry = 'unemployed'),
       count(*) FILTER (WHERE status_at_entry = 'unemployed' AND unemployed_months > 6
                          AND age(entry_date, birth_date) < interval '25 years'),
       count(*) FILTER (WHERE status_at_entry = 'unemployed' AND unemployed_months > 12
                          AND age(entry_date, birth_date) >= interval '25 years'),
       count(*) FILTER (WHERE status_at_entry = 'inactive'),
       count(*) FILTER (WHERE status_at_entry = 'employed'),
       count(*) FILTER (WHERE age(entry_date, birth_date) < interval '18 years'),
       count(*) FILTER (WHERE age(entry_date, birth_date) >= interval '18 years'
                          AND age(entry_date, birth_date) < interval '30 years'),
       count(*) FILTER (WHERE age(entry_date, birth_date) >= interval '55 years'),
       count(*) FILTER (WHERE isced = '0-2'),
       count(*) FILTER (WHERE isced = '3-4'),
       count(*) FILTER (WHERE isced = '5-8'),
       count(*) FILTER (WHERE disability),
       count(*) FILTER (WHERE third_country_national),
       count(*) FILTER (WHERE foreign_background),
       count(*) FILTER (WHERE minority),
       count(*) FILTER (WHERE homeless),
       count(*) FILTER (WHERE rural)
  FROM matchmaking_participant
 WHERE project_id = %s AND entry_date BETWEEN %s AND %s
"""


# Like for like: every participant cell the report has (EECO01–EECO17, EECR01–EECR06) by gender, written as one
# would by hand from the definitions (the situation upon leaving and at S by DISTINCT ON), not by the report's
# code. A figure beside the goal: the goal stays against HAND_SQL.
HAND_SQL_FULL = """
WITH p AS MATERIALIZED (
    SELECT id, gender, status_at_entry, unemployed_months, isced, disability, third_country_national,
           foreign_background, minority, homeless, rural, entry_date, exit_date,
           date_part('year', age(entry_date, birth_date)) AS age,
           entry_date BETWEEN %(start)s AND %(end)s AS entered,
           exit_date BETWEEN %(start)s AND %(end)s AS exited,
           (exit_date + interval '6 months')::date BETWEEN %(start)s AND %(end)s AS followed,
           (exit_date + interval '6 months')::date AS six
      FROM matchmaking_participant
     WHERE project_id = %(project)s
),
e AS (
    SELECT e.participant_id, e.id, e.date, e.event, e.criterion, p.entry_date, p.exit_date, p.six, p.exited,
           p.followed
      FROM matchmaking_labourmarketevent e JOIN p ON p.id = e.participant_id
     WHERE p.exited OR p.followed
),
upon_leaving AS (
    SELECT DISTINCT ON (participant_id) participant_id, event
      FROM e
     WHERE exited AND event IN ('employed', 'self_employed', 'job_seeking', 'inactive')
       AND date BETWEEN entry_date AND exit_date + 28
     ORDER BY participant_id, date DESC, id DESC
),
at_six AS (
    SELECT DISTINCT ON (participant_id) participant_id, event
      FROM e
     WHERE followed AND event IN ('employed', 'self_employed', 'job_seeking', 'inactive')
       AND date BETWEEN six - 28 AND six + 28
     ORDER BY participant_id, date DESC, id DESC
),
milestones AS (
    SELECT participant_id,
           bool_or(exited AND event = 'education' AND date BETWEEN exit_date AND exit_date + 28) AS education,
           bool_or(exited AND event = 'qualification' AND date BETWEEN entry_date AND exit_date + 28)
               AS qualification,
           bool_or(followed AND event = 'improved'
                   AND criterion IN ('stable_contract', 'more_hours', 'higher_skilled', 'promotion')
                   AND date BETWEEN entry_date AND six + 28) AS improved
      FROM e
     WHERE event IN ('education', 'qualification', 'improved')
     GROUP BY participant_id
)
SELECT p.gender,
       count(*) FILTER (WHERE entered),
       count(*) FILTER (WHERE entered AND status_at_entry = 'unemployed'),
       count(*) FILTER (WHERE entered AND status_at_entry = 'unemployed'
                          AND unemployed_months > CASE WHEN age < 25 THEN 6 ELSE 12 END),
       count(*) FILTER (WHERE entered AND status_at_entry = 'inactive'),
       count(*) FILTER (WHERE entered AND status_at_entry = 'employed'),
       count(*) FILTER (WHERE entered AND age < 18),
       count(*) FILTER (WHERE entered AND age BETWEEN 18 AND 29),
       count(*) FILTER (WHERE entered AND age >= 55),
       count(*) FILTER (WHERE entered AND isced = '0-2'),
       count(*) FILTER (WHERE entered AND isced = '3-4'),
       count(*) FILTER (WHERE entered AND isced = '5-8'),
       count(*) FILTER (WHERE entered AND disability),
       count(*) FILTER (WHERE entered AND third_country_national),
       count(*) FILTER (WHERE entered AND foreign_background),
       count(*) FILTER (WHERE entered AND minority),
       count(*) FILTER (WHERE entered AND homeless),
       count(*) FILTER (WHERE entered AND rural),
       count(*) FILTER (WHERE exited AND l.event = 'job_seeking'),
       count(*) FILTER (WHERE exited AND m.education),
       count(*) FILTER (WHERE exited AND m.qualification),
       count(*) FILTER (WHERE exited AND l.event IN ('employed', 'self_employed')),
       count(*) FILTER (WHERE followed AND s.event IN ('employed', 'self_employed')),
       count(*) FILTER (WHERE followed AND status_at_entry = 'employed' AND m.improved
                          AND s.event IN ('employed', 'self_employed'))
  FROM p
  LEFT JOIN upon_leaving l ON l.participant_id = p.id
  LEFT JOIN at_six s ON s.participant_id = p.id
  LEFT JOIN milestones m ON m.participant_id = p.id
 WHERE entered OR exited OR followed
 GROUP BY p.gender
"""
HAND_SQL_FULL_CODES = [f"EECO{n:02d}" for n in range(1, 18)] + [f"EECR{n:02d}" for n in range(1, 7)]


_log = progress_log("bench-rp")


def _proc_status_mib(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process from /proc, in MiB. Unlike getrusage's ru_maxrss, which
    Linux carries across execve from the parent (the seeding process, holding its rows), VmHWM starts afresh
    with the new program."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)  # kB
    raise RuntimeError(f"{field} missing from /proc/self/status")


# --- Seeding --------------------------------------------------------------------------------------------------
def setup_project() -> tuple[Any, list[Any]]:
    from directory.factories import OrganisationFactory, make_orgnr
    from directory.models import Municipality, Organisation, OrganisationKind
    from matchmaking.factories import FundedProjectFactory

    project = FundedProjectFactory(starts_on=PERIOD[0], ends_on=PERIOD[1])
    project.full_clean()
    orgs = Organisation.objects.bulk_create(
        [
            OrganisationFactory.build(
                name=f"{m.name} kommun",
                kind=OrganisationKind.MUNICIPALITY,
                orgnr=make_orgnr("212", 100 + n),
                kommunkod=m.code,
            )
            # Norrbotten's municipalities (county 25), as before the reference held all of Sweden's.
            for n, m in enumerate(Municipality.objects.filter(county_code="25"))
        ]
    )
    return project, orgs


def seed_participants(project: Any, orgs: list[Any], *, start: int, count: int, rng: random.Random) -> dict[str, Any]:
    from django.db import connection, transaction

    from kernel import bulk
    from matchmaking.models import LabourMarketEvent, Participant

    situations = ["employed", "self_employed", "job_seeking", "education", "inactive"]
    criteria = ["stable_contract", "more_hours", "higher_skilled", "promotion"]
    today = dt.date.today()
    began = time.perf_counter()
    participants = []
    for i in range(start, start + count):
        entry = PERIOD[0] + dt.timedelta(days=rng.randint(0, (min(today, PERIOD[1]) - PERIOD[0]).days))
        status = rng.choices(["unemployed", "inactive", "employed"], [55, 25, 20])[0]
        exit_date = entry + dt.timedelta(days=rng.randint(30, 540)) if rng.random() < 0.7 else None
        org = rng.choice(orgs)
        participants.append(
            Participant(
                code=f"P-B{i:07d}",
                project=project,
                raised_by_organisation=org,
                gender=rng.choices(["woman", "man", "non_binary"], [48, 50, 2])[0],
                birth_date=entry - dt.timedelta(days=rng.randint(16 * 365, 64 * 365)),
                entry_date=entry,
                exit_date=exit_date,
                status_at_entry=status,
                unemployed_months=rng.randint(1, 60) if status == "unemployed" else None,
                isced=rng.choice(["0-2", "3-4", "5-8", ""]),
                disability=rng.random() < 0.2,
                third_country_national=rng.random() < 0.15,
                foreign_background=rng.random() < 0.3,
                minority=rng.random() < 0.05,
                homeless=rng.random() < 0.03,
                rural=rng.random() < 0.4,
                municipality_id=org.kommunkod_id,
            )
        )
    for sample in participants[:: max(1, count // 200)]:  # seed data is valid data: check a spread sample
        sample.full_clean(exclude=["project", "raised_by_organisation"], validate_unique=False)
    outcomes = 0
    with transaction.atomic():
        bulk.insert(Participant, participants)  # COPY: 300,000 rows in seconds
        rows = []
        for p in participants:
            for _ in range(rng.choices([0, 1, 2, 3], [15, 35, 35, 15])[0]):  # 1.5 on average
                if p.exit_date and rng.random() < 0.25:  # a quarter during participation (e.g. a job found)
                    date = p.entry_date + dt.timedelta(days=rng.randint(0, (p.exit_date - p.entry_date).days))
                else:  # at or after the exit (the follow-ups), or after the entry while still taking part
                    anchor = p.exit_date or p.entry_date
                    date = anchor + dt.timedelta(days=rng.randint(0 if p.exit_date else 1, 240))
                kinds = [*situations, "qualification"] + (["improved"] if p.status_at_entry == "employed" else [])
                event = rng.choice(kinds)
                rows.append(
                    LabourMarketEvent(
                        participant=p,
                        date=min(date, today),  # never in the future
                        event=event,
                        criterion=rng.choice(criteria) if event == "improved" else "",
                    )
                )
        for sample in rows[:: max(1, len(rows) // 200)]:
            sample.full_clean(exclude=["participant", "recorded_by"])
        bulk.insert(LabourMarketEvent, rows)
        outcomes = len(rows)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE matchmaking_participant")
        cursor.execute("VACUUM ANALYZE matchmaking_labourmarketevent")
    return {"participants_added": count, "outcomes_added": outcomes, "seconds": round(time.perf_counter() - began, 2)}


# --- Timing ---------------------------------------------------------------------------------------------------
def time_report(project: Any, *, repeats: int) -> dict[str, Any]:
    from django.db import connection

    from reports.indicators import esf_report, report_transaction

    start, end = PERIOD
    samples: dict[str, list[float]] = {"esf_report": [], "hand_sql": [], "hand_sql_full": []}
    report = hand = None
    full: list[tuple[Any, ...]] = []
    esf_report(project, start, end)  # one untimed round: plans, caches, imports
    for _ in range(repeats):
        began = time.perf_counter()
        report = esf_report(project, start, end)
        samples["esf_report"].append(time.perf_counter() - began)
        began = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(HAND_SQL, [project.pk, start, end])
            hand = cursor.fetchone()
        samples["hand_sql"].append(time.perf_counter() - began)
        began = time.perf_counter()
        with report_transaction(), connection.cursor() as cursor:  # as the report runs: JIT off, its work_mem
            cursor.execute(HAND_SQL_FULL, {"project": project.pk, "start": start, "end": end})
            full = cursor.fetchall()
        samples["hand_sql_full"].append(time.perf_counter() - began)
    ms = {name: round(statistics.median(values) * 1000, 1) for name, values in samples.items()}
    return {
        "esf_report_ms_median": ms["esf_report"],
        "hand_sql_ms_median": ms["hand_sql"],
        "esf_report_ms_all": [round(v * 1000, 1) for v in samples["esf_report"]],
        "hand_sql_ms_all": [round(v * 1000, 1) for v in samples["hand_sql"]],
        "ratio": round(ms["esf_report"] / ms["hand_sql"], 1) if ms["hand_sql"] else None,
        "hand_sql_full_ms_median": ms["hand_sql_full"],
        "hand_sql_full_ms_all": [round(v * 1000, 1) for v in samples["hand_sql_full"]],
        "ratio_full": round(ms["esf_report"] / ms["hand_sql_full"], 2) if ms["hand_sql_full"] else None,
        "hand_sql_full_matches_report": _same_cells(report.indicators, full) if report else None,
        "EECO01_report": report.indicators["EECO01"]["total"] if report else None,
        "EECO02_report": report.indicators["EECO02"]["total"] if report else None,
        "count_hand_sql": hand[0] if hand else None,
        "unemployed_hand_sql": hand[4] if hand else None,
    }


def _same_cells(indicators: dict[str, dict[str, int]], rows: list[tuple[Any, ...]]) -> bool:
    """Whether HAND_SQL_FULL's rows (gender, then one count per code of HAND_SQL_FULL_CODES) give the report's
    cells, every gender and the total."""
    cell_of = {"woman": "women", "man": "men", "non_binary": "non_binary"}
    cells = {code: dict.fromkeys(("women", "men", "non_binary", "total"), 0) for code in HAND_SQL_FULL_CODES}
    for gender, *counts in rows:
        for code, count in zip(HAND_SQL_FULL_CODES, counts, strict=True):
            cells[code]["total"] += count
            if gender in cell_of:
                cells[code][cell_of[gender]] += count
    return all(indicators[code] == cells[code] for code in HAND_SQL_FULL_CODES)


def measure_task_memory(project: Any, *, env: dict[str, str]) -> dict[str, Any]:
    """Queue an ESF run and execute the task body in a fresh Python process; returns its figures."""
    from reports.models import ReportKind, ReportRun, RunStatus

    run = ReportRun.objects.create(kind=ReportKind.ESF, project=project, period_from=PERIOD[0], period_to=PERIOD[1])
    with tempfile.TemporaryDirectory(prefix="bench-rp-media-") as media:
        completed = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "bench.reports", "--child-run", str(run.pk)],
            cwd=ROOT,
            env={**env, "MEDIA_ROOT": media},
            capture_output=True,
            text=True,
            timeout=600,
        )
    if completed.returncode != 0:
        raise SystemExit(f"task subprocess failed:\n{completed.stdout}\n{completed.stderr}")
    figures = json.loads(completed.stdout.strip().splitlines()[-1])
    run.refresh_from_db()
    figures["run_status"] = run.status
    figures["run_error"] = run.error
    figures["succeeded"] = run.status == RunStatus.SUCCEEDED
    return figures


def child(run_id: int) -> int:
    """In the subprocess: run the task body and print one JSON line with max RSS and wall time."""
    import django

    django.setup()
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    import reports.outputs  # imported before the baseline, like a warm worker
    from reports import tasks
    from reports.models import ReportFile

    with contextlib.suppress(ImportError, OSError):  # WeasyPrint: outputs.render_files logs when it is missing
        import reports.pdf  # noqa: F401

    before = _proc_status_mib("VmRSS")
    peak_before = _proc_status_mib("VmHWM")
    began = time.perf_counter()
    tasks.run_report.apply(args=[run_id])
    wall = time.perf_counter() - began
    files = dict(ReportFile.objects.filter(run_id=run_id).values_list("format", "size"))
    print(
        json.dumps(
            {
                "rss_before_mib": before,
                "hwm_before_mib": peak_before,
                "rss_peak_mib": _proc_status_mib("VmHWM"),
                "ru_maxrss_mib_incl_parent": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "task_s": round(wall, 2),
                "files": files,
            }
        )
    )
    return 0


# --- Main -----------------------------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    from bench.run import add_output_arguments

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], prog="python -m bench.reports")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="participants (10000 100000)")
    parser.add_argument("--repeats", type=int, default=3, help="timed rounds per size; the median is reported (3)")
    add_output_arguments(parser, RESULTS)
    parser.add_argument("--child-run", type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child_run is not None:
        return child(args.child_run)
    from bench.run import bench_database, bench_environment, migrate, recreate_database, results_header

    database_url, db_name = bench_database("BENCH_RP_DATABASE_URL", DEFAULT_DATABASE_URL)
    _log(f"recreating database {db_name}")
    pg_version = recreate_database(database_url)
    # Production settings (DEBUG off: on, it would keep every query in memory) need a shared cache; the task
    # body still runs in-process (`apply`), which is what is measured.
    env = bench_environment(
        database_url=database_url, redis_url=os.environ.get("BENCH_REDIS_URL") or "redis://127.0.0.1:6379/12"
    ) | {"DB_POOL": "false", "DJANGO_SETTINGS_MODULE": "asfnet.settings"}
    os.environ.update(env)
    child_env = dict(os.environ)
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    began = time.perf_counter()
    migrate(_log)
    results = results_header(
        "reports",
        pg_version,
        {"sizes": args.sizes, "repeats": args.repeats, "seed": args.seed, "database": db_name},
        question="ESF+ report over 10,000 and 100,000 participants (+ outcomes): wall time next to a single "
        "hand-written SQL aggregate over the same rows in the same run, and peak memory of the worker",
    ) | {
        "period": [PERIOD[0].isoformat(), PERIOD[1].isoformat()],
        "hand_sql": " ".join(HAND_SQL.split()),
        "hand_sql_full": " ".join(HAND_SQL_FULL.split()),
        "sizes": [],
    }
    rng = random.Random(args.seed)
    project, orgs = setup_project()
    have = 0
    for size in sorted(args.sizes):
        _log(f"seeding participants {have:,} → {size:,}")
        seeded = seed_participants(project, orgs, start=have, count=size - have, rng=rng)
        have = size
        _log(f"seeded: {seeded}; timing esf_report and the hand-written SQL, {args.repeats} rounds")
        timed = time_report(project, repeats=args.repeats)
        _log(
            f"timed: {timed['esf_report_ms_median']} ms vs {timed['hand_sql_ms_median']} ms (like for like "
            f"{timed['hand_sql_full_ms_median']} ms, same cells: {timed['hand_sql_full_matches_report']}); "
            "task in a subprocess"
        )
        memory = measure_task_memory(project, env=child_env)
        _log(f"task: {memory}")
        from matchmaking.models import LabourMarketEvent

        results["sizes"].append(
            {
                "participants": size,
                "outcomes": LabourMarketEvent.objects.filter(participant__project=project).count(),
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
