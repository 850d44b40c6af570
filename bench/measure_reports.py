"""The reports benchmark's measurements (bench/reports.py): what needs Django. Seeding the project, the raising
organisations, participants and their labour-market events (kernel.bulk's COPY), timing
reports.indicators.esf_report next to the hand-written SQL over the same rows, and queueing the ESF run whose
task body a fresh subprocess measures (bench/measure_report_task.py).

Imported once by bench/reports.py's main() after django.setup() (bench/harness.py), so every import is here at
the top.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from django.db import connection, transaction

from bench.harness import ROOT
from directory.factories import OrganisationFactory, make_orgnr
from directory.models import Municipality, Organisation, OrganisationKind
from kernel import bulk
from matchmaking.factories import FundedProjectFactory
from matchmaking.models import LabourMarketEvent, Participant
from reports.indicators import esf_report, report_transaction
from reports.models import ReportKind, ReportRun, RunStatus

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


# --- Seeding --------------------------------------------------------------------------------------------------
def setup_project() -> tuple[Any, list[Any]]:
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


def outcomes(project: Any) -> int:
    """The labour-market events of the project's participants."""
    return LabourMarketEvent.objects.filter(participant__project=project).count()
