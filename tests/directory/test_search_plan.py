"""The directory search uses its indexes at bench size: 10,000 organisations, the search page with a text and
two facets, every query the page runs that reads directory_organisation EXPLAINed (with the connection's
settings, as the site runs) — none may read the table sequentially."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from directory.access import ANONYMOUS
from directory.factories import PROFILE_EXTRAS, ForbundFactory, organisation_rows
from directory.models import Organisation
from directory.selectors import organisation_search
from tests.factories import OrganisationFactory

SIZE = 10_000


def _bench_size_directory() -> None:
    """SIZE realistic organisations — the bench's own rows (directory.factories.organisation_rows: Norrbotten
    profiles with Swedish descriptions, a few stale or unlisted) — inserted with bulk_create, their search
    columns written by one UPDATE (as directory.search.reindex does, without services), then ANALYZE."""
    rows = organisation_rows(SIZE)
    Organisation.objects.bulk_create(
        [OrganisationFactory.build(**{k: v for k, v in row.items() if k not in PROFILE_EXTRAS}) for row in rows],
        batch_size=2000,
    )
    table = Organisation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table} SET
                search_text = lower(translate(name || ' ' || legal_name || ' ' || city, 'ÅÄÖåäöé', 'aaoaaoe')),
                search_vector =
                    setweight(to_tsvector('swedish', name || ' ' || legal_name), 'A')
                    || setweight(to_tsvector('swedish', description_sv || ' ' || summary_easy_sv), 'C')
                    || setweight(to_tsvector('english', description_en), 'D')
            """  # noqa: S608 - the table name comes from model metadata
        )
        cursor.execute(f"ANALYZE {table}")


@pytest.mark.django_db
@pytest.mark.parametrize("in_area", [False, True], ids=["national", "forbund-area"])
def test_search_page_reads_organisations_through_indexes_at_bench_size(client, in_area):
    """Nationally, and in a förbund's area (an installation of one förbund with municipalities opens its
    directory there: directory.selectors.search_area)."""
    assert connection.vendor == "postgresql"
    _bench_size_directory()
    area = None
    if in_area:
        area = frozenset(ForbundFactory().municipalities.values_list("code", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert float(cursor.fetchone()[0]) == 1.1  # the connection option of asfnet/settings.py

    # In the area, no municipality facet: the area's is the only condition on the municipality.
    params = {"q": "trädgård", "kind": "asf"} if in_area else {"q": "trädgård", "kind": "asf", "municipality": "2581"}
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("directory:index"), params)
    assert response.status_code == 200
    expected = organisation_search(actor=ANONYMOUS, params=QueryDict(urlencode(params)), with_facets=False, area=area)
    count = expected.organisations.count()
    assert count > 25  # more than one page of results
    if in_area:
        national = organisation_search(actor=ANONYMOUS, params=QueryDict(urlencode(params)), with_facets=False)
        assert count < national.organisations.count()  # the page searched the area, not the country
    assert f"{count} organisationer hittades" in response.content.decode()

    reading = [q["sql"] for q in captured.captured_queries if re.search(r'\bdirectory_organisation"?\b', q["sql"])]
    assert len(reading) >= 2  # the facet counts with the total and the page's ids; the page's rows by key
    for sql in reading:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert not re.search(r"Seq Scan on directory_organisation\b", plan), f"{sql}\n\n{plan}"


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["second hand", "arbetsträning"])
def test_a_query_is_one_array_of_the_rows_matching_every_word_found_through_the_indexes(client, query):
    """One `= ANY(ARRAY(…))` for all the words, not one per word: two arrays are compared element by element
    (for "second hand" at 50,000 organisations, 3,195 × 17,542 comparisons: 1.6 s of a 1.7 s query). "hand"
    and "arbetsträning" each match a fifth of the organisations, yet nothing reads the table sequentially: the
    word-similarity operator is priced as what it is (directory.search.SIMILARITY_COST_SQL)."""
    _bench_size_directory()
    params = {"q": query, "kind": "asf", "municipality": "2581"}
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("directory:index"), params)
    assert response.status_code == 200
    reading = [q["sql"] for q in captured.captured_queries if re.search(r'\bdirectory_organisation"?\b', q["sql"])]
    searching = [sql for sql in reading if "search_vector" in sql and "@@" in sql]
    # One statement searches (the facets, the total and the page's ids); the page's rows are then read by key.
    assert len(searching) == 1
    for sql in searching:
        assert sql.count("= ANY(ARRAY(") == 1, sql
    for sql in reading:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert not re.search(r"Seq Scan on directory_organisation\b", plan), f"{sql}\n\n{plan}"


@pytest.mark.django_db
def test_migrate_declares_the_word_similarity_operator_as_costly_as_a_text_search_match():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT procost FROM pg_proc WHERE oid = 'word_similarity_commutator_op(text, text)'::regprocedure"
        )
        assert cursor.fetchone()[0] == 100
        cursor.execute("SELECT procost FROM pg_proc WHERE oid = 'ts_match_tt(text, text)'::regprocedure")
        assert cursor.fetchone()[0] == 100  # PostgreSQL's own price for matching two texts
