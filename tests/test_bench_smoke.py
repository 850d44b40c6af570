"""`make bench`'s own arithmetic and data, checked cheaply: percentiles, orgnr generation, the seed rows of
directory.factories (valid by the model's rules, and matching the benchmarked search), the import CSV, wrk
output parsing, and the benchmark-only views. No timings are asserted anywhere."""

from __future__ import annotations

import csv
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse

from asfnet import bench_urls
from bench import all as bench_all
from bench.load import LoadResult, parse_wrk, percentile
from bench.run import SEARCH_PATH, rows_to_csv
from directory import reference_data
from directory.factories import KOMMUNER, luhn_check_digit, make_orgnr, organisation_rows
from directory.import_export import imports
from directory.models import OrganisationKind, SupportOffered
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
                _http(bench_all.SEARCH + " @50", 60.0, 900.0, concurrency=50),
                _http(bench_all.LIST_CEILING, 100.0, 150.0),
                _http(bench_all.BARE_CEILING, 400.0, 40.0),
                _http(bench_all.PROFILE, 100.0, 120.0),
            ],
            "growth": growth,
            "import": {"rows": 10_000, "create_runs": [{"rows_per_s": r} for r in import_rates]},
            "page_weight": {"total_gzip_kb": 151.0, "total_raw_kb": 480.0},
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
    assert rows["page weight, search page (anonymous, gzip)"].met is False  # 151 KB > 150 KB
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
    latency = [row.measure for row in rows if row.section == "latency"]
    assert latency == ["directory search, 10 clients", "directory search, 50 clients"]
    growth = [row.measure for row in rows if row.section == "growth"]
    assert growth == [
        "directory search at 1,000 organisations",
        "directory search at 10,000 organisations",
        "directory search at 50,000 organisations",
        "ESF+ report at 10,000 participants",
        "ESF+ report at 100,000 participants",
    ]
    text = bench_all.render(rows)
    assert text.count("[goals]") == 1 and text.count("[growth]") == 1
    assert len(text.splitlines()) == 2 + 3 + len(rows)  # header, rule, three section titles, a line per row


def test_bench_table_without_results_shows_goals_unmeasured():
    rows = bench_all.build_rows({"run": None, "matchmaking": None, "events": None, "reports": None})
    goals = [row for row in rows if row.section == "goals"]
    assert len(goals) == 9
    assert all(row.met is None for row in goals)
