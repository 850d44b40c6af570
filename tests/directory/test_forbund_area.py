"""The directory opens on the förbund's area: on the host of a förbund with municipalities the search shows the
organisations in those municipalities, and the whole country is one choice away (`?area=all`, the "Whole
country" radio button in the filter form). The national host, and an installation whose one förbund has no
municipalities, search the whole country as before. The map and the API stay national. The anonymous results
region is cached per förbund: what one förbund's visitors were shown is never served on another's host."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from directory.factories import ForbundFactory
from directory.models import Forbund, Municipality, Organisation, OrganisationKind
from tests.factories import OrganisationFactory

INDEX = reverse("directory:index")
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
A_HOST = "a.testserver"  # Södra Norrbotten: Luleå 2580, Piteå 2581, Boden 2582, Älvsbyn 2560
B_HOST = "b.testserver"  # Jämtland: Östersund 2380, Strömsund 2361

NAMES = {
    "lulea": "Arean Luleå Snickeri",
    "pitea": "Arean Piteå Café",
    "ostersund": "Arean Östersund Trädgård",
    "stockholm": "Arean Stockholm Tryckeri",
    "nowhere": "Arean Utan Kommun",
}
EVERYONE = set(NAMES.values())
IN_A = {NAMES["lulea"], NAMES["pitea"]}
IN_B = {NAMES["ostersund"]}


def _organisations() -> None:
    OrganisationFactory(name=NAMES["lulea"], kommunkod="2580")
    OrganisationFactory(name=NAMES["pitea"], kommunkod="2581", kind=OrganisationKind.BUSINESS)
    OrganisationFactory(name=NAMES["ostersund"], kommunkod="2380")
    OrganisationFactory(name=NAMES["stockholm"], kommunkod="0180")
    OrganisationFactory(name=NAMES["nowhere"], kommunkod=None)


def _two_forbund() -> tuple[Forbund, Forbund]:
    a, b = ForbundFactory(host=A_HOST), ForbundFactory(second=True)
    # Jämtland's area set here: the factory's `second` trait leaves it empty (its post-generation is overridden).
    b.municipalities.set(Municipality.objects.filter(code__in=["2380", "2361"]))
    return a, b


@pytest.fixture
def two(db):
    _organisations()
    return _two_forbund()


def _listed(html: str) -> set[str]:
    """The organisations the results list shows (by their result titles)."""
    return set(re.findall(r'<h2 class="result-title"><a href="[^"]+">([^<]+)</a></h2>', html))


def _page(client, host: str, params: dict | None = None, **extra) -> str:
    response = client.get(INDEX, params or {}, HTTP_HOST=host, **EN, **extra)
    assert response.status_code == 200, (host, params)
    return response.content.decode()


def _checked_area(html: str) -> str | None:
    found = re.search(r'<input type="radio" name="area" value="(\w+)" id="area-\w+" checked>', html)
    return found.group(1) if found else None


# --- On a förbund's host ---------------------------------------------------------------------------------------
def test_a_forbunds_directory_opens_on_its_area(client, two):
    html = _page(client, A_HOST)
    assert _listed(html) == IN_A
    assert "2 organisations found." in html
    assert _checked_area(html) == "forbund"
    assert '<label for="area-forbund">In Södra Norrbotten</label>' in html
    assert '<label for="area-all">Whole country</label>' in html
    # The radio pair is one group with a name, inside the search form (a change searches again with HTMX).
    form = html.split('<form id="search-form"', 1)[1].split("</form>", 1)[0]
    area = form.split('<fieldset class="facet">', 1)[1].split("</fieldset>", 1)[0]
    assert "<legend>Area</legend>" in area and area.count('type="radio"') == 2


def test_each_forbund_opens_on_its_own_area(client, two):
    assert _listed(_page(client, B_HOST)) == IN_B
    assert '<label for="area-forbund">In Jämtland</label>' in _page(client, B_HOST)


def test_whole_country_shows_every_organisation(client, two):
    html = _page(client, A_HOST, {"area": "all"})
    assert _listed(html) == EVERYONE
    assert _checked_area(html) == "all"


def test_choosing_the_area_again_narrows_it(client, two):
    assert _listed(_page(client, A_HOST, {"area": "forbund"})) == IN_A
    assert _listed(_page(client, A_HOST, {"area": "something-else"})) == IN_A


def test_the_municipality_facet_works_inside_the_area(client, two):
    html = _page(client, A_HOST)
    # Only the area's municipalities are offered, with their counts.
    offered = set(re.findall(r'id="facet-municipality-(\d{4})"', html))
    assert offered == {"2580", "2581"}
    assert _listed(_page(client, A_HOST, {"municipality": "2581"})) == {NAMES["pitea"]}
    assert _listed(_page(client, A_HOST, {"kind": "asf"})) == {NAMES["lulea"]}
    # A municipality outside the area: nothing in the area, the whole country has it.
    assert _listed(_page(client, A_HOST, {"municipality": "2380"})) == set()
    assert _listed(_page(client, A_HOST, {"municipality": "2380", "area": "all"})) == IN_B


def test_a_logged_in_person_gets_the_same_area(client, two):
    from kernel.factories import UserFactory

    client.force_login(UserFactory())
    assert _listed(_page(client, A_HOST)) == IN_A
    assert _listed(_page(client, A_HOST, {"area": "all"})) == EVERYONE


def test_the_htmx_region_carries_the_area_control(client, two):
    region = _page(client, A_HOST, {"area": "all"}, HTTP_HX_REQUEST="true")
    assert "<html" not in region and _checked_area(region) == "all" and _listed(region) == EVERYONE


def test_the_export_gives_what_the_page_shows(client, two):
    url = reverse("directory:export", kwargs={"fmt": "csv"})
    local = b"".join(client.get(url, HTTP_HOST=A_HOST).streaming_content).decode()
    assert NAMES["lulea"] in local and NAMES["ostersund"] not in local and NAMES["nowhere"] not in local
    country = b"".join(client.get(url, {"area": "all"}, HTTP_HOST=A_HOST).streaming_content).decode()
    assert all(name in country for name in EVERYONE)


def test_the_map_and_the_api_stay_national(client, two):
    Organisation.objects.update(latitude=Decimal("63.18"), longitude=Decimal("14.64"))  # the map shows placed ones
    map_page = client.get(reverse("directory:map"), HTTP_HOST=A_HOST).content.decode()
    assert NAMES["ostersund"] in map_page and NAMES["stockholm"] in map_page
    api = client.get(reverse("api:organization_list"), HTTP_HOST=A_HOST).json()
    assert {org["name"] for org in api["contents"]} >= EVERYONE


# --- National -------------------------------------------------------------------------------------------------
def test_the_national_host_searches_the_whole_country_without_a_choice(client, two):
    html = _page(client, "testserver")
    assert _listed(html) == EVERYONE
    assert 'name="area"' not in html and "Whole country" not in html


def test_one_forbund_with_municipalities_opens_on_its_area_on_any_host(client, db):
    _organisations()
    ForbundFactory()  # the only förbund, no host name
    for host in ("testserver", "zz.testserver"):
        html = _page(client, host)
        assert _listed(html) == IN_A and _checked_area(html) == "forbund"
        assert _listed(_page(client, host, {"area": "all"})) == EVERYONE


def test_one_forbund_without_municipalities_is_national(client, db):
    _organisations()
    ForbundFactory(municipalities=[])
    html = _page(client, "testserver")
    assert _listed(html) == EVERYONE
    assert 'name="area"' not in html


def test_an_installation_without_forbund_is_national(client, db):
    _organisations()
    html = _page(client, "testserver")
    assert _listed(html) == EVERYONE and 'name="area"' not in html


# --- The cache and the queries ------------------------------------------------------------------------------------
def _served_from_cache(client, host: str, params: dict) -> bool:
    with CaptureQueriesContext(connection) as captured:
        client.get(INDEX, params, HTTP_HOST=host, **EN)
    return not any("directory_organisation" in q["sql"] for q in captured.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_a_result_cached_on_one_forbunds_host_is_not_served_on_anothers(client):
    """Anonymous visitors, the same query string on both hosts: each förbund's own organisations."""
    _organisations()
    _two_forbund()
    params = {"sort": "name"}
    assert _listed(_page(client, A_HOST, params)) == IN_A
    assert _served_from_cache(client, A_HOST, params)  # the cache is in use for A's page …
    assert not _served_from_cache(client, B_HOST, params)  # … and B's page is not answered from it
    assert _listed(_page(client, B_HOST, params)) == IN_B
    assert _listed(_page(client, A_HOST, params)) == IN_A
    # The national page with the same query string has its own entry too.
    assert _listed(_page(client, "testserver", params)) == EVERYONE
    assert _listed(_page(client, A_HOST, {**params, "area": "all"})) == EVERYONE
    assert '<label for="area-forbund">In Södra Norrbotten</label>' in _page(client, A_HOST, {**params, "area": "all"})


@pytest.mark.django_db(transaction=True)
def test_a_renamed_forbund_is_named_in_the_cached_control(client):
    _organisations()
    a, _b = _two_forbund()
    assert "In Södra Norrbotten" in _page(client, A_HOST)
    a.short_name = "Södra NB"
    a.save()
    html = _page(client, A_HOST)
    assert "In Södra NB" in html and "In Södra Norrbotten" not in html


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "logged-in"])
def test_the_area_costs_no_query(client, two, logged_in):
    from kernel.factories import UserFactory

    if logged_in:
        client.force_login(UserFactory())
    for host in ("testserver", A_HOST, "testserver", A_HOST):  # warm: the registry, the session
        _page(client, host)
    counts = {}
    for host, params in (("testserver", {}), (A_HOST, {}), (A_HOST, {"area": "all"})):
        with CaptureQueriesContext(connection) as captured:
            _page(client, host, params)
        counts[(host, params.get("area"))] = len(captured)
    assert len(set(counts.values())) == 1, counts
