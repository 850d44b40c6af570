"""The directory benchmark's measurements (`make bench`, bench/run.py): what needs Django. Seeding the
organisations through directory.factories with COPY and building the search index, the events and
opportunities of the list pages, the pools of varied searches and profiles made from the data, the search's
expected results, the queries of the list pages (Django's test client, CaptureQueriesContext), the fullest
profile and the timed CSV import.

Imported once by bench/run.py's main() after django.setup() (bench/harness.py: start_bench), so every import is
here at the top. The load, the server, the page weight and the table are bench/run.py's.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import random
import re
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Count
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.load import PathPool
from directory.access import ANONYMOUS
from directory.factories import PROFILE_EXTRAS, OrganisationFactory, organisation_rows
from directory.import_export.imports import COLUMNS, organisation_import
from directory.models import Certification, Municipality, Organisation, ServiceCategory
from directory.search import reindex
from directory.selectors import organisation_search
from events.factories import EventFactory
from events.models import Event
from kernel import bulk
from matchmaking.factories import OpportunityFactory
from matchmaking.models import Opportunity

Log = Callable[[str], None]


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


def profile_pools(seed: int = POOL_SEED) -> tuple[PathPool, PathPool]:
    """Every organisation an anonymous visitor may see, in a fixed pseudo-random order: its profile, and its
    organisation number for the bare one-query ceiling (the same organisations in the same order)."""
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


def seed(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Insert `rows` with COPY (kernel.bulk: organisations, their services and municipalities served,
    certifications), then build the search index. Returns timings."""
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


def organisation_count() -> int:
    return Organisation.objects.count()


def import_files(rows: int, *, repeats: int) -> list[list[dict[str, Any]]]:
    """The rows of `repeats` (at least one) import files of `rows` new organisations each: other orgnr than
    the seed's, one range per file."""
    return [organisation_rows(rows, start=500_000 + run * rows, seed=7) for run in range(max(1, repeats))]


def seed_to(size: int, have: int, *, log: Log) -> tuple[int, dict[str, Any] | None]:
    """Seed organisations until the database holds `size` (`have`: how many the seed has made so far; rows
    the import added count too). Returns the new `have` and the seed's timings."""
    missing = size - Organisation.objects.count()
    if missing <= 0:
        return have, None
    log(f"seeding {missing:,} organisations (to {size:,})")
    seeded = seed(organisation_rows(missing, start=100_000 + have))
    return have + missing, seeded


def expected_search(search_path: str) -> dict[str, Any]:
    """What the search URL `search_path` should show an anonymous visitor: the number of results and the first
    result's code (the page must link to it)."""
    params = QueryDict(urlsplit(search_path).query)
    result = organisation_search(actor=ANONYMOUS, params=params, with_facets=False)
    first = result.organisations.first()
    return {"rows": result.organisations.count(), "first_code": str(first.code) if first else None}


def searches_with_results(entries: list[dict[str, list[str]]]) -> str:
    """How many of these searches find something for an anonymous visitor (the pool is made from the data, so
    nearly all should): 'n of m'."""
    found = sum(
        organisation_search(
            actor=ANONYMOUS, params=QueryDict(urlencode(e, doseq=True)), with_facets=False
        ).organisations.exists()
        for e in entries
    )
    return f"{found} of {len(entries)}"


def list_page_queries(pages: Sequence[tuple[str, str]], *, search_path: str) -> dict[str, int | None]:
    """The queries (on every database connection) an anonymous visitor's list `pages` (name, path) make, in
    this process with Django's test client: the second request of each, so what a warm cache saves is saved;
    and the search (`search_path`) once more as the first request after the directory's generation moved on
    (what a search costs that is not in the cache: "directory search, uncached"). Moving the generation on is
    what any committed change to the directory does (directory/facet_cache.py); it only makes the cached
    regions miss once."""

    def counted(path: str) -> int | None:
        with contextlib.ExitStack() as stack:
            captured = [stack.enter_context(CaptureQueriesContext(connections[alias])) for alias in connections]
            response = client.get(path)
        return sum(len(c) for c in captured) if response.status_code == 200 else None

    client = Client(HTTP_HOST="127.0.0.1")
    counts: dict[str, int | None] = {}
    for name, path in pages:
        client.get(path)
        counts[name] = counted(path)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE directory_facet_generation SET n = nextval('directory_facet_generation_seq')")
    counts["directory search, uncached"] = counted(search_path)
    return counts


def fullest_profile() -> str:
    """The code of a public organisation with much on its profile (services, several municipalities served,
    certifications, coordinates): the profile that is weighed."""
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
    rows: list[dict[str, Any]], *, log: Log, update: bool = False, more: list[list[dict[str, Any]]] | None = None
) -> dict[str, Any]:
    """Time a dry run and the real import of `rows` as CSV, then of each list of rows in `more` (the same
    size, other organisations: the spread of several runs); `create` is the median run."""
    columns = [c for c in COLUMNS if c in rows[0]]
    created_file = rows_to_csv(rows, columns).encode("utf-8")
    before = Organisation.objects.count()
    result: dict[str, Any] = {"measured": True, "rows": len(rows), "columns": columns, "bytes": len(created_file)}

    def timed(label: str, data: bytes, dry_run: bool = False) -> Any:
        log(f"import: {label}")
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
