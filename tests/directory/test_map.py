"""The directory map: the search result on Leaflet and as a table with coordinates, the same scope and filters
as the search, data to the script only as JSON (no inline script), the tile server only when configured."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.templatetags.static import static
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from directory.map import views as map_views
from directory.models import Organisation
from tests.factories import OrganisationFactory

MAP_URL = "/directory/map/"


@pytest.fixture(autouse=True)
def _english(client):
    """The assertions read the English texts; Swedish is the site's default language."""
    client.cookies["django_language"] = "en"


def _place(org: Organisation, lat: str, lng: str) -> Organisation:
    Organisation.objects.filter(pk=org.pk).update(latitude=Decimal(lat), longitude=Decimal(lng))
    org.refresh_from_db()
    return org


@pytest.fixture
def placed(world):
    """Coordinates for most of the world's organisations (Piteå kommun has none)."""
    _place(world.org_a, "65.584400", "22.154700")  # Luleå
    _place(world.org_b, "65.317200", "21.479400")  # Piteå
    _place(world.hidden_org, "65.800000", "21.700000")  # unpublished
    _place(world.business, "65.600000", "22.100000")
    return world


class _Page(HTMLParser):
    """Collects what the tests look at: script tags, attributes, table rows."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.attributes: list[tuple[str, str, str | None]] = []
        self._in_script: dict | None = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            self.attributes.append((tag, name, value))
        if tag == "script":
            self._in_script = {**dict(attrs), "body": ""}
            self.scripts.append(self._in_script)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None

    def handle_data(self, data):
        if self._in_script is not None:
            self._in_script["body"] += data


def _page(response) -> _Page:
    parser = _Page()
    parser.feed(response.content.decode())
    return parser


def _map_data(response) -> dict:
    scripts = [s for s in _page(response).scripts if s.get("id") == "map-data"]
    assert len(scripts) == 1
    assert scripts[0].get("type") == "application/json"
    return json.loads(scripts[0]["body"])


def _marker_rows(response) -> list[tuple[str, str, float, float]]:
    """The organisations table's rows as the script reads them: link text, link, data-lat, data-lng."""
    html = response.content.decode()
    table = html[html.index('<table class="map-table">') : html.index("</table>")]
    rows = re.findall(
        r'<tr data-lat="([^"]+)" data-lng="([^"]+)">\s*<th scope="row"><a href="([^"]+)">([^<]+)</a></th>', table
    )
    return [(unescape(name), url, float(lat), float(lng)) for lat, lng, url, name in rows]


def _table_names(response) -> list[str]:
    html = response.content.decode()
    table = html[html.index('<table class="map-table">') : html.index("</table>")]
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>', table)


def test_map_shows_the_visitors_search_result_on_the_map_and_in_the_table(client, placed):
    response = client.get(MAP_URL)
    assert response.status_code == 200
    names = _table_names(response)
    assert set(names) == {"Returen Återbruk", "Café Kvarnen", "Norrbygg AB"}
    assert [row[0] for row in _marker_rows(response)] == names


@pytest.mark.security("C13")
@pytest.mark.adversarial("C")
def test_map_leaves_out_organisations_the_user_may_not_see(client, placed):
    Organisation.objects.filter(pk=placed.business.pk).update(confirmed_at=timezone.now() - dt.timedelta(days=800))
    response = client.get(MAP_URL)
    names = _table_names(response)
    assert "Dolda Snickeriet" not in names  # unpublished
    assert "Norrbygg AB" not in names  # not confirmed for too long: out of public search
    assert "Dolda Snickeriet" not in response.content.decode()
    assert {row[0] for row in _marker_rows(response)} == set(names)


@pytest.mark.adversarial("C")
def test_members_see_their_own_unpublished_organisation_on_the_map(client, placed):
    client.force_login(placed.staff_b)
    assert "Dolda Snickeriet" in _table_names(client.get(MAP_URL))
    client.force_login(placed.staff_a)
    assert "Dolda Snickeriet" not in _table_names(client.get(MAP_URL))


def test_map_applies_the_search_filters(client, placed):
    response = client.get(MAP_URL, {"municipality": "2581"})
    assert _table_names(response) == ["Café Kvarnen"]
    # Piteå kommun matches the filter but has no coordinates: counted, not drawn.
    assert "1 of them has no coordinates and is not on the map." in response.content.decode()
    response = client.get(MAP_URL, {"kind": "business"})
    assert _table_names(response) == ["Norrbygg AB"]


def test_map_keeps_the_search_order(client, placed):
    names = _table_names(client.get(MAP_URL, {"sort": "name"}))
    assert names == ["Café Kvarnen", "Norrbygg AB", "Returen Återbruk"]


def test_map_page_works_when_no_organisation_has_coordinates(client, world):
    response = client.get(MAP_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "have no coordinates and are not on the map" in html
    assert "None of the organisations found has coordinates yet" in html
    assert 'id="map-data"' not in html
    assert "leaflet.js" not in html  # nothing to draw: no script loaded


def test_map_page_says_so_when_nothing_matches(client, placed):
    response = client.get(MAP_URL, {"q": "finnsinte"})
    assert response.status_code == 200
    assert "No organisations match your search." in response.content.decode()


def test_each_row_carries_the_markers_name_profile_link_and_coordinates(client, placed):
    response = client.get(MAP_URL, {"municipality": "2580", "kind": "asf"})
    org = placed.org_a
    assert _marker_rows(response) == [
        ("Returen Återbruk", reverse("directory:detail", kwargs={"code": org.code}), 65.5844, 22.1547)
    ]


def test_the_points_are_on_the_page_once_not_again_in_the_json(client, placed):
    response = client.get(MAP_URL, {"layer": "opportunities"})
    assert set(_map_data(response)) == {"tiles", "basemap", "icons"}
    html = response.content.decode()
    assert html.count("Returen Återbruk") == 1  # its row; no second copy for the script


def test_table_lists_name_link_municipality_and_coordinates(client, placed):
    html = client.get(MAP_URL, {"kind": "asf", "municipality": "2580"}).content.decode()
    row = html[html.index("<tbody>") : html.index("</tbody>")]
    assert f'href="{reverse("directory:detail", kwargs={"code": placed.org_a.code})}"' in row
    assert "<td>Luleå</td>" in row
    assert "<td>65.58440</td>" in row and "<td>22.15470</td>" in row
    assert '<th scope="col">' in html  # column headers for screen readers


@pytest.mark.security("G34")
@pytest.mark.adversarial("G")
def test_map_page_has_no_inline_script_style_or_event_handler(client, placed):
    page = _page(client.get(MAP_URL))
    assert page.scripts, "the page should load its scripts"
    for script in page.scripts:
        if script.get("type") == "application/json":
            continue  # data, never executed
        assert script.get("src"), f"inline script: {script}"
        assert not script["body"].strip()
    assert {s["src"] for s in page.scripts if s.get("src")} >= {
        "/static/vendor/leaflet/leaflet.js",
        "/static/js/basemap.js",
        "/static/js/directory-map.js",
    }
    assert not [a for a in page.attributes if a[1] == "style"], "style attributes are refused by the CSP"
    assert not [a for a in page.attributes if a[1].startswith("on")], "event-handler attributes"


@pytest.mark.security("G34")
@pytest.mark.adversarial("G")
def test_leaflet_and_every_asset_come_from_our_own_static_files(client, placed):
    page = _page(client.get(MAP_URL))
    external = [
        value
        for tag, name, value in page.attributes
        if name in ("src", "href") and tag in ("script", "link", "img") and value and "//" in value
    ]
    assert external == []
    for path in ("vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css", "vendor/leaflet/images/marker-icon.png"):
        assert finders.find(path), path
    vendor = Path(finders.find("vendor/leaflet/leaflet.js")).parent
    assert "BSD 2-Clause" in (vendor / "LICENSE").read_text()
    assert 't.version="1.9.4"' in (vendor / "leaflet.js").read_text()


@pytest.mark.security("E25")
@pytest.mark.adversarial("E")
def test_names_that_look_like_markup_stay_text_in_the_table(client, world):
    org = _place(OrganisationFactory(name="</script><script>alert(1)</script>"), "65.5", "22.1")
    response = client.get(MAP_URL)
    html = response.content.decode()
    assert "<script>alert(1)" not in html
    assert [row[0] for row in _marker_rows(response)] == [org.name]


def test_marker_images_are_given_by_address_not_guessed_by_leaflet(client, placed):
    # In production collectstatic renames leaflet.css and the images with content hashes, and Leaflet's own
    # guess of the image folder fails: the page must hand over the addresses that {% static %} makes.
    assert _map_data(client.get(MAP_URL))["icons"] == {
        "iconUrl": static("vendor/leaflet/images/marker-icon.png"),
        "iconRetinaUrl": static("vendor/leaflet/images/marker-icon-2x.png"),
        "shadowUrl": static("vendor/leaflet/images/marker-shadow.png"),
    }


def test_without_a_tile_server_the_map_stands_on_the_sites_own_outlines(client, placed, settings):
    settings.MAP_TILE_URL = ""
    response = client.get(MAP_URL)
    data = _map_data(response)
    assert data["tiles"] is None
    assert data["basemap"]["url"] == static("map/sweden.topojson")
    assert "Statistics Sweden" in data["basemap"]["attribution"]
    assert "/static/js/basemap.js" in {s.get("src") for s in _page(response).scripts}


def test_tile_server_and_attribution_reach_the_script_when_configured(client, placed, settings):
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.MAP_ATTRIBUTION = "© OpenStreetMap contributors"
    response = client.get(MAP_URL)
    data = _map_data(response)
    assert data["tiles"] == {
        "url": "https://tiles.example.org/{z}/{x}/{y}.png",
        "attribution": "© OpenStreetMap contributors",
    }
    assert data["basemap"] is None  # the tile server instead of the outlines, never both


def test_map_area_is_labelled_and_hidden_until_the_script_shows_it(client, placed):
    html = client.get(MAP_URL).content.decode()
    assert re.search(r'<div class="map-area" id="map-area" hidden>', html)
    assert re.search(r'<div id="directory-map"[^>]*aria-label="[^"]+"', html)


def test_map_stops_at_its_limit_and_says_so(client, world, monkeypatch):
    monkeypatch.setattr(map_views, "MAP_LIMIT", 2)
    for n in range(3):
        _place(OrganisationFactory(name=f"Kartbolaget {n}", kommunkod="2582"), f"65.{n}", "22.0")
    response = client.get(MAP_URL, {"municipality": "2582"})
    assert len(_marker_rows(response)) == 2
    assert len(_table_names(response)) == 2
    assert "The map shows the first 2 of 3 organisations with coordinates." in response.content.decode()


@pytest.mark.security("E24")
@pytest.mark.adversarial("E")
@pytest.mark.parametrize(
    "query",
    [
        "?kind=<script>&municipality=9999&service=' OR 1=1--",
        "?q=%00%00&sort=-name&page=-1",
        "?placements=maybe&certified=1&certified=0&q=" + "x" * 5000,
        "?sort=needs&ordering=needs",
    ],
)
def test_hostile_parameters_never_break_the_map(client, placed, query):
    response = client.get(MAP_URL + query)
    assert response.status_code == 200


def test_map_runs_a_constant_number_of_queries_whatever_the_number_of_organisations(client, world):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(MAP_URL).status_code == 200
        return len(queries)

    for n in range(3):
        _place(OrganisationFactory(name=f"Först {n}"), "65.5", f"22.{n}")
    client.get(MAP_URL)  # the cached förbund registry read once: the counts below are every request's
    few = count()
    for n in range(30):
        _place(OrganisationFactory(name=f"Sedan {n}"), "65.6", f"21.{n}")
    assert count() == few
    assert few <= 8


def test_search_results_link_to_the_map_with_the_same_query(client, placed):
    html = client.get("/directory/", {"kind": "asf", "municipality": "2580", "page": "1"}).content.decode()
    links = html[html.index('<p class="result-links">') :]
    assert links[: links.index("</p>")].count('href="/directory/map/?kind=asf&amp;municipality=2580"') == 1


def test_map_links_back_to_the_search_with_the_same_query(client, placed):
    html = client.get(MAP_URL, {"kind": "asf"}).content.decode()
    assert 'href="/directory/?kind=asf"' in html
