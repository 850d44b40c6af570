"""`make bench`'s own arithmetic and data, checked cheaply: percentiles, orgnr generation, the seed rows of
directory.factories (valid by the model's rules, and matching the benchmarked search), the varied requests
(pools of searches and organisations, the wrk script), the page weight's static files, the import CSV, wrk
output parsing, the benchmark-only views and the one table. No timings are asserted anywhere."""

from __future__ import annotations

import argparse
import csv
import json
import threading
from collections import Counter
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.http import QueryDict
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse

from asfnet import bench_urls
from bench import all as bench_all
from bench import harness, measure_directory
from bench import run as bench_run
from bench.load import LoadResult, PathPool, parse_wrk, percentile, wrk_script
from bench.measure_directory import rows_to_csv
from bench.run import SEARCH_PATH
from directory import reference_data
from directory.access import ANONYMOUS
from directory.factories import KOMMUNER, PROFILE_EXTRAS, luhn_check_digit, make_orgnr, organisation_rows
from directory.import_export import imports
from directory.models import Organisation, OrganisationKind, ServiceCategory, SupportOffered
from directory.search import reindex
from directory.selectors import organisation_search
from kernel import tabular
from kernel.identifiers import luhn_ok, normalise_orgnr
from tests.factories import OrganisationFactory

WRK_OUTPUT = """Running 15s test @ http://127.0.0.1:40000/directory/
  1 threads and 10 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   312.45ms   40.10ms   1.02s    71.00%
    Req/Sec    32.10     10.00    60.00     70.00%
  Latency Distribution
     50%  310.00ms
     75%  330.50ms
     90%  372.40ms
     99%    1.02s
  462 requests in 15.01s, 4.51MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:     30.78
Transfer/sec:    307.70KB
"""


def test_percentile_is_the_nearest_rank_of_unsorted_values():
    values = list(range(100, 0, -1))  # 1..100, reversed
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([7.5], 95) == 7.5
    assert percentile([1, 2, 3, 4], 95) == 4  # rank ceil(3.8) = 4: never interpolated below a real sample


def test_percentile_refuses_no_values_and_out_of_range_p():
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)
    with pytest.raises(ValueError, match="p must be"):
        percentile([1.0], 0)


@pytest.mark.parametrize("prefix", ["556", "769", "802", "212", "202", "232"])
def test_generated_orgnr_passes_the_real_validation(prefix):
    for n in (0, 1, 123_456, 999_999):
        orgnr = make_orgnr(prefix, n)
        assert normalise_orgnr(orgnr) == orgnr
        assert orgnr.startswith(prefix) and len(orgnr) == 10


def test_luhn_check_digit_agrees_with_the_validator_for_every_body():
    for n in range(2000):
        body = f"55{n:07d}"
        assert luhn_ok(body + luhn_check_digit(body))


def test_orgnr_generator_refuses_a_personnummer_like_prefix():
    with pytest.raises(ValueError, match="prefix"):
        make_orgnr("551", 1)  # third digit < 2 is a personnummer month, not an organisation


@pytest.mark.django_db  # the model's rules include that the municipality exists in the reference table
def test_seed_rows_are_deterministic_and_valid_by_the_models_rules():
    rows = organisation_rows(300, start=100_000)
    assert rows == organisation_rows(300, start=100_000)
    services = {slug for slug, _sv, _en in reference_data.SERVICES}
    with open(reference_data.DATA / "kommuner_norrbotten.csv", encoding="utf-8") as handle:
        municipalities = {row["kommunkod"] for row in csv.DictReader(handle)}
    assert set(KOMMUNER) == municipalities
    extra = ("services", "municipalities_served", "certifications", "confirmed_days_ago")
    for row in rows:
        assert row["kind"] in OrganisationKind.values
        assert set(row["services"]) <= services
        assert set(row["municipalities_served"]) <= municipalities
        assert set(row["support_offered"]) <= set(SupportOffered.values)
        organisation = OrganisationFactory.build(**{k: v for k, v in row.items() if k not in extra})
        organisation.full_clean(
            exclude=["confirmed_by", "verified_by", "logo"], validate_unique=False, validate_constraints=False
        )


def test_seed_ranges_never_share_an_orgnr():
    seeded = {row["orgnr"] for row in organisation_rows(2000, start=100_000)}
    imported = {row["orgnr"] for row in organisation_rows(2000, start=500_000, seed=7)}
    assert len(seeded) == 2000 and len(imported) == 2000
    assert not seeded & imported


def test_seed_data_has_rows_for_the_benchmarked_search():
    """The benchmarked URL is full text plus two facets; the seed must give it results to rank and show."""
    params = parse_qs(urlsplit(SEARCH_PATH).query)
    assert params == {"q": ["trädgård"], "kind": ["asf"], "municipality": ["2581"]}
    rows = organisation_rows(2000, start=100_000)
    hits = [
        r
        for r in rows
        if r["kind"] == "asf"
        and r["kommunkod"] == "2581"
        and "tradgard-skog" in r["services"]  # "Trädgård och skog": found by stem and by folded text
        and r["published"]
    ]
    assert len(hits) >= 5


def test_import_csv_has_the_columns_the_import_reads():
    rows = organisation_rows(20, start=500_000, seed=7)
    columns = [c for c in imports.COLUMNS if c in rows[0]]
    table = tabular.read_table(rows_to_csv(rows, columns), imports.SPEC)  # raises FileError on wrong columns
    assert set(imports.REQUIRED_COLUMNS) <= set(table.columns)
    assert len(table.rows) == 20 and not table.errors
    first = table.rows[0].cells
    assert first["orgnr"] == rows[0]["orgnr"]
    assert first["services"] == "|".join(rows[0]["services"])
    assert first["published"] in {"true", "false"}


def test_wrk_output_is_parsed_into_milliseconds_and_errors():
    result = parse_wrk(WRK_OUTPUT)
    assert result["rps"] == pytest.approx(30.78)
    assert result["requests"] == 462
    assert result["percentiles_ms"] == pytest.approx({"p50": 310.0, "p75": 330.5, "p90": 372.4, "p99": 1020.0})
    assert result["errors"] == 4 + 3


def test_wrk_output_without_a_rate_is_refused():
    with pytest.raises(ValueError, match="Requests/sec"):
        parse_wrk("unable to connect to 127.0.0.1:1 Connection refused")


def test_server_cpu_per_request_counts_gunicorn_and_postgres_over_answered_requests():
    result = LoadResult(
        name="search",
        path="/directory/",
        client="python",
        duration_s=15,
        concurrency=10,
        requests=110,
        errors=10,
        rps=6.7,
        percentiles_ms={},
        cpu_s={"gunicorn": 6.0, "postgres_bench_db": 14.0, "load_generator": 0.5},
    )
    assert result.server_cpu_ms_per_request == pytest.approx(200.0)  # (6 + 14) s / 100 answered
    assert LoadResult("x", "/", "wrk", 1, 1, 0, 0, 0.0, {}).server_cpu_ms_per_request is None


@pytest.mark.django_db
def test_bench_urls_are_not_routed_unless_switched_on(client):
    with pytest.raises(NoReverseMatch):
        reverse("bench:list")
    assert client.get("/bench/list/").status_code == 404


@pytest.mark.django_db
def test_bench_views_show_only_published_organisations():
    rf = RequestFactory()
    listed = OrganisationFactory(name="Trädgårdarna Piteå", kommunkod="2581")
    hidden = OrganisationFactory(name="Dolda Snickeriet", kommunkod="2581", published=False)

    found = bench_urls.orgnr_lookup(rf.get("/"), orgnr=listed.orgnr)
    assert found.status_code == 200
    assert json.loads(found.content)["name"] == "Trädgårdarna Piteå"
    assert bench_urls.orgnr_lookup(rf.get("/"), orgnr=hidden.orgnr).status_code == 404

    page = bench_urls.filtered_list(rf.get("/", {"kind": "asf", "kommunkod": "2581"}))
    assert page.status_code == 200
    assert b"Tr\xc3\xa4dg\xc3\xa5rdarna Pite\xc3\xa5" in page.content
    assert b"Dolda" not in page.content


@pytest.mark.django_db
def test_bench_list_stops_at_25_rows():
    for _ in range(30):
        OrganisationFactory(kommunkod="2581")
    page = bench_urls.filtered_list(RequestFactory().get("/", {"kommunkod": "2581"}))
    assert page.content.count(b"<tr><td>") == 25


# --- The one table of `make bench` (bench/all.py) --------------------------------------------------------------
def _http(name: str, rps: float, p95: float, concurrency: int = 10) -> dict:
    return {
        "name": name,
        "client": "python",
        "concurrency": concurrency,
        "rps": rps,
        "errors": 0,
        "percentiles_ms": {"p50": p95 / 2, "p95": p95},
    }


def _results(*, list_queries_10k: int = 7, import_rates=(1500.0, 1200.0, 900.0)) -> dict:
    growth = [
        {
            "organisations": n,
            "rps": 30.0,
            "p95_ms": 300.0,
            "worker_peak_mib": 90.0,
            "list_page_queries": {"directory": 7 if n != 10_000 else list_queries_10k, "events": 4},
        }
        for n in (1_000, 10_000, 50_000)
    ]
    return {
        "run": {
            "config": {"concurrency": 10},
            "http": [
                _http(bench_all.SEARCH, 66.0, 300.0),
                _http(bench_all.SEARCH_CACHED, 300.0, 40.0),
                _http(bench_all.LIST_CEILING, 100.0, 150.0),
                _http(bench_all.BARE_CEILING, 400.0, 40.0),
                _http(bench_all.PROFILE, 100.0, 120.0),
                _http(bench_all.SEARCH + " @50", 60.0, 900.0, concurrency=50),
                _http(bench_all.SEARCH_CACHED + " @50", 280.0, 200.0, concurrency=50),
                _http(bench_all.LIST_CEILING + " @50", 95.0, 600.0, concurrency=50),
                _http(bench_all.BARE_CEILING + " @50", 380.0, 150.0, concurrency=50),
                _http(bench_all.PROFILE + " @50", 90.0, 600.0, concurrency=50),
            ],
            "growth": growth,
            "import": {"rows": 10_000, "create_runs": [{"rows_per_s": r} for r in import_rates]},
            "page_weight": {
                "home": {"total_gzip_kb": 40.0, "total_raw_kb": 120.0},
                "map": {"total_gzip_kb": 151.0, "total_raw_kb": 480.0},
                "organisation profile": {"total_gzip_kb": 60.0, "total_raw_kb": 200.0},
            },
        },
        "matchmaking": {
            "timings": {
                bench_all.SUGGESTIONS: {"p50_ms": 30.0},
                "bare SELECT of the candidates (values_list)": {"p50_ms": 10.0},
            }
        },
        "events": None,
        "reports": {
            "sizes": [
                {
                    "participants": 10_000,
                    "esf_report_ms_median": 50.0,
                    "hand_sql_ms_median": 10.0,
                    "ratio": 5.0,
                    "task": {"task_s": 1.0, "rss_peak_mib": 120.0},
                },
                {
                    "participants": 100_000,
                    "esf_report_ms_median": 290.0,
                    "hand_sql_ms_median": 100.0,
                    "ratio": 2.9,
                    "task": {"task_s": 4.0, "rss_peak_mib": 150.0},
                },
            ]
        },
    }


def test_bench_table_sets_each_goal_against_its_ceiling_of_the_same_run():
    rows = {row.measure: row for row in bench_all.build_rows(_results())}
    search = rows["directory search req/s (10 clients)"]
    assert (search.ratio, search.met) == ("66%", True)  # 66 of 100 req/s, goal ≥ 60 %
    p95 = rows["directory search p95"]
    assert (p95.ratio, p95.met) == ("2.00×", False)  # 300 ms against 150 ms, goal ≤ 1.5×
    profile = rows["organisation profile req/s"]
    assert (profile.ratio, profile.met) == ("25%", False)  # 100 of 400 req/s, goal ≥ 50 %
    assert rows["match suggestions p50"].met is True  # exactly 3× is within ≤ 3×
    assert rows["ESF+ report, 100k participants"].ratio == "2.90×"  # the 100k size, not the 10k one
    cached = rows["  search, cached (one URL again) req/s"]
    assert (cached.ratio, cached.met) == ("300%", None)  # a figure beside the goal, not the goal
    assert rows["page weight, map"].met is False  # 151 KB > 150 KB
    assert (rows["page weight, home"].met, rows["page weight, home"].against) == (True, "120.0 KB uncompressed")
    queries = rows["queries on list pages (anonymous)"]
    assert (queries.ratio, queries.met) == ("constant", True)


def test_bench_table_reports_the_median_import_run_and_the_spread():
    imported = {row.measure: row for row in bench_all.build_rows(_results())}["import of 10,000 organisations"]
    assert imported.value == "1,200 rows/s (runs 1,500, 1,200, 900)"
    assert imported.met is True
    slow = {row.measure: row for row in bench_all.build_rows(_results(import_rates=(990.0,)))}
    assert slow["import of 10,000 organisations"].met is False


def test_bench_table_flags_a_query_count_that_grows_with_the_data():
    row = bench_all.query_count_row(_results(list_queries_10k=9)["run"]["growth"])
    assert (row.ratio, row.met) == ("GROWS", False)
    over = bench_all.query_count_row(_results(list_queries_10k=11)["run"]["growth"])
    assert over.met is False


def test_bench_table_shows_latency_and_growth_and_renders_one_table():
    rows = bench_all.build_rows(_results())
    latency = {row.measure: row for row in rows if row.section == "latency"}
    endpoints = [
        "directory search (varied)",
        "directory search, cached",
        "ceiling: django-filter list of 25 (varied)",
        "organisation profile (varied)",
        "ceiling: bare one-query view (varied)",
    ]
    assert list(latency) == [f"{e}, {n} clients" for n in (10, 50) for e in endpoints]
    assert latency["directory search (varied), 50 clients"].value == "p50 450.0 ms, p95 900.0 ms"
    assert latency["directory search (varied), 50 clients"].ratio == "p95 1.50× ceiling"  # 900 of the list's 600
    assert latency["organisation profile (varied), 50 clients"].ratio == "p95 4.00× ceiling"  # of the bare 150
    growth = [row.measure for row in rows if row.section == "growth"]
    assert growth == [
        "directory search (varied) at 1,000 organisations",
        "directory search (varied) at 10,000 organisations",
        "directory search (varied) at 50,000 organisations",
        "ESF+ report at 10,000 participants",
        "ESF+ report at 100,000 participants",
    ]
    text = bench_all.render(rows)
    assert text.count("[goals]") == 1 and text.count("[growth]") == 1
    assert len(text.splitlines()) == 2 + 3 + len(rows)  # header, rule, three section titles, a line per row


def test_bench_table_without_results_shows_goals_unmeasured():
    rows = bench_all.build_rows({"run": None, "matchmaking": None, "events": None, "reports": None})
    goals = [row for row in rows if row.section == "goals"]
    assert len(goals) == 8
    assert all(row.met is None for row in goals)


def test_bench_table_reads_a_results_file_that_weighed_the_search_page_only():
    rows = bench_all.page_weight_rows({"path": SEARCH_PATH, "total_gzip_kb": 30.0, "total_raw_kb": 90.0})
    assert [(row.measure, row.met) for row in rows] == [("page weight, directory search", True)]


# --- Varied requests: the search and the profile are measured, not their cache --------------------------------
def test_a_pool_hands_out_every_url_once_before_any_again_even_to_threads():
    pool = PathPool([f"/p/{n}" for n in range(1000)] + ["/p/0"])  # the duplicate is dropped
    assert len(pool) == 1000
    taken: list[str] = []
    lock = threading.Lock()

    def take() -> None:
        mine = [pool.next() for _ in range(100)]
        with lock:
            taken.extend(mine)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(taken)) == 800 and pool.repeated == 0
    assert pool.unused()[0] == "/p/800" and len(pool.unused()) == 200
    pool.advance(250)  # another client (wrk) took the 200 unused and 50 again
    assert pool.repeated == 50
    with pytest.raises(ValueError, match="no paths"):
        PathPool([])


def test_a_ceiling_pool_keeps_the_order_and_repeats_of_the_searches_it_follows():
    pool = PathPool(["/a", "/b", "/a"], distinct=False)
    assert [pool.next() for _ in range(3)] == ["/a", "/b", "/a"]


def test_wrk_script_requests_the_paths_in_turn():
    script = wrk_script(["/directory/?q=tr%C3%A4dg%C3%A5rd&kind=asf", "/directory/org/x/"])
    assert '"/directory/?q=tr%C3%A4dg%C3%A5rd&kind=asf",' in script
    assert "i = i % #paths + 1" in script and 'wrk.format("GET", paths[i]' in script


def test_the_list_ceiling_gets_the_searchs_facets_without_its_text():
    entry = {"q": ["trädgård"], "kind": ["asf"], "municipality": ["2581", "2582"]}
    assert (
        bench_run.search_path(entry) == "/directory/?q=tr%C3%A4dg%C3%A5rd&kind=asf&municipality=2581&municipality=2582"
    )
    assert bench_run.list_ceiling_path(entry) == "/bench/list/?kind=asf&kommunkod=2581%2C2582"
    assert bench_run.list_ceiling_path({"q": ["flytt"], "service": ["transport"], "municipality": ["2584"]}) == (
        "/bench/list/?service=transport&kommunkod=2584"
    )


def test_search_terms_name_real_services_and_a_name_gives_a_word_of_it():
    assert set(measure_directory.SEARCH_TERMS) == {slug for slug, _sv, _en in reference_data.SERVICES}
    assert measure_directory.name_term("Hembygdsföreningen Kiruna", "Kiruna") == "hembygdsföreningen"
    assert measure_directory.name_term("Luleå kommun – Socialtjänsten", "Luleå") == "socialtjänsten"
    assert measure_directory.name_term("El i Boden AB", "Boden") == "el"


@pytest.mark.django_db
def test_the_search_pool_is_made_of_searches_that_find_what_they_were_made_from():
    services = {s.slug: s for s in ServiceCategory.objects.all()}
    for n, row in enumerate(organisation_rows(60, start=100_000)):
        fields = {k: v for k, v in row.items() if k not in PROFILE_EXTRAS}
        organisation = OrganisationFactory(**{**fields, "name": f"{row['name']} {n}"})
        organisation.services.set([services[slug] for slug in row["services"]])
    reindex(Organisation.objects.values_list("pk", flat=True))
    entries = measure_directory.search_entries()
    assert entries == measure_directory.search_entries()  # the same order every run
    paths = [bench_run.search_path(e) for e in entries]
    assert len(set(paths)) == len(paths)
    single = [e for e in entries if len(e.get("municipality", [])) < 2]
    assert entries[: len(single)] == single  # searches of one municipality first, those of two after
    assert all(len([f for f in ("kind", "municipality", "service") if f in e]) == 2 for e in entries)
    # Every search of one municipality, not the first 40: which come first follows the rows' order, and about
    # one in ten of the generated organisations is stale or unlisted by design (organisation_rows), so a sample
    # of 40 found 35 in a full run and 36 or more alone, depending on the order the tests before it left.
    found = Counter(
        organisation_search(
            actor=ANONYMOUS, params=QueryDict(urlencode(e, doseq=True)), with_facets=False
        ).organisations.exists()
        for e in single
    )
    assert sum(found.values()) > 300
    assert found[True] >= 0.85 * sum(found.values())


@pytest.mark.django_db
def test_the_profile_pool_and_its_ceiling_take_the_same_visible_organisations_in_turn():
    listed = OrganisationFactory.create_batch(5)
    OrganisationFactory(published=False)
    profiles, bare = measure_directory.profile_pools()
    assert len(profiles) == len(bare) == 5
    by_orgnr = {o.orgnr: o.code for o in listed}
    assert [f"/directory/org/{by_orgnr[p.split('/')[3]]}/" for p in bare.paths] == profiles.paths


@pytest.mark.django_db
def test_bench_list_takes_several_municipalities_and_a_service():
    catering = ServiceCategory.objects.get(slug="catering")
    OrganisationFactory(name="Piteå Catering", kommunkod="2581").services.add(catering)
    OrganisationFactory(name="Bodens Catering", kommunkod="2582").services.add(catering)
    OrganisationFactory(name="Luleå Catering", kommunkod="2580").services.add(catering)
    OrganisationFactory(name="Piteå Snickeri", kommunkod="2581")
    page = bench_urls.filtered_list(RequestFactory().get("/", {"kommunkod": "2581,2582", "service": "catering"}))
    assert page.content.count(b"<tr><td>") == 2
    assert b"Lule" not in page.content and b"Snickeri" not in page.content


def test_page_weight_follows_a_style_sheets_fonts_and_images():
    css = b"""@font-face{src:url(../fonts/inter.woff2) format("woff2")} .a{background:url('/static/img/x.svg')}
    .b{background:url("data:image/png;base64,AAAA")} .c{background:url(https://example.org/y.png)}"""
    assert bench_run._css_assets("/static/css/asfnet.abc.css", css) == {
        "/static/fonts/inter.woff2",
        "/static/img/x.svg",
    }
    json_data = b'<script type="application/json">{"basemap": {"url": "/static/map/sweden.1.geojson"}}</script>'
    assert bench_run._ASSET.findall(json_data) == [b"/static/map/sweden.1.geojson"]


def test_every_public_page_is_weighed():
    assert [name for name, _path in bench_run.weighed_pages("abc")] == [
        "home",
        "directory",
        "directory search",
        "map",
        "organisation profile",
        "events",
        "opportunities",
    ]


@pytest.mark.django_db(databases="__all__")  # the count covers every connection, the replica's too
def test_list_page_queries_count_the_search_also_when_it_is_not_cached():
    OrganisationFactory(name="Trädgårdarna Piteå", kommunkod="2581")
    counts = measure_directory.list_page_queries(bench_run.LIST_PAGES, search_path=SEARCH_PATH)
    assert set(counts) == {name for name, _path in bench_run.LIST_PAGES} | {"directory search, uncached"}
    assert all(isinstance(count, int) and count > 0 for count in counts.values()), counts


def test_a_url_is_loaded_with_the_benchmarks_options_or_other_connections(monkeypatch):
    """bench.harness.load_url: --duration, --warmup and --concurrency, unless the call names other connections
    (the search at several concurrencies)."""
    calls = []
    monkeypatch.setattr(harness, "measured_python_load", lambda meter, **options: calls.append(options))
    args = argparse.Namespace(duration=7, warmup=2, concurrency=10)
    harness.load_url(None, args, name="search", port=8000, path="/s", log=print)
    harness.load_url(None, args, name="search @40", port=8000, path="/s", log=print, concurrency=40)
    assert [(c["duration"], c["warmup"], c["concurrency"]) for c in calls] == [(7, 2, 10), (7, 2, 40)]


def test_a_load_row_is_kept_in_the_results_with_its_server_cpu_per_request():
    """bench.load.LoadResult.as_record: every field, and the server CPU per answered request to 0.01 ms (None
    when the server was not metered)."""
    row = LoadResult(
        name="search",
        path="/s",
        client="python",
        duration_s=1.0,
        concurrency=1,
        requests=4,
        errors=1,
        rps=3.0,
        percentiles_ms={"p50": 1.0},
        cpu_s={"gunicorn": 0.01, "postgres_bench_db": 0.00002},
    )
    assert row.as_record()["server_cpu_ms_per_request"] == 3.34  # 10.02 ms over 3 answered
    assert row.as_record()["percentiles_ms"] == {"p50": 1.0}
    unmetered = LoadResult(
        name="s", path="/s", client="wrk", duration_s=1, concurrency=1, requests=1, errors=0, rps=1, percentiles_ms={}
    )
    assert unmetered.as_record()["server_cpu_ms_per_request"] is None
