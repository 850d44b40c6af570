"""`make bench` — every benchmark in one run, and one table of the performance issue's goals.

Runs, each in a subprocess of its own (each benchmark sets up Django for its own database), bench.run (the
directory: search, profile, list pages' queries, page weight, concurrency, growth, import), bench.matchmaking,
bench.events and bench.reports, with sizes that keep the whole under 15 minutes on two cores. Then reads
their results files and prints ONE table: each goal as the measured figure next to its ceiling measured in
the same run (a ratio), then latency (p50/p95) of the search, the profile and their ceilings at 10 and 50
clients, and growth with the data's size; writes bench-results/summary.json.

The search, the profile and their ceilings are loaded with a different URL each request (searches made from
the data, every organisation in turn: bench/run.py), because the anonymous search and profile are cached per
URL under the directory's generation — one URL again and again would measure the cache. The cached search is
a row of its own ("search, cached"). Every public page is weighed as a first visit transfers it.

Run: `make bench` (BENCH_ARGS, BENCH_MM_ARGS, BENCH_EV_ARGS, BENCH_RP_ARGS are added after each benchmark's
defaults here, so they override them), or `.venv/bin/python -m bench --help`. Nothing here asserts on
timings: a goal not met is shown as such, and the exit status is that of the benchmarks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench-results"

# Each benchmark's options here; the Makefile's variables come after and override them.
DEFAULTS: dict[str, list[str]] = {
    "run": [
        "--duration",
        "10",
        "--search-concurrency",
        "50",
        "--growth",
        "1000",
        "50000",
        "--import-repeats",
        "3",
    ],
    "matchmaking": [],
    "events": ["--duration", "10"],
    "reports": ["--sizes", "10000", "100000", "300000", "--repeats", "3"],
}
RESULT_FILES = {
    "run": "directory.json",
    "matchmaking": "matchmaking.json",
    "events": "events.json",
    "reports": "reports.json",
}

# The directory benchmark's load rows (bench/run.py: SEARCH_NAME …). The search, the list ceiling, the bare
# ceiling and the profile take a different URL each request (searches made from the data, organisations), so
# no cache answers them; the cached search is the one URL again and again.
SEARCH = "search page (q + 2 facets)"
SEARCH_CACHED = "search page, cached (one URL)"
LIST_CEILING = "ceiling: django-filter list, 25 rows"
BARE_CEILING = "ceiling: bare indexed query (JSON)"
PROFILE = "organisation profile"
# Latency rows: each endpoint, and the ceiling its p95 is set against (at the same number of clients).
LATENCY = (
    (SEARCH, "directory search (varied)", LIST_CEILING),
    (SEARCH_CACHED, "directory search, cached", LIST_CEILING),
    (LIST_CEILING, "ceiling: django-filter list of 25 (varied)", None),
    (PROFILE, "organisation profile (varied)", BARE_CEILING),
    (BARE_CEILING, "ceiling: bare one-query view (varied)", None),
)
SUGGESTIONS = "suggestions(need), top 20"
IMPORT_GOAL = 1_000.0
QUERY_BUDGET = 10
PAGE_WEIGHT_KB = 150.0


@dataclass
class Row:
    """One line of the table: what was measured, its value, what it is set against, the ratio, the goal
    and whether it is met (None: a figure without a goal, or not measured)."""

    section: str
    measure: str
    value: str
    against: str = ""
    ratio: str = ""
    goal: str = ""
    met: bool | None = None


# --- Reading the results --------------------------------------------------------------------------------------
def _python_load(directory: dict[str, Any]) -> dict[tuple[str, int], dict[str, Any]]:
    """The Python client's HTTP rows of the directory benchmark by (name without the @N suffix, connections)."""
    rows = {}
    for r in directory.get("http", []):
        if r.get("client") == "python":
            rows[(r["name"].split(" @")[0], r["concurrency"])] = r
    return rows


def _num(value: float | None, unit: str = "", digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}{unit}"


def _ratio_row(
    section: str,
    measure: str,
    value: float | None,
    ceiling: float | None,
    *,
    unit: str,
    against: str,
    at_least: float | None = None,
    at_most: float | None = None,
    as_percent: bool = False,
) -> Row:
    ratio = value / ceiling if value is not None and ceiling else None
    if ratio is None:
        met = None
    elif at_least is not None:
        met = ratio >= at_least
    elif at_most is not None:
        met = ratio <= at_most
    else:
        met = None
    if at_least is not None:
        goal = f"≥ {at_least:.0%}" if as_percent else f"≥ {at_least:g}×"
    elif at_most is not None:
        goal = f"≤ {at_most:.0%}" if as_percent else f"≤ {at_most:g}×"
    else:
        goal = ""
    shown = "—" if ratio is None else (f"{ratio:.0%}" if as_percent else f"{ratio:.2f}×")
    return Row(section, measure, _num(value, unit), f"{_num(ceiling, unit)} {against}", shown, goal, met)


def goal_rows(results: dict[str, dict[str, Any] | None]) -> list[Row]:
    """The issue's goals, each measured against its ceiling in the same run."""
    rows: list[Row] = []
    directory = results.get("run") or {}
    load = _python_load(directory)
    concurrency = (directory.get("config") or {}).get("concurrency", 10)
    search = load.get((SEARCH, concurrency), {})
    listing = load.get((LIST_CEILING, concurrency), {})
    bare = load.get((BARE_CEILING, concurrency), {})
    profile = load.get((PROFILE, concurrency), {})
    rows.append(
        _ratio_row(
            "goals",
            f"directory search req/s ({concurrency} clients)",
            search.get("rps"),
            listing.get("rps"),
            unit=" req/s",
            against="django-filter list of 25, same facets",
            at_least=0.6,
            as_percent=True,
        )
    )
    rows.append(
        _ratio_row(
            "goals",
            "directory search p95",
            (search.get("percentiles_ms") or {}).get("p95"),
            (listing.get("percentiles_ms") or {}).get("p95"),
            unit=" ms",
            against="django-filter list of 25, same facets",
            at_most=1.5,
        )
    )
    cached = load.get((SEARCH_CACHED, concurrency), {})
    if cached:
        rows.append(
            _ratio_row(
                "goals",
                "  search, cached (one URL again) req/s",
                cached.get("rps"),
                listing.get("rps"),
                unit=" req/s",
                against="django-filter list of 25 (varied)",
                as_percent=True,
            )
        )
    rows.append(
        _ratio_row(
            "goals",
            "organisation profile req/s",
            profile.get("rps"),
            bare.get("rps"),
            unit=" req/s",
            against="bare one-query view, same organisations",
            at_least=0.5,
            as_percent=True,
        )
    )
    rows.append(query_count_row(directory.get("growth") or []))

    matchmaking = results.get("matchmaking") or {}
    timings = matchmaking.get("timings") or {}
    floor = next((t for name, t in timings.items() if name.startswith("bare SELECT")), {})
    rows.append(
        _ratio_row(
            "goals",
            "match suggestions p50",
            (timings.get(SUGGESTIONS) or {}).get("p50_ms"),
            floor.get("p50_ms"),
            unit=" ms",
            against="bare SELECT of the candidates",
            at_most=3.0,
        )
    )

    reports = results.get("reports") or {}
    esf = next((size for size in reports.get("sizes", []) if size["participants"] == 100_000), None)
    rows.append(
        _ratio_row(
            "goals",
            "ESF+ report, 100k participants",
            esf["esf_report_ms_median"] if esf else None,
            esf["hand_sql_ms_median"] if esf else None,
            unit=" ms",
            against="one hand-written SQL aggregate",
            at_most=3.0,
        )
    )

    imported = directory.get("import") or {}
    runs = imported.get("create_runs") or ([imported["create"]] if imported.get("create") else [])
    rates = [run["rows_per_s"] for run in runs]
    median = sorted(rates)[len(rates) // 2] if rates else None
    spread = f" (runs {', '.join(f'{r:,.0f}' for r in rates)})" if len(rates) > 1 else ""
    rows.append(
        Row(
            "goals",
            f"import of {imported.get('rows', 10_000):,} organisations",
            _num(median, " rows/s", 0) + spread,
            f"{IMPORT_GOAL:,.0f} rows/s (goal)",
            _num(median / IMPORT_GOAL if median else None, "×", 2),
            f"≥ {IMPORT_GOAL:,.0f} rows/s",
            None if median is None else median >= IMPORT_GOAL,
        )
    )
    rows.extend(page_weight_rows(directory.get("page_weight") or {}))
    return rows


def page_weight_rows(weights: dict[str, Any]) -> list[Row]:
    """One row per weighed page: what a first visit transfers (gzip where the site sends it) against the
    goal, and the same uncompressed. A results file of one page only (its figures at the top) is the search
    page."""
    if "total_gzip_kb" in weights:
        weights = {"directory search": weights}
    if not weights:
        return [Row("goals", "page weight (anonymous)", "—", goal=f"≤ {PAGE_WEIGHT_KB:.0f} KB")]
    rows = []
    for page, weight in weights.items():
        gzip_kb = weight.get("total_gzip_kb")
        raw_kb = weight.get("total_raw_kb")
        rows.append(
            Row(
                "goals",
                f"page weight, {page}",
                f"{_num(gzip_kb, ' KB')} transferred",
                f"{_num(raw_kb, ' KB')} uncompressed",
                _num(gzip_kb / PAGE_WEIGHT_KB if gzip_kb is not None else None, "×", 2),
                f"≤ {PAGE_WEIGHT_KB:.0f} KB",
                None if gzip_kb is None else gzip_kb <= PAGE_WEIGHT_KB,
            )
        )
    return rows


def query_count_row(growth: list[dict[str, Any]]) -> Row:
    """The list pages' queries at every measured size: met when each page makes the same number at every
    size and no page more than the budget."""
    by_page: dict[str, set[int | None]] = {}
    for point in growth:
        for page, count in (point.get("list_page_queries") or {}).items():
            by_page.setdefault(page, set()).add(count)
    if not by_page:
        return Row("goals", "queries on list pages (anonymous)", "—", goal=f"constant, ≤ {QUERY_BUDGET}")
    counts = [c for values in by_page.values() for c in values]
    constant = all(len(values) == 1 for values in by_page.values())
    failed = None in counts
    worst = max((c for c in counts if c is not None), default=None)
    sizes = "/".join(f"{point['organisations'] // 1000}k" for point in growth)
    shown = ", ".join(f"{page} {'/'.join(str(c) for c in sorted(v, key=str))}" for page, v in by_page.items())
    return Row(
        "goals",
        "queries on list pages (anonymous)",
        f"max {worst}; {shown}",
        f"at {sizes} organisations",
        "constant" if constant else "GROWS",
        f"constant, ≤ {QUERY_BUDGET}",
        constant and not failed and worst is not None and worst <= QUERY_BUDGET,
    )


def latency_rows(results: dict[str, dict[str, Any] | None]) -> list[Row]:
    """p50 and p95 of each endpoint at each number of clients measured (10 and 50), the ratio of its p95 to
    its ceiling's at the same number of clients."""
    load = _python_load(results.get("run") or {})
    rows = []
    for concurrency in sorted({c for _name, c in load}):
        for name, label, ceiling_name in LATENCY:
            r = load.get((name, concurrency))
            if r is None:
                continue
            p = r.get("percentiles_ms") or {}
            ceiling = load.get((ceiling_name, concurrency), {}) if ceiling_name else {}
            ceiling_p95 = (ceiling.get("percentiles_ms") or {}).get("p95")
            ratio = p.get("p95") / ceiling_p95 if p.get("p95") is not None and ceiling_p95 else None
            rows.append(
                Row(
                    "latency",
                    f"{label}, {concurrency} clients",
                    f"p50 {_num(p.get('p50'), ' ms')}, p95 {_num(p.get('p95'), ' ms')}",
                    f"{_num(r.get('rps'), ' req/s')}, {r.get('errors', 0)} errors"
                    + (f", {r['repeated_paths']} repeated URLs" if r.get("repeated_paths") else ""),
                    "" if ratio is None else f"p95 {ratio:.2f}× ceiling",
                )
            )
    events = results.get("events") or {}
    calendar = [r for r in events.get("http", []) if r.get("client", "python") == "python"]
    if len(calendar) >= 2 and calendar[1].get("rps"):
        rows.append(
            _ratio_row(
                "latency",
                "events calendar req/s",
                calendar[0].get("rps"),
                calendar[1].get("rps"),
                unit=" req/s",
                against="bare one-query view",
                as_percent=True,
            )
        )
    return rows


def growth_rows(results: dict[str, dict[str, Any] | None]) -> list[Row]:
    rows = []
    for point in (results.get("run") or {}).get("growth", []):
        rows.append(
            Row(
                "growth",
                f"directory search (varied) at {point['organisations']:,} organisations",
                f"{_num(point.get('rps'), ' req/s')}, p95 {_num(point.get('p95_ms'), ' ms')}",
                f"worker peak {_num(point.get('worker_peak_mib'), ' MiB')}"
                + (f", {point['repeated_paths']} repeated URLs" if point.get("repeated_paths") else ""),
            )
        )
    for size in (results.get("reports") or {}).get("sizes", []):
        task = size.get("task") or {}
        rows.append(
            Row(
                "growth",
                f"ESF+ report at {size['participants']:,} participants",
                f"{_num(size.get('esf_report_ms_median'), ' ms')} (task {_num(task.get('task_s'), ' s', 2)})",
                f"worker peak {_num(task.get('rss_peak_mib'), ' MiB')}",
                _num(size.get("ratio"), "× SQL"),
            )
        )
    return rows


def build_rows(results: dict[str, dict[str, Any] | None]) -> list[Row]:
    return [*goal_rows(results), *latency_rows(results), *growth_rows(results)]


def render(rows: list[Row]) -> str:
    """The rows as one plain-text table, a section title before each section."""
    titles = ("measure", "value", "against (same run)", "ratio", "goal", "met")
    cells = [
        (r.measure, r.value, r.against, r.ratio, r.goal, {True: "yes", False: "NO", None: ""}[r.met]) for r in rows
    ]
    widths = [max(len(titles[i]), *(len(c[i]) for c in cells)) for i in range(len(titles))] if cells else []
    if not widths:
        return "(nothing measured)"
    line = "  ".join(t.ljust(w) for t, w in zip(titles, widths, strict=True))
    out = [line, "-" * len(line)]
    section = None
    for row, cell in zip(rows, cells, strict=True):
        if row.section != section:
            section = row.section
            out.append(f"[{section}]")
        out.append("  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)).rstrip())
    return "\n".join(out)


# --- Running ----------------------------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], prog="python -m bench")
    for name, help_name in (("run", "bench.run"), ("mm", "bench.matchmaking"), ("ev", "bench.events")):
        parser.add_argument(f"--{name}-args", default="", help=f"more options for {help_name}")
    parser.add_argument("--rp-args", default="", help="more options for bench.reports")
    parser.add_argument(
        "--only", nargs="+", choices=sorted(DEFAULTS), default=sorted(DEFAULTS), help="benchmarks to run (all)"
    )
    parser.add_argument(
        "--table-only", action="store_true", help="run nothing: build the table from the results files there are"
    )
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "summary.json", help="bench-results/summary.json")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    extra = {"run": args.run_args, "matchmaking": args.mm_args, "events": args.ev_args, "reports": args.rp_args}
    runs: dict[str, dict[str, Any]] = {}
    began = time.perf_counter()
    status = 0
    if not args.table_only:
        for name in ("run", "matchmaking", "events", "reports"):
            if name not in args.only:
                continue
            command = [sys.executable, "-m", f"bench.{name}", *DEFAULTS[name], *shlex.split(extra[name])]
            print(f"[bench] {' '.join(command[1:])}", flush=True)
            started = time.perf_counter()
            code = subprocess.run(command, cwd=ROOT, check=False).returncode  # noqa: S603
            runs[name] = {"command": command[1:], "returncode": code, "seconds": round(time.perf_counter() - started)}
            status = status or code
    results: dict[str, dict[str, Any] | None] = {}
    for name, file in RESULT_FILES.items():
        path = RESULTS_DIR / file
        fresh = args.table_only or (name in runs and runs[name]["returncode"] == 0)
        results[name] = json.loads(path.read_text(encoding="utf-8")) if fresh and path.exists() else None
    rows = build_rows(results)
    print()
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    print(f"Benchmarks, {now}, total {time.perf_counter() - began:.0f} s")
    print(render(rows))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    summary = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "runs": runs,
        "rows": [asdict(row) for row in rows],
        "sources": {name: str(RESULTS_DIR / file) for name, file in RESULT_FILES.items() if results[name]},
    }
    args.output.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"Summary: {args.output}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
