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
Everything that touches Django, PostgreSQL or the network runs from main(), after the environment is set.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import io
import json
import os
import platform
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

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

ROOT = Path(__file__).resolve().parent.parent
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


def redis_url_with_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


# --- Django-side steps -------------------------------------------------------------------------------------

_log = progress_log("bench")


def recreate_database(database_url: str) -> str:
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or "bench" not in name:
        raise SystemExit(f"refusing to drop database {name!r}: the bench database's name must contain 'bench'")
    admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
        version = conn.execute("SHOW server_version").fetchone()[0]
    return version


def bench_environment(*, database_url: str, redis_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "false",
        "DEMO_MODE": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "BENCH_ENDPOINTS": "true",
        "LOG_LEVEL": "WARNING",
        "EMAIL_HOST": "",
    }


def seed(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Insert `rows` with COPY (kernel.bulk: organisations, their services and municipalities served,
    certifications), then build the search index. Returns timings."""
    from django.db import connection, transaction
    from django.utils import timezone

    from directory.factories import PROFILE_EXTRAS, OrganisationFactory
    from directory.models import Certification, Municipality, Organisation, ServiceCategory
    from directory.search import reindex
    from kernel import bulk

    service_ids = dict(ServiceCategory.objects.values_list("slug", "pk"))
    known = set(Municipality.objects.values_list("code", flat=True))
    unknown = {code for row in rows for code in row["municipalities_served"]} - known
    if unknown:
        raise SystemExit(f"seed data names municipalities the database does not have: {sorted(unknown)}")
    missing_services = {slug for row in rows for slug in row["services"]} - set(service_ids)
    if missing_services:
        raise SystemExit(f"seed data names services the taxonomy does not have: {sorted(missing_services)}")

    now = timezone.now()
    today = timezone.localdate()
    jitter = random.Random(len(rows))
    organisations = [
        OrganisationFactory.build(
            **{k: v for k, v in row.items() if k not in PROFILE_EXTRAS},
            confirmed_at=now - dt.timedelta(days=row["confirmed_days_ago"], minutes=jitter.randint(0, 1440)),
        )
        for row in rows
    ]

    started = time.perf_counter()
    sample = organisations[:: max(1, len(organisations) // 500)]
    for org in sample:  # the seed data is valid data: check a spread sample with the model's own rules
        org.full_clean(exclude=["confirmed_by", "verified_by", "logo"], validate_unique=False)
    validate_s = time.perf_counter() - started

    started = time.perf_counter()
    with transaction.atomic():
        bulk.insert(Organisation, organisations, skip=["search_vector"])  # COPY; the index is built below
        bulk.insert_links(
            Organisation.services.through,
            ("organisation_id", "servicecategory_id"),
            [
                (org.pk, service_ids[slug])
                for org, row in zip(organisations, rows, strict=True)
                for slug in row["services"]
            ],
        )
        bulk.insert_links(
            Organisation.municipalities_served.through,
            ("organisation_id", "municipality_id"),
            [
                (org.pk, code)
                for org, row in zip(organisations, rows, strict=True)
                for code in row["municipalities_served"]
            ],
        )
        bulk.insert(
            Certification,
            [
                Certification(
                    organisation_id=org.pk, kind=kind, valid_until=today + dt.timedelta(days=offset), status="approved"
                )
                for org, row in zip(organisations, rows, strict=True)
                for kind, offset in row["certifications"]
            ],
        )
    insert_s = time.perf_counter() - started

    started = time.perf_counter()
    reindex([org.pk for org in organisations])
    reindex_s = time.perf_counter() - started

    # Bulk insert and reindex leave two dead versions of every row; autovacuum would clear them in a live
    # database, so measure after a VACUUM, not on a table three times its size.
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    analyze_s = time.perf_counter() - started
    return {
        "organisations": len(organisations),
        "validated_sample": len(sample),
        "validate_sample_s": round(validate_s, 2),
        "insert_s": round(insert_s, 2),
        "reindex_s": round(reindex_s, 2),
        "vacuum_analyze_s": round(analyze_s, 2),
        "total_s": round(insert_s + reindex_s + analyze_s, 2),
        "rows_per_s": round(len(organisations) / (insert_s + reindex_s), 1),
    }


def expected_search() -> dict[str, Any]:
    """What the search URL should show an anonymous visitor: the number of results and the first result's
    code (the page must link to it)."""
    from django.http import QueryDict

    from directory.access import ANONYMOUS
    from directory.selectors import organisation_search

    params = QueryDict(urlsplit(SEARCH_PATH).query)
    result = organisation_search(actor=ANONYMOUS, params=params, with_facets=False)
    first = result.organisations.first()
    return {"rows": result.organisations.count(), "first_code": str(first.code) if first else None}


def rows_to_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str], *, changed: bool = False) -> str:
    """A CSV file (the import's format: lists joined with `|`, booleans true/false) of these rows.
    `changed=True` alters employees and the English description, for timing an update of every row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        cells = []
        for column in columns:
            value = row.get(column)
            if changed and column == "employees":
                value = (value or 0) + 1
            elif changed and column == "description_en":
                value = f"{value} Updated."
            if value is None:
                cells.append("")
            elif isinstance(value, bool):
                cells.append("true" if value else "false")
            elif isinstance(value, list):
                cells.append("|".join(str(v) for v in value))
            else:
                cells.append(str(value))
        writer.writerow(cells)
    return out.getvalue()


def measure_import(
    rows: list[dict[str, Any]], *, update: bool = False, more: list[list[dict[str, Any]]] | None = None
) -> dict[str, Any]:
    """Time a dry run and the real import of `rows` as CSV, then of each list of rows in `more` (the same
    size, other organisations: the spread of several runs); `create` is the median run."""
    import importlib.util

    if importlib.util.find_spec("directory.import_export.imports") is None:
        print("import: not measured (directory.import_export.imports missing)")
        return {"measured": False, "reason": "directory.import_export.imports missing"}
    from directory.import_export.imports import COLUMNS, organisation_import
    from directory.models import Organisation

    columns = [c for c in COLUMNS if c in rows[0]]
    created_file = rows_to_csv(rows, columns).encode("utf-8")
    before = Organisation.objects.count()
    result: dict[str, Any] = {"measured": True, "rows": len(rows), "columns": columns, "bytes": len(created_file)}

    def timed(label: str, data: bytes, dry_run: bool = False) -> Any:
        _log(f"import: {label}")
        started = time.perf_counter()
        report = organisation_import(actor=None, rows_or_file=data, dry_run=dry_run)
        seconds = time.perf_counter() - started
        result[label] = {
            "seconds": round(seconds, 2),
            "rows_per_s": round(len(rows) / seconds, 1),
            "created": report.created,
            "updated": report.updated,
            "errors": len(report.errors),
            "first_errors": [str(e) for e in report.errors[:5]],
            "saved": report.saved,
        }
        return report

    timed("dry_run", created_file, dry_run=True)
    timed("create", created_file)
    runs = [result["create"]]
    for extra in more or []:  # further files of new organisations, each timed like the first
        timed("create", rows_to_csv(extra, columns).encode("utf-8"))
        runs.append(result["create"])
    result["create_runs"] = runs
    result["create"] = sorted(runs, key=lambda run: run["rows_per_s"])[len(runs) // 2]  # the median run
    if update:
        timed("update", rows_to_csv(rows, columns, changed=True).encode("utf-8"))
    result["organisations_after"] = Organisation.objects.count()
    result["organisations_added"] = result["organisations_after"] - before
    return result


def start_bench(database_url: str, redis_url: str, *, log: Any) -> tuple[str, dict[str, str], list[str]]:
    """Recreate the bench database, set this process's environment (plain connections; gunicorn keeps the
    default pool), start Django and empty the two Redis databases (cache, broker). SIGTERM exits, so a
    `finally` stops gunicorn. Returns the PostgreSQL version, the server's environment and the Redis URLs."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    log(f"recreating database {urlsplit(database_url).path.lstrip('/')}")
    pg_version = recreate_database(database_url)
    env = bench_environment(database_url=database_url, redis_url=redis_url)
    os.environ.update(env)
    os.environ["DB_POOL"] = "false"
    os.environ["DJANGO_SETTINGS_MODULE"] = "asfnet.settings"  # production settings, even when started from a test
    sys.path.insert(0, str(ROOT))

    import django
    import redis

    django.setup()
    redis_dbs = [redis_url, redis_url_with_db(redis_url, int(urlsplit(redis_url).path.strip("/") or 0) + 1)]
    for url in redis_dbs:
        redis.Redis.from_url(url).flushdb()
    return pg_version, env, redis_dbs


# What visitors type, per service: words the seed's profiles of that service are found by (directory/data/
# norrbotten.toml: the service's sentence and names). Organisations without a service are searched by a
# word of their name (name_term).
SEARCH_TERMS: dict[str, tuple[str, ...]] = {
    "arbetstraning": ("arbetsträning", "handledare", "jobbverkstad"),
    "cafe-restaurang": ("café", "fika", "lunch", "restaurang"),
    "catering": ("catering", "konferens", "fester"),
    "aterbruk": ("second hand", "möbler", "kläder", "återbruk"),
    "stad": ("städning", "städ"),
    "tvatt": ("tvätteri", "mangel", "tvätt"),
    "tradgard-skog": ("trädgård", "parker", "skog", "grönytor"),
    "snickeri": ("snickeri", "utemöbler", "renoverar"),
    "fastighetsskotsel": ("snöröjning", "gräsklippning", "fastighet"),
    "hantverk": ("hantverk", "väver", "keramik"),
    "transport": ("flytt", "budkörning", "transport"),
    "montering": ("montering", "packar", "industrin"),
}
_NAME_NOISE = {"kommun", "region", "norrbotten", "ekonomisk", "förening", "ideell"}
POOL_SEED = 15  # the order of the varied requests: the same in every run


def name_term(name: str, city: str) -> str:
    """A word of an organisation's name a visitor would search for: the first of four letters or more that is
    not the municipality's name or a legal form ('Hembygdsföreningen Kiruna' → 'hembygdsföreningen')."""
    words = [w for w in re.findall(r"\w{4,}", name.lower()) if w not in _NAME_NOISE and w != city.lower()]
    return words[0] if words else name.split()[0].lower()


def search_entries(seed: int = POOL_SEED) -> list[dict[str, list[str]]]:
    """Searches for the varied load of the search page (and the same facets for its django-filter ceiling),
    made from the organisations an anonymous visitor can find in the database now, so nearly every one has
    results, and in a fixed pseudo-random order. Each is a search term with two facets, as the benchmarked
    URL: kind and municipality, municipality and service, or kind and service (term: one of the
    organisation's services' SEARCH_TERMS, else a word of its name). Every such search once, shuffled; then,
    should a load need more, each of the kind-and-municipality and municipality-and-service ones with a
    second municipality ticked (also shuffled), so the pool runs out only after tens of thousands."""
    from directory.access import ANONYMOUS
    from directory.models import Organisation

    listed = Organisation.objects.searchable_by(ANONYMOUS)
    services: dict[int, list[str]] = {}
    for pk, slug in Organisation.services.through.objects.filter(organisation__in=listed).values_list(
        "organisation_id", "servicecategory__slug"
    ):
        services.setdefault(pk, []).append(slug)
    single: dict[tuple[Any, ...], None] = {}  # ordered sets
    for pk, name, kind, municipality, city in listed.order_by("pk").values_list(
        "pk", "name", "kind", "kommunkod_id", "kommunkod__name"
    ):
        slugs = services.get(pk, [])
        by_service = [(term, slug) for slug in slugs for term in SEARCH_TERMS.get(slug, ())]
        for term, slug in by_service or [(name_term(name, city or ""), None)]:
            single[(term, kind, (municipality,), None)] = None
            if slug is not None:
                single[(term, None, (municipality,), slug)] = None
                single[(term, kind, (), slug)] = None
    rng = random.Random(seed)
    first = list(single)
    rng.shuffle(first)
    codes = sorted({code for _t, _k, municipalities, _s in first for code in municipalities})
    second = [
        (term, kind, (municipalities[0], other), slug)
        for term, kind, municipalities, slug in first
        if municipalities
        for other in codes
        if other != municipalities[0]
    ]
    rng.shuffle(second)
    return [
        {
            "q": [term],
            **({"kind": [kind]} if kind else {}),
            **({"municipality": list(municipalities)} if municipalities else {}),
            **({"service": [slug]} if slug else {}),
        }
        for term, kind, municipalities, slug in first + second
    ]


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


def profile_pools(seed: int = POOL_SEED) -> tuple[PathPool, PathPool]:
    """Every organisation an anonymous visitor may see, in a fixed pseudo-random order: its profile, and its
    organisation number for the bare one-query ceiling (the same organisations in the same order)."""
    from directory.access import ANONYMOUS
    from directory.models import Organisation

    rows = list(Organisation.objects.visible_to(ANONYMOUS).order_by("pk").values_list("code", "orgnr"))
    random.Random(seed).shuffle(rows)
    return (
        PathPool((f"/directory/org/{code}/" for code, _orgnr in rows), label="organisations"),
        PathPool((f"/bench/orgnr/{orgnr}/" for _code, orgnr in rows), label="the same organisations"),
    )


OPPORTUNITY_TITLES = ("Arbetsträning i caféet", "Praktik i second hand-butiken", "Trädgård och utemiljö")


def seed_listings(*, events: int, opportunities: int, seed: int = POOL_SEED) -> dict[str, int]:
    """Upcoming public events and open opportunities of organisations already seeded, so the events and
    opportunities pages are weighed and counted with full pages (the calendar's own benchmark, bench/events.py,
    loads it with 5,000 events)."""
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from directory.models import Organisation
    from events.factories import EventFactory
    from events.models import Event
    from matchmaking.factories import OpportunityFactory
    from matchmaking.models import Opportunity

    rng = random.Random(seed)
    hosts = list(Organisation.objects.filter(published=True, kind="asf").order_by("pk")[:200])
    now = timezone.now()
    today = timezone.localdate()
    fresh_days = settings.OPPORTUNITY_REFRESH_WEEKS * 7 - 2
    event_rows = []
    for i in range(events):
        host = rng.choice(hosts)
        start = (now + dt.timedelta(days=rng.uniform(1, 180))).replace(minute=0, second=0, microsecond=0)
        event_rows.append(
            EventFactory.build(
                organiser=host,
                forbund=None,  # national: listed on every portal
                kind=rng.choice(["network_meeting", "study_visit", "training", "workshop"]),
                title_sv=f"{rng.choice(['Nätverksträff', 'Studiebesök', 'Frukostmöte', 'Temadag om återbruk'])} #{i}",
                title_en="",
                description_sv="Välkommen! Fika serveras. Lokalen är tillgänglig med rullstol.",
                description_en="",
                start=start,
                end=start + dt.timedelta(hours=rng.choice([1, 2, 3])),
                place_name="Folkets hus",
                street_address="",
                online_url="",
                kommunkod=host.kommunkod_id,
                audience="public",
                capacity=rng.choice([None, 30, 50]),
            )
        )
    opportunity_rows = []
    for i in range(opportunities):
        host = rng.choice(hosts)
        low = rng.choice([5, 10, 15, 20])
        opportunity_rows.append(
            OpportunityFactory.build(
                organisation=host,
                type=rng.choice(["arbetstraning", "praktik", "extratjanst"]),
                title=f"{rng.choice(OPPORTUNITY_TITLES)} #{i}",
                description="Handledare finns på plats. Vi anpassar uppgifterna efter dig.",
                service=None,
                occupation_code="",
                municipality=host.kommunkod_id,
                hours_per_week_min=low,
                hours_per_week_max=low + 10,
                times=["mornings"],
                places_total=2,
                places_available=1,
                adaptations=[],
                supervisor_available=True,
                starts_on=today - dt.timedelta(days=rng.randint(0, 30)),
                ends_on=None,
                published=True,
                refreshed_at=now - dt.timedelta(days=rng.uniform(0, fresh_days)),
            )
        )
    for row in event_rows[:5]:
        row.full_clean(exclude=["organiser"])
    for row in opportunity_rows[:5]:
        row.full_clean(exclude=["organisation"])
    with transaction.atomic():
        Event.objects.bulk_create(event_rows, batch_size=1000)
        Opportunity.objects.bulk_create(opportunity_rows, batch_size=1000)
    return {"events": len(event_rows), "opportunities": len(opportunity_rows)}


LIST_PAGES = (
    ("directory search", SEARCH_PATH),
    ("directory", "/directory/"),
    ("opportunities", "/opportunities/"),
    ("events", "/events/"),
)


def list_page_queries() -> dict[str, int | None]:
    """The queries (on every database connection) an anonymous visitor's list page makes, in this process
    with Django's test client: the second request of each, so what a warm cache saves is saved; and the
    search once more as the first request after the directory's generation moved on (what a search costs
    that is not in the cache: "directory search, uncached"). Moving the generation on is what any committed
    change to the directory does (directory/facet_cache.py); it only makes the cached regions miss once."""
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    def counted(path: str) -> int | None:
        with contextlib.ExitStack() as stack:
            captured = [stack.enter_context(CaptureQueriesContext(connections[alias])) for alias in connections]
            response = client.get(path)
        return sum(len(c) for c in captured) if response.status_code == 200 else None

    client = Client(HTTP_HOST="127.0.0.1")
    counts: dict[str, int | None] = {}
    for name, path in LIST_PAGES:
        client.get(path)
        counts[name] = counted(path)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE directory_facet_generation SET n = nextval('directory_facet_generation_seq')")
    counts["directory search, uncached"] = counted(SEARCH_PATH)
    return counts


# Every static file a page names: in an attribute (href, src) or in the page's JSON data (the map's outlines
# and marker images), and in a style sheet's url(…) (fonts, images), relative to the style sheet.
_ASSET = re.compile(rb'"(/static/[^"?#]+)"')
_CSS_URL = re.compile(rb"url\(\s*['\"]?([^'\")?#]+)")


def _css_assets(css_path: str, css: bytes) -> set[str]:
    """The files a style sheet loads with url(…), as paths under /static/ (data: URIs are in the sheet)."""
    from posixpath import dirname, normpath

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
    import gzip

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


def fullest_profile() -> str:
    """The code of a public organisation with much on its profile (services, several municipalities served,
    certifications, coordinates): the profile that is weighed."""
    from django.db.models import Count

    from directory.access import ANONYMOUS
    from directory.models import Organisation

    organisation = (
        Organisation.objects.visible_to(ANONYMOUS)
        .filter(latitude__isnull=False)
        .annotate(
            n_services=Count("services", distinct=True),
            n_served=Count("municipalities_served", distinct=True),
            n_certifications=Count("certifications", distinct=True),
        )
        .order_by("-n_certifications", "-n_served", "-n_services", "pk")
        .values_list("code", flat=True)
        .first()
    )
    return str(organisation)


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
    meter: CpuMeter, args: argparse.Namespace, *, port: int, master_pid: int, pool: PathPool | None = None
) -> dict[str, Any]:
    """The search page under a short load at the database's current size — varied searches (`pool`, else
    one made from the data now), so the search is measured, not the cache — with the list pages' queries."""
    from directory.models import Organisation

    size = Organisation.objects.count()
    pool = pool or search_pools(search_entries())[0]
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
        "list_page_queries": list_page_queries(),
    }


def seed_to(size: int, have: int) -> tuple[int, dict[str, Any] | None]:
    """Seed organisations until the database holds `size` (`have`: how many the seed has made so far; rows
    the import added count too). Returns the new `have` and the seed's timings."""
    from directory.factories import organisation_rows
    from directory.models import Organisation

    missing = size - Organisation.objects.count()
    if missing <= 0:
        return have, None
    _log(f"seeding {missing:,} organisations (to {size:,})")
    seeded = seed(organisation_rows(missing, start=100_000 + have))
    return have + missing, seeded


# --- The server --------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(*, env: dict[str, str], workers: int, log_path: Path, log: Any) -> tuple[subprocess.Popen, int]:
    """gunicorn on a free port of 127.0.0.1 with the bench environment `env` (it keeps Django's default
    connection pool); returns the process, once it answers /healthz, and its port."""
    port = free_port()
    server_env = {**os.environ, **env}
    server_env.pop("DB_POOL", None)
    log(f"starting gunicorn ({workers} sync workers) on 127.0.0.1:{port}")
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "asfnet.wsgi:application",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--error-logfile",
        str(log_path),
        "--log-level",
        "warning",
        "--timeout",
        "60",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=server_env, stdin=subprocess.DEVNULL)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}; see {log_path}")
        with contextlib.suppress(OSError):
            if fetch(port, "/healthz")[0] == 200:
                return process, port
        time.sleep(0.3)
    stop_process(process)
    raise SystemExit(f"gunicorn did not answer within 60 s; see {log_path}")


def stop_process(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def run_wrk(
    *, port: int, path: str, duration: int, concurrency: int, script: str | None = None
) -> dict[str, Any] | None:
    from shutil import which

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


# --- Reporting ---------------------------------------------------------------------------------------------
def environment(pg_version: str) -> dict[str, Any]:
    import django

    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)  # noqa: S607
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True)  # noqa: S607
    import gunicorn

    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "postgresql": pg_version,
        "platform": platform.platform(),
        "git_commit": git.stdout.strip(),
        "git_dirty": bool(dirty.stdout.strip()),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def table(results: list[LoadResult], *, client_column: bool = True) -> str:
    titles = ("req/s", "p50 ms", "p90 ms", "p95 ms", "p99 ms", "errors", "CPU ms/req", "repeated")
    header = (f"{'endpoint':<42} {'client':<7}" if client_column else f"{'endpoint':<44}") + "".join(
        f"{title:>11}" for title in titles
    )
    lines = [header, "-" * len(header)]
    for r in results:
        p = r.percentiles_ms
        numbers = [r.rps, p.get("p50"), p.get("p90"), p.get("p95"), p.get("p99")]
        lines.append(
            (f"{r.name:<42} {r.client:<7}" if client_column else f"{r.name:<44}")
            + "".join(f"{_fmt(n):>11}" for n in numbers)
            + f"{r.errors:>11}{_fmt(r.server_cpu_ms_per_request):>11}"
            + f"{'one URL' if r.varied_paths is None else _fmt(r.repeated_paths, 0):>11}"
        )
    return "\n".join(lines)


# --- Shared by the benchmarks (bench.run, bench.events, bench.matchmaking, bench.reports) ---------------------
def add_load_arguments(parser: argparse.ArgumentParser, *, duration: int, per: str = "per URL") -> None:
    """The options of a load run against gunicorn: its length, warm-up, connections and workers."""
    parser.add_argument("--duration", type=int, default=duration, help=f"seconds of load {per} ({duration})")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per URL (2)")
    parser.add_argument("--concurrency", type=int, default=10, help="concurrent connections (10)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")


def add_output_arguments(parser: argparse.ArgumentParser, results: Path, *, seed: bool = True) -> None:
    """`--seed` of the generated data (unless the benchmark's data is not random) and `--output`."""
    if seed:
        parser.add_argument("--seed", type=int, default=2026, help="random seed of the data (2026)")
    parser.add_argument("--output", type=Path, default=results, help=f"JSON results ({results.relative_to(ROOT)})")


def load_url(
    meter: CpuMeter,
    args: argparse.Namespace,
    *,
    name: str,
    port: int,
    path: str | PathPool,
    log: Any,
    concurrency: int | None = None,
) -> LoadResult:
    """One URL under the Python load client, with the options of `add_load_arguments` (`concurrency`: other
    connections than --concurrency)."""
    return measured_python_load(
        meter,
        name=name,
        port=port,
        path=path,
        duration=args.duration,
        warmup=args.warmup,
        concurrency=concurrency or args.concurrency,
        log=log,
    )


def bench_database(variable: str, default: str) -> tuple[str, str]:
    """The benchmark's database URL (environment `variable`, else `default`) and its database name."""
    database_url = os.environ.get(variable) or default
    return database_url, urlsplit(database_url).path.lstrip("/")


def migrate(log: Any) -> float:
    """Create the schema in the fresh bench database; returns the seconds it took."""
    from django.core.management import call_command

    started = time.perf_counter()
    log("migrating")
    call_command("migrate", verbosity=0, interactive=False)
    return round(time.perf_counter() - started, 2)


def results_header(benchmark: str, pg_version: str, config: dict[str, Any], question: str = "") -> dict[str, Any]:
    """The start of every results file: what was measured, when, where and with which settings."""
    return {
        "benchmark": benchmark,
        **({"question": question} if question else {}),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "environment": environment(pg_version),
        "config": config,
    }


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
    database_url, db_name = bench_database("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL") or DEFAULT_REDIS_URL
    began = time.perf_counter()
    pg_version, env, redis_dbs = start_bench(database_url, redis_url, log=_log)

    import redis
    from django.core.management import call_command

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
    results["migrate_s"] = migrate(_log)
    results["config"]["search_concurrency"] = args.search_concurrency
    results["config"]["growth"] = args.growth
    results["config"]["import_repeats"] = args.import_repeats

    from directory.factories import organisation_rows

    smaller = sorted(size for size in args.growth if size < args.organisations)
    larger = sorted(size for size in args.growth if size > args.organisations)
    have = 0
    have, first_seed = seed_to(smaller[0] if smaller else args.organisations, have)
    # Events and opportunities before anything is measured: every size has the same full list pages.
    results["listings"] = seed_listings(events=args.listings, opportunities=args.listings)
    _log("collectstatic (DEBUG off serves the hashed files)")
    call_command("collectstatic", interactive=False, verbosity=0)

    load_results: list[LoadResult] = []
    results["growth"] = []
    server = None
    log_path = args.output.parent / "gunicorn-directory.log"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    try:
        server, port = start_gunicorn(env=env, workers=args.workers, log_path=log_path, log=_log)
        meter = CpuMeter(server.pid, db_name)
        for size in smaller:
            have, _seeded = seed_to(size, have)
            results["growth"].append(growth_point(meter, args, port=port, master_pid=server.pid))
        have, seeded = seed_to(args.organisations, have)
        results["seed"] = seeded or first_seed
        _log(f"seeded: {results['seed']}")
        expected = expected_search()
        results["search_url_results"] = expected["rows"]
        if not expected["rows"]:
            raise SystemExit(f"the search URL {SEARCH_PATH} finds nothing in the seed data")
        entries = search_entries()
        search_pool, list_pool = search_pools(entries)
        profile_pool, bare_pool = profile_pools()
        results["pools"] = {
            "searches": len(search_pool),
            "searches_with_one_municipality": sum(len(e.get("municipality", [])) < 2 for e in entries),
            "search_examples": search_pool.paths[:5],
            "searches_with_results_in_a_sample": searches_with_results(entries[:50]),
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
        results["page_weight"] = {name: page_weight(port, path) for name, path in weighed_pages(fullest_profile())}
        results["growth"].append(growth_point(meter, args, port=port, master_pid=server.pid, pool=search_pool))

        first, *more = (
            organisation_rows(args.import_rows, start=500_000 + run * args.import_rows, seed=7)
            for run in range(max(1, args.import_repeats))
        )
        results["import"] = measure_import(first, update=args.import_update, more=more)
        for size in larger:
            have, _seeded = seed_to(size, have)
            results["growth"].append(growth_point(meter, args, port=port, master_pid=server.pid))
    finally:
        stop_process(server)
        _log("gunicorn stopped")
    results["http"] = [r.as_record() for r in load_results]
    for url in redis_dbs:
        redis.Redis.from_url(url).flushdb()
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


def searches_with_results(entries: list[dict[str, list[str]]]) -> str:
    """How many of these searches find something for an anonymous visitor (the pool is made from the data, so
    nearly all should): 'n of m'."""
    from django.http import QueryDict

    from directory.access import ANONYMOUS
    from directory.selectors import organisation_search

    found = sum(
        organisation_search(
            actor=ANONYMOUS, params=QueryDict(urlencode(e, doseq=True)), with_facets=False
        ).organisations.exists()
        for e in entries
    )
    return f"{found} of {len(entries)}"


def measured_wrk(
    meter: CpuMeter, *, name: str, port: int, path: str | PathPool, args: argparse.Namespace
) -> LoadResult | None:
    """The same load with wrk (at --concurrency): a pool's unused URLs in turn through a Lua script."""
    import tempfile

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
