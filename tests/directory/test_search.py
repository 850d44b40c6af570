"""Directory search on PostgreSQL: Swedish stemming, partial words, compound parts, typos, folding, ranking,
facets with counts, Swedish order, scope, query budgets and hostile parameters (docs/security-checks.md E24, C13)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from directory.access import ANONYMOUS, actor_for
from directory.models import Certification, CertificationKind, OrganisationKind, ServiceCategory
from directory.search import fold, reindex
from directory.selectors import organisation_search
from tests.factories import MembershipFactory, OrganisationFactory


def _org(name: str, *, services=(), description_sv: str = "", **fields):
    org = OrganisationFactory(name=name, description_sv=description_sv, **fields)
    if services:
        org.services.set(ServiceCategory.objects.filter(slug__in=services))
    reindex([org.pk])
    return org


def _names(params: str = "", user=None) -> list[str]:
    result = organisation_search(actor=actor_for(user), params=QueryDict(params), with_facets=False)
    return [o.name for o in result.organisations]


@pytest.fixture
def catalogue(db):
    assert connection.vendor == "postgresql"
    return {
        "tradgard": _org("Trädgårdarna i Boden", services=["tradgard-skog"], kommunkod="2582"),
        "catering": _org("Cateringköket", services=["catering"], kommunkod="2581"),
        "stad": _org("Städservice Piteå", services=["stad"], kommunkod="2581"),
        "ostersund": _org("Östersunds Återbruk", services=["aterbruk"], kommunkod="2380"),
        "cafe": _org(
            "Café Kvarnen",
            services=["cafe-restaurang"],
            description_sv="Vi driver ett café med lunchservering och tar emot praktikanter i trädgården.",
        ),
        "business": _org("Norrbygg AB", kind=OrganisationKind.BUSINESS),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("trädgård", "Trädgårdarna i Boden"),  # inflected form (stemming)
        ("Trädgårdarna", "Trädgårdarna i Boden"),
        ("catering", "Cateringköket"),  # a word typed in full, a compound's first part
        ("cat", "Cateringköket"),  # typed only partly
        ("service", "Städservice Piteå"),  # a later part of a compound
        ("tradgard", "Trädgårdarna i Boden"),  # without å/ä
        ("tradgårdar", "Trädgårdarna i Boden"),  # mixed and partly inflected
        ("ostersund", "Östersunds Återbruk"),  # ö folded
        ("STÄDSERVICE", "Städservice Piteå"),  # case
        ("tradgaardarna", "Trädgårdarna i Boden"),  # a small typo
        ("städ piteå", "Städservice Piteå"),  # every word must match
    ],
)
def test_search_finds_what_swedish_users_type(catalogue, query, expected):
    names = _names(f"q={query}")
    assert expected in names, names
    assert names[0] == expected, f"{expected!r} should rank first for {query!r}: {names}"


def test_a_word_must_match_every_term(catalogue):
    assert _names("q=städ boden") == []


def test_a_stop_word_filters_nothing_and_a_short_word_matches_whole_words_only(catalogue):
    """ "i" is a Swedish stop word: "städservice i piteå" finds what "städservice piteå" finds. A word of two
    letters matches the start of a word (full text), not two letters anywhere: "ca" finds "Café Kvarnen" and
    "Cateringköket", "yg" does not find Norrbygg."""
    assert _names("q=städservice i piteå") == _names("q=städservice piteå") == ["Städservice Piteå"]
    assert sorted(_names("q=ca")) == ["Café Kvarnen", "Cateringköket"]
    assert _names("q=yg") == []
    assert _names("q=ygg") == ["Norrbygg AB"]  # three letters: anywhere in the name


def test_descriptions_are_searched_but_names_rank_higher(catalogue):
    names = _names("q=trädgård")
    assert names[:2] == ["Trädgårdarna i Boden", "Café Kvarnen"]


def test_search_text_is_folded():
    assert fold("Städservice i Östersund — Åre!") == "stadservice i ostersund are"


def test_names_sort_in_swedish_order(db):
    for name in ["Örnen", "Zeta", "Ängen", "Åkern", "Alfa"]:
        _org(name)
    assert _names("sort=name") == ["Alfa", "Zeta", "Åkern", "Ängen", "Örnen"]


def test_facets_count_over_the_other_filters(catalogue):
    result = organisation_search(actor=ANONYMOUS, params=QueryDict("kind=asf&municipality=2581"))
    assert {o.name for o in result.organisations} == {"Cateringköket", "Städservice Piteå"}
    kinds = {f.value: f.count for f in result.facets["kind"]}
    # The kind facet ignores the kind filter: in Piteå there are 2 ASF and nothing else.
    assert kinds == {"asf": 2}
    municipalities = {f.value: f.count for f in result.facets["municipality"]}
    # The municipality facet ignores the municipality filter: all ASF by municipality (2380 Östersund too:
    # the reference holds all of Sweden's municipalities).
    assert municipalities == {"2582": 1, "2581": 2, "2580": 1, "2380": 1}
    assert next(f for f in result.facets["municipality"] if f.value == "2581").selected
    services = {f.value: f.count for f in result.facets["service"]}
    assert services == {"catering": 1, "stad": 1}


def test_certified_and_placements_facets(catalogue):
    Certification.objects.create(
        status="approved",
        organisation=catalogue["catering"],
        kind=CertificationKind.SKOOPI,
        valid_until=timezone.localdate() + dt.timedelta(days=30),
    )
    Certification.objects.create(
        status="approved",
        organisation=catalogue["stad"],
        kind=CertificationKind.SKOOPI,
        valid_until=dt.date(2020, 1, 1),
    )
    catalogue["cafe"].takes_placements = True
    catalogue["cafe"].save()
    assert _names("certified=1") == ["Cateringköket"]  # the expired certificate does not count
    assert _names("placements=1") == ["Café Kvarnen"]


def test_repeated_facet_values_mean_either(catalogue):
    assert set(_names("municipality=2581&municipality=2582")) == {
        "Cateringköket",
        "Städservice Piteå",
        "Trädgårdarna i Boden",
    }


@pytest.mark.security("C13")
@pytest.mark.adversarial("C")
def test_search_never_shows_unpublished_or_stale_organisations_to_outsiders(world, settings):
    _org("Hemliga Caféet", published=False)
    stale = _org("Gamla Caféet")
    stale.confirmed_at = timezone.now() - dt.timedelta(days=31 * (settings.DIRECTORY_HIDE_AFTER_MONTHS + 1))
    stale.save()
    assert "Hemliga Caféet" not in _names("q=café")
    assert "Gamla Caféet" not in _names("q=café")
    # ... but members see their own, and coordinators everything.
    MembershipFactory(organisation=stale, user=world.staff_a)
    assert "Gamla Caféet" in _names("q=café", user=world.staff_a)
    assert {"Hemliga Caféet", "Gamla Caféet"} <= set(_names("q=café", user=world.coordinator))


@pytest.mark.security("C13")
@pytest.mark.adversarial("C")
def test_counts_and_facets_leak_nothing_about_hidden_organisations(client, world):
    html = client.get(reverse("directory:index"), {"q": "Dolda"}).content.decode()
    assert "Dolda Snickeriet" not in html
    assert "0 organisationer hittades" in html


def test_search_page_renders_results_and_facets(client, catalogue):
    response = client.get(reverse("directory:index"), {"q": "trädgård", "kind": "asf"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Trädgårdarna i Boden" in html
    assert 'id="facet-kind-asf"' in html
    assert 'value="trädgård"' in html


def test_a_kommunalforbund_is_a_facet_of_its_own_in_both_languages(client, catalogue):
    _org(
        "Samordningsförbundet Södra Norrbotten", kind=OrganisationKind.LOCAL_GOVERNMENT_ASSOCIATION, orgnr="2220002204"
    )
    swedish = client.get(reverse("directory:index"), HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert 'id="facet-kind-local_government_association"' in swedish and "Kommunalförbund" in swedish
    english = client.get(reverse("directory:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Local government association" in english
    result = organisation_search(actor=ANONYMOUS, params=QueryDict("kind=local_government_association"))
    assert [o.name for o in result.organisations] == ["Samordningsförbundet Södra Norrbotten"]


def test_htmx_request_gets_only_the_results_region(client, catalogue):
    response = client.get(reverse("directory:index"), {"q": "catering"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Cateringköket" in html
    assert "<html" not in html
    assert 'class="search-layout"' in html


def test_search_page_query_count_does_not_grow_with_results(client, db, django_assert_max_num_queries):
    for i in range(3):
        _org(f"Liten {i}", services=["catering", "stad"])
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("directory:index"), {"q": "liten", "service": "catering"})
    for i in range(40):
        _org(f"Liten extra {i}", services=["catering", "stad", "snickeri"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("directory:index"), {"q": "liten", "service": "catering"})
    assert "43 organisationer hittades" in response.content.decode()


@pytest.mark.security("E24")
@pytest.mark.adversarial("E")
@pytest.mark.parametrize(
    "params",
    [
        {"q": "'; DROP TABLE directory_organisation; --"},
        {"q": "a & b | !c:* <-> (d"},
        {"q": "\\x00\x00"},
        {"q": "x" * 10_000},
        {"page": "-1"},
        {"page": "99999999999999999999"},
        {"page": "abc"},
        {"sort": "needs"},
        {"kind": "nonsense", "municipality": "'; --", "service": "nope"},
        {"placements": "maybe", "certified": "[]"},
    ],
)
def test_hostile_parameters_never_give_a_500(client, catalogue, params):
    response = client.get(reverse("directory:index"), params)
    assert response.status_code == 200


@pytest.mark.security("E24")
@pytest.mark.adversarial("E")
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    q=st.text(max_size=60),
    page=st.text(max_size=6),
    kind=st.text(max_size=12),
    sort=st.sampled_from(["", "name", "relevance", "updated", "x"]),
)
def test_random_search_input_never_gives_a_500(client, catalogue, q, page, kind, sort):
    params = {
        "q": q.replace("\x00", ""),
        "page": page.replace("\x00", ""),
        "kind": kind.replace("\x00", ""),
        "sort": sort,
    }
    assert client.get(reverse("directory:index"), params).status_code == 200
