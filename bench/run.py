"""`make bench` — the directory issue's "Measure" section.

1. Drops and creates a PostgreSQL database of its own (BENCH_DATABASE_URL, default
   postgres://postgres@127.0.0.1:5432/asfnet_bench), migrates it and seeds 10,000 realistic organisations
   (valid orgnr, Norrbotten municipalities weighted by population, services, Swedish descriptions,
   coordinates, certifications, some stale or unlisted profiles) with COPY (kernel.bulk), then builds the search
   index with directory.search.reindex(). Reports how long that took.
2. Starts gunicorn (2 sync workers, DEBUG off, a random SECRET_KEY, Redis databases 6 and 7, the
   benchmark-only endpoints of asfnet/bench_urls.py switched on) on a free port of 127.0.0.1.
3. Has seeded (right after the first organisations) 60 upcoming public events and 60 open opportunities of
   those organisations (--listings), so the events and opportunities pages are weighed and counted with full
   pages.
4. Loads, on the same server, the search page with full text and two facets and its two ceilings: a bare
   view doing one indexed query and a bare django-filter list of 25 rows rendered by a template; and the
   organisation profile. An anonymous visitor's search results and profile facts are cached per URL under
   the directory's generation (directory/facet_cache.py), so one URL again and again measures the cache:
   each request takes the next URL of a pool instead (bench.load.PathPool) — searches made from the
   organisations in the database (a term one of them is found by, with two of its facets: kind and
   municipality, municipality and service, or kind and service; tens of thousands, shuffled, never repeated
   before the pool runs out — the 'repeated' column counts any that were), the django-filter list with the
   same facets in the same order, every visible organisation's profile in turn and the bare query of the
   same organisations' numbers. The search's one benchmarked URL, again and again, is a row of its own:
   "search page, cached (one URL)". For each: a warm-up, then a closed-loop load of N concurrent connections
   for D seconds with a Python client that records every latency (req/s, p50/p90/p95/p99, errors), at
   --concurrency and again at each --search-concurrency (e.g. 50), and, when `wrk` is installed, the same
   at --concurrency with wrk (a Lua script takes the pool's unused URLs in turn; wrk prints p50/p75/p90/p99
   but no p95). The Python client runs on the same two cores as the server; its own CPU use is reported next
   to the server's so the reader can see what it took away.
5. Weighs every public page an anonymous visitor arrives on — home, directory, the search, the map (all
   organisations: up to its limit of points), the fullest profile, events, opportunities — as a first visit
   transfers it (HTML and every static file it names, with the fonts and images its style sheets load and
   the map's outlines, gzip where the site sends it) and uncompressed.
6. Times the import of a generated 10,000-row CSV through directory.import_export.imports.organisation_import:
   a dry run and the real import (10,000 new organisations into the 10,000 already there); with
   --import-update also the same file again with changed values (10,000 updates with field history —
   minutes, so not by default). --import-repeats 3 (bench/all.py): three files, the spread.
7. Growth (--growth 1000 50000): at each size the varied searches under a short load, gunicorn's worker peak
   memory and the queries of the anonymous list pages (Django's test client in this process). Sizes below
   --organisations are measured before the main run, sizes above it after the imports (whose rows count
   towards them).
8. Prints a table and writes bench-results/directory.json with the figures, the environment (CPUs, Python,
   PostgreSQL, load average) and the date.

gunicorn is always stopped and Redis databases 6 and 7 are emptied at the end. The bench database is left
for inspection (`psql asfnet_bench`); the next run drops and recreates it.

Run: `make bench`, or `.venv/bin/python -m bench.run --help` for the knobs (fewer organisations, shorter
runs). Nothing here asserts on timings; tests/test_bench_smoke.py checks the helpers. The organisations are
directory.factories.organisation_rows(): the realistic Norrbotten profiles of the OrganisationFactory.

This module is the harness, without Django: the options, the varied requests' URLs, the load (bench/load.py),
wrk, the page weight, gunicorn's memory, the summary; the shared steps (database, environment, Redis,
gunicorn, the load table, the results file's header) are bench/harness.py's. What needs Django — seeding, the
pools made from the data, the expected search, the list pages' queries, the import — is
bench/measure_directory.py, which main() imports once Django is set up (migrate and collectstatic:
bench/django_steps.py).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from posixpath import dirname, normpath
from shutil import which
from types import ModuleType
from typing import Any
from urllib.parse import quote, urlencode

from bench.harness import (
    ROOT,
    add_load_arguments,
    add_output_arguments,
    flush_redis,
    load_url,
    results_header,
    start_bench,
    start_gunicorn,
    stop_process,
    table,
)
from bench.load import (
    CpuMeter,
    LoadResult,
    PathPool,
    fetch,
    measured_python_load,
    parse_wrk,
    progress_log,
    wrk_script,
)

RESULTS = ROOT / "bench-results" / "directory.json"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/asfnet_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/6"  # cache on 6; the broker takes the next database, 7

SEARCH_PATH = "/directory/?q=" + quote("trädgård") + "&kind=asf&municipality=2581"
# The rows of the load table (bench/all.py reads them by these names; at other connection counts " @N").
SEARCH_NAME = "search page (q + 2 facets)"  # each request a different search: what the search costs
SEARCH_CACHED_NAME = "search page, cached (one URL)"  # SEARCH_PATH again and again: the cached region
LIST_CEILING_NAME = "ceiling: django-filter list, 25 rows"  # each request the facets of the next search
BARE_CEILING_NAME = "ceiling: bare indexed query (JSON)"  # each request another organisation number
PROFILE_NAME = "organisation profile"  # each request another organisation
WRK_MAX_PATHS = 10_000  # URLs in a wrk script (more than wrk's one thread requests in a run)

_log = progress_log("bench")


# --- The varied requests ------------------------------------------------------------------------------------
def search_path(entry: dict[str, list[str]]) -> str:
    return "/directory/?" + urlencode(entry, doseq=True)


def list_ceiling_path(entry: dict[str, list[str]]) -> str:
    """The django-filter ceiling (asfnet/bench_urls.py) with the same facets as the search `entry` (it has no
    full text)."""
    params = {"kind": entry.get("kind", []), "service": entry.get("service", [])}
    if entry.get("municipality"):
        params["kommunkod"] = [",".join(entry["municipality"])]
    return "/bench/list/?" + urlencode({k: v for k, v in params.items() if v}, doseq=True)


def search_pools(entries: list[dict[str, list[str]]], *, label: str = "") -> tuple[PathPool, PathPool]:
    """The varied search page's pool and its ceiling's: the same searches' facets in the same order (the
    ceiling has no cache, so its URLs may repeat: several searches have the same facets)."""
    return (
        PathPool((search_path(e) for e in entries), label=label or "searches"),
        PathPool(
            (list_ceiling_path(e) for e in entries), label=label or "the searches' facets, in turn", distinct=False
        ),
    )


LIST_PAGES = (
    ("directory search", SEARCH_PATH),
    ("directory", "/directory/"),
    ("opportunities", "/opportunities/"),
    ("events", "/events/"),
)


# --- Page weight -------------------------------------------------------------------------------------------
# Every static file a page names: in an attribute (href, src) or in the page's JSON data (the map's outlines
# and marker images), and in a style sheet's url(…) (fonts, images), relative to the style sheet.
_ASSET = re.compile(rb'"(/static/[^"?#]+)"')
_CSS_URL = re.compile(rb"url\(\s*['\"]?([^'\")?#]+)")


def _css_assets(css_path: str, css: bytes) -> set[str]:
    """The files a style sheet loads with url(…), as paths under /static/ (data: URIs are in the sheet)."""
    found = set()
    for ref in _CSS_URL.findall(css):
        url = ref.decode(errors="replace").strip()
        if url.startswith(("data:", "http:", "https:", "//")):
            continue
        path = url if url.startswith("/") else normpath(f"{dirname(css_path)}/{url}")
        if path.startswith("/static/"):
            found.add(path)
    return found


def page_weight(port: int, path: str) -> dict[str, Any]:
    """Bytes an anonymous visitor downloads for `path` on a first visit: the HTML and every static file it
    names (style sheets, scripts, images, the fonts and images the style sheets load, the map's outlines),
    once as transferred with `Accept-Encoding: gzip` (compressed where the site compresses) and once
    uncompressed. An upper bound: a file the browser would load only in some cases (the retina marker icon)
    is counted too."""
    status, compressed = fetch(port, path, headers={"Accept-Encoding": "gzip"})
    status_raw, html = fetch(port, path)
    if status != 200 or status_raw != 200:
        raise SystemExit(f"page weight: {path} answered {status}/{status_raw}")
    html_gzip = len(compressed)
    totals = {"gzip": html_gzip, "raw": len(html)}
    assets = {a.decode() for a in _ASSET.findall(html)}
    done: set[str] = set()
    sizes: dict[str, dict[str, int]] = {}
    while assets - done:
        asset = sorted(assets - done)[0]
        done.add(asset)
        for label, headers in (("gzip", {"Accept-Encoding": "gzip"}), ("raw", {})):
            code, body = fetch(port, asset, headers=headers)
            if code != 200:
                continue
            totals[label] += len(body)
            sizes.setdefault(asset, {})[label] = len(body)
            if label == "raw" and asset.endswith(".css"):
                assets |= _css_assets(asset, body)
    gunzipped = gzip.decompress(compressed) if compressed[:2] == b"\x1f\x8b" else compressed
    return {
        "path": path,
        "html_gzip_bytes": html_gzip,
        "html_raw_bytes": len(html),
        "html_was_gzipped": compressed[:2] == b"\x1f\x8b" and len(gunzipped) > 0,
        "assets": sorted(sizes),
        "asset_bytes": sizes,
        "total_gzip_kb": round(totals["gzip"] / 1024, 1),
        "total_raw_kb": round(totals["raw"] / 1024, 1),
    }


def weighed_pages(profile_code: str) -> list[tuple[str, str]]:
    """The public pages an anonymous visitor arrives on, by name: what `make bench` weighs."""
    return [
        ("home", "/"),
        ("directory", "/directory/"),
        ("directory search", SEARCH_PATH),
        ("map", "/directory/map/"),
        ("organisation profile", f"/directory/org/{profile_code}/"),
        ("events", "/events/"),
        ("opportunities", "/opportunities/"),
    ]


# --- Load and memory -----------------------------------------------------------------------------------------
def worker_peak_mib(master_pid: int) -> float | None:
    """The highest peak resident memory (VmHWM) of gunicorn's workers, from /proc."""
    peaks = []
    with contextlib.suppress(OSError):
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
        for pid in children:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
    return round(max(peaks), 1) if peaks else None


def growth_point(
    meter: CpuMeter,
    args: argparse.Namespace,
    *,
    port: int,
    master_pid: int,
    measure: ModuleType,
    pool: PathPool | None = None,
) -> dict[str, Any]:
    """The search page under a short load at the database's current size — varied searches (`pool`, else
    one made from the data now), so the search is measured, not the cache — with the list pages' queries.
    `measure`: bench.measure_directory, imported by main() once Django is set up."""
    size = measure.organisation_count()
    pool = pool or search_pools(measure.search_entries())[0]
    result = measured_python_load(
        meter,
        name=f"search page at {size:,} organisations",
        port=port,
        path=pool,
        duration=args.growth_duration,
        warmup=1,
        concurrency=args.concurrency,
        log=_log,
    )
    return {
        "organisations": size,
        "rps": result.rps,
        "p50_ms": result.percentiles_ms.get("p50"),
        "p95_ms": result.percentiles_ms.get("p95"),
        "errors": result.errors,
        "varied_paths": result.varied_paths,
        "repeated_paths": result.repeated_paths,
        "worker_peak_mib": worker_peak_mib(master_pid),
        "list_page_queries": measure.list_page_queries(LIST_PAGES, search_path=SEARCH_PATH),
    }


def run_wrk(
    *, port: int, path: str, duration: int, concurrency: int, script: str | None = None
) -> dict[str, Any] | None:
    wrk = which("wrk")
    if wrk is None:
        return None
    command = [wrk, "-t1", f"-c{concurrency}", f"-d{duration}s", "--timeout", "10s", "--latency"]
    if script:
        command += ["-s", script]
    output = subprocess.run(  # noqa: S603
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, timeout=duration + 60
    ).stdout
    try:
        return parse_wrk(output)
    except ValueError:
        print(output)
        return None


def measured_wrk(
    meter: CpuMeter, *, name: str, port: int, path: str | PathPool, args: argparse.Namespace
) -> LoadResult | None:
    """The same load with wrk (at --concurrency): a pool's unused URLs in turn through a Lua script."""
    _log(f"{name}: wrk, {args.concurrency} connections, {args.duration} s")
    load_before = os.getloadavg()[0]
    fresh: list[str] = []
    with tempfile.NamedTemporaryFile("w", suffix=".lua", encoding="utf-8") as script:
        if isinstance(path, PathPool):
            fresh = path.unused()[:WRK_MAX_PATHS]
            script.write(wrk_script(fresh))
            script.flush()
        meter.start()
        wrk = run_wrk(
            port=port,
            path=path if isinstance(path, str) else fresh[0],
            duration=args.duration,
            concurrency=args.concurrency,
            script=script.name if isinstance(path, PathPool) else None,
        )
        cpu = meter.stop()
    cpu.pop("load_generator", None)  # wrk is another process; its CPU is not measured here
    if wrk is None:
        return None
    requests = wrk["requests"] or 0
    repeated = None
    if isinstance(path, PathPool):
        before = path.repeated
        path.advance(requests)
        if path.distinct:
            repeated = max(path.repeated - before, requests - len(fresh), 0)
    return LoadResult(
        name=name,
        path=path if isinstance(path, str) else path.describe(),
        client="wrk",
        duration_s=float(args.duration),
        concurrency=args.concurrency,
        requests=requests,
        errors=wrk["errors"],
        rps=wrk["rps"],
        percentiles_ms={k: round(v, 2) for k, v in wrk["percentiles_ms"].items()},
        cpu_s=cpu,
        load_average_before=round(load_before, 2),
        varied_paths=None if isinstance(path, str) else len(path),
        repeated_paths=repeated,
    )


# --- Main --------------------------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], prog="python -m bench.run")
    parser.add_argument("--organisations", type=int, default=10_000, help="organisations to seed (10000)")
    parser.add_argument("--import-rows", type=int, default=10_000, help="rows in the import file (10000)")
    add_load_arguments(parser, duration=15, per="per URL and client")
    parser.add_argument("--no-wrk", action="store_true", help="skip wrk even when it is installed")
    parser.add_argument(
        "--import-update",
        action="store_true",
        help="also time importing the same file again with changed values (10,000 updates; minutes)",
    )
    parser.add_argument(
        "--import-repeats", type=int, default=1, help="files of new organisations imported and timed (1)"
    )
    parser.add_argument(
        "--search-concurrency",
        type=int,
        nargs="+",
        default=[],
        help="further connection counts at which every endpoint is loaded again (e.g. 50; wrk runs at --concurrency)",
    )
    parser.add_argument(
        "--growth",
        type=int,
        nargs="*",
        default=[],
        help="further database sizes (organisations) at which the search page is loaded briefly, e.g. 1000 50000",
    )
    parser.add_argument("--growth-duration", type=int, default=5, help="seconds of load per growth size (5)")
    parser.add_argument(
        "--listings",
        type=int,
        default=60,
        help="upcoming public events and open opportunities seeded for the list pages (60 each: three pages)",
    )
    add_output_arguments(parser, RESULTS, seed=False)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.perf_counter()
    started = start_bench(
        database=("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL), redis=("BENCH_REDIS_URL", DEFAULT_REDIS_URL), log=_log
    )
    pg_version, env, redis_dbs, db_name = started.pg_version, started.env, started.redis_dbs, started.database
    from bench import django_steps, measure_directory  # after start_bench: see bench/harness.py

    results = results_header(
        "directory",
        pg_version,
        {
            "organisations": args.organisations,
            "import_rows": args.import_rows,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "concurrency": args.concurrency,
            "gunicorn_workers": args.workers,
            "gunicorn_worker_class": "sync",
            "database": db_name,
            "database_left_for_inspection": True,
            "import_update": args.import_update,
        },
    )
    results["migrate_s"] = django_steps.migrate(_log)
    results["config"]["search_concurrency"] = args.search_concurrency
    results["config"]["growth"] = args.growth
    results["config"]["import_repeats"] = args.import_repeats

    smaller = sorted(size for size in args.growth if size < args.organisations)
    larger = sorted(size for size in args.growth if size > args.organisations)
    have = 0
    have, first_seed = measure_directory.seed_to(smaller[0] if smaller else args.organisations, have, log=_log)
    # Events and opportunities before anything is measured: every size has the same full list pages.
    results["listings"] = measure_directory.seed_listings(events=args.listings, opportunities=args.listings)
    django_steps.collectstatic(_log)

    load_results: list[LoadResult] = []
    results["growth"] = []
    server = None
    log_path = args.output.parent / "gunicorn-directory.log"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    try:
        server, port = start_gunicorn(env=env, workers=args.workers, log_path=log_path, log=_log)
        meter = CpuMeter(server.pid, db_name)
        growth = partial(growth_point, meter, args, port=port, master_pid=server.pid, measure=measure_directory)
        for size in smaller:
            have, _seeded = measure_directory.seed_to(size, have, log=_log)
            results["growth"].append(growth())
        have, seeded = measure_directory.seed_to(args.organisations, have, log=_log)
        results["seed"] = seeded or first_seed
        _log(f"seeded: {results['seed']}")
        expected = measure_directory.expected_search(SEARCH_PATH)
        results["search_url_results"] = expected["rows"]
        if not expected["rows"]:
            raise SystemExit(f"the search URL {SEARCH_PATH} finds nothing in the seed data")
        entries = measure_directory.search_entries()
        search_pool, list_pool = search_pools(entries)
        profile_pool, bare_pool = measure_directory.profile_pools()
        results["pools"] = {
            "searches": len(search_pool),
            "searches_with_one_municipality": sum(len(e.get("municipality", [])) < 2 for e in entries),
            "search_examples": search_pool.paths[:5],
            "searches_with_results_in_a_sample": measure_directory.searches_with_results(entries[:50]),
            "organisations": len(profile_pool),
        }
        endpoints: list[tuple[str, str | PathPool]] = [
            (SEARCH_NAME, search_pool),
            (SEARCH_CACHED_NAME, SEARCH_PATH),
            (LIST_CEILING_NAME, list_pool),
            (BARE_CEILING_NAME, bare_pool),
            (PROFILE_NAME, profile_pool),
        ]
        check_pages(port, expected, search=search_pool, listing=list_pool, bare=bare_pool, profile=profile_pool)
        concurrencies = [args.concurrency, *(c for c in args.search_concurrency if c != args.concurrency)]
        for concurrency in concurrencies:
            for name, path in endpoints:
                label = name if concurrency == args.concurrency else f"{name} @{concurrency}"
                load_results.append(
                    load_url(meter, args, name=label, port=port, path=path, log=_log, concurrency=concurrency)
                )
                if not args.no_wrk and concurrency == args.concurrency:
                    wrk = measured_wrk(meter, name=name, port=port, path=path, args=args)
                    if wrk is not None:
                        load_results.append(wrk)
        profile_code = measure_directory.fullest_profile()
        results["page_weight"] = {name: page_weight(port, path) for name, path in weighed_pages(profile_code)}
        results["growth"].append(growth(pool=search_pool))

        first, *more = measure_directory.import_files(args.import_rows, repeats=args.import_repeats)
        results["import"] = measure_directory.measure_import(first, log=_log, update=args.import_update, more=more)
        for size in larger:
            have, _seeded = measure_directory.seed_to(size, have, log=_log)
            results["growth"].append(growth())
    finally:
        stop_process(server)
        _log("gunicorn stopped")
    results["http"] = [r.as_record() for r in load_results]
    flush_redis(redis_dbs)
    results["total_s"] = round(time.perf_counter() - began, 1)

    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    print_summary(results, load_results, args)
    return 0


def check_pages(
    port: int,
    expected: dict[str, Any],
    *,
    search: PathPool,
    listing: PathPool,
    bare: PathPool,
    profile: PathPool,
) -> None:
    """Each URL answers 200 with what it should show, before anything is measured (the pools' URLs: their
    last ones, which a load reaches only after all the others, so no measured request finds them cached)."""
    status, body = fetch(port, SEARCH_PATH)
    if status != 200 or expected["first_code"].encode() not in body:
        raise SystemExit(f"search page: status {status}, first result {expected['first_code']} not on the page")
    status, body = fetch(port, search.paths[-1])
    if status != 200:
        raise SystemExit(f"search page {search.paths[-1]}: status {status}")
    status, body = fetch(port, bare.paths[-1])
    if status != 200 or not json.loads(body).get("found"):
        raise SystemExit(f"bare indexed query: status {status} {body[:200]!r}")
    status, body = fetch(port, "/bench/list/?kind=asf&kommunkod=2581")
    if status != 200 or body.count(b"<tr><td>") != 25:
        raise SystemExit(f"django-filter list: status {status}, {body.count(b'<tr><td>')} rows instead of 25")
    status, body = fetch(port, listing.paths[-1])
    if status != 200 or b"<tr><td>" not in body:
        raise SystemExit(f"django-filter list {listing.paths[-1]}: status {status} or no rows")
    status, body = fetch(port, profile.paths[-1])
    if status != 200:
        raise SystemExit(f"organisation profile: status {status}")


def print_summary(results: dict[str, Any], load: list[LoadResult], args: argparse.Namespace) -> None:
    env = results["environment"]
    seed_info = results["seed"]
    print()
    print(
        f"Directory benchmark, {results['date']} — {env['cpu_count']} CPUs ({env['cpu_model']}), "
        f"Python {env['python']}, PostgreSQL {env['postgresql']}, Django {env['django']}, "
        f"gunicorn {env['gunicorn']} ({args.workers} sync workers), load average at start "
        f"{env['load_average_at_start'][0]}"
    )
    print(
        f"Seed: {seed_info['organisations']:,} organisations inserted in {seed_info['insert_s']} s, "
        f"search index built in {seed_info['reindex_s']} s ({seed_info['rows_per_s']:,} organisations/s); "
        f"migrate {results['migrate_s']} s"
    )
    print(f"Search URL {SEARCH_PATH} finds {results['search_url_results']} organisations (25 shown per page)")
    pools = results.get("pools") or {}
    if pools:
        print(
            f"Varied requests: {pools['searches']:,} searches made from the data "
            f"({pools['searches_with_results_in_a_sample']} of a sample find something), e.g. "
            f"{pools['search_examples'][0]}; {pools['organisations']:,} organisations for the profile and the "
            "bare query. Each request takes the next URL, so none is answered from the cache (column 'repeated': "
            "requests that took a URL a second time)."
        )
    print(f"HTTP: {args.duration} s per endpoint and client, {args.concurrency} connections unless '@N'")
    print(table(load))
    by_name = {r.name: r for r in load if r.client == "python"}
    for suffix in ["", *sorted({f" @{r.concurrency}" for r in load if r.concurrency != args.concurrency})]:
        search = by_name.get(SEARCH_NAME + suffix)
        if search:
            for name, r in by_name.items():
                if r is not search and r.rps and name.endswith(suffix) and (suffix or "@" not in name):
                    print(f"  search page{suffix} runs at {search.rps / r.rps:.0%} of '{name}'")
    cores = env["cpu_count"] or 1
    for r in load:
        if r.cpu_s:
            cpu = ", ".join(f"{k} {v} s" for k, v in r.cpu_s.items())
            print(f"  CPU during {r.name} / {r.client}: {cpu} (of {r.duration_s * cores:.0f} s)")
    print(
        "  CPU ms/req = gunicorn + PostgreSQL backend CPU per answered request. With the cores to itself the "
        "server could answer at most about:"
    )
    for r in load:
        if r.client == "python" and r.server_cpu_ms_per_request:
            print(f"    {r.name}: {cores * 1000 / r.server_cpu_ms_per_request:,.0f} req/s on {cores} cores")
    imp = results["import"]
    if imp.get("measured"):
        for label in ("dry_run", "create", "update"):
            step = imp.get(label)
            if step is None:
                continue
            print(
                f"Import {label:<8}: {imp['rows']:,} rows in {step['seconds']} s ({step['rows_per_s']:,} rows/s); "
                f"created {step['created']}, updated {step['updated']}, errors {step['errors']}"
            )
        runs = imp.get("create_runs") or []
        if len(runs) > 1:
            rates = ", ".join(f"{run['rows_per_s']:,}" for run in runs)
            print(f"  import runs (rows/s): {rates}")
    else:
        print(f"Import: not measured ({imp.get('reason')})")
    for page, weight in (results.get("page_weight") or {}).items():
        print(
            f"Page weight, {page} {weight['path']} (anonymous, first visit: HTML "
            f"{'gzip' if weight['html_was_gzipped'] else 'not compressed'} + {len(weight['assets'])} static files): "
            f"{weight['total_gzip_kb']} KB transferred, {weight['total_raw_kb']} KB uncompressed"
        )
    for point in results.get("growth", []):
        print(
            f"Growth: {point['organisations']:>7,} organisations: search {point['rps']} req/s, "
            f"p50 {point['p50_ms']} ms, "
            f"p95 {point['p95_ms']} ms, worker peak {point['worker_peak_mib']} MiB; list page queries "
            f"{point['list_page_queries']}"
        )
    print(
        f"Results: {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}; "
        f"database {results['config']['database']} left for inspection (dropped and recreated by the next run); "
        f"total {results['total_s']} s"
    )


if __name__ == "__main__":
    sys.exit(main())
