"""The map's own background (static/map/sweden.topojson) and the small map on an organisation's profile: the
outlines are small TopoJSON that decodes to valid GeoJSON naming Norrbotten's municipalities, the site serves
them as JSON, and a profile carries a map (and says in words where the organisation is) only when it has
coordinates."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse

from directory.models import Organisation
from tests.directory.test_map import _page

OUTLINES = Path(settings.BASE_DIR) / "static" / "map" / "sweden.topojson"
NORRBOTTEN = {"2580": "Luleå", "2581": "Piteå", "2582": "Boden", "2560": "Älvsbyn", "2514": "Kalix"}


def _features(topology: dict) -> dict:
    """The TopoJSON as a GeoJSON FeatureCollection, decoded as static/js/basemap.js does: arcs delta-decoded
    and scaled, joined end to end (a negative index ~i is arc i backwards)."""
    scale, translate = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        positions = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            positions.append([x * scale[0] + translate[0], y * scale[1] + translate[1]])
        arcs.append(positions)

    def line(indexes):
        positions = []
        for index in indexes:
            arc = arcs[~index][::-1] if index < 0 else arcs[index]
            positions += arc[1:] if positions else arc
        return positions

    decode = {
        "LineString": line,
        "MultiLineString": lambda lines: [line(i) for i in lines],
        "Polygon": lambda rings: [line(i) for i in rings],
        "MultiPolygon": lambda polygons: [[line(i) for i in rings] for rings in polygons],
    }
    features = [
        {
            "type": "Feature",
            "properties": geometry["properties"],
            "geometry": {"type": geometry["type"], "coordinates": decode[geometry["type"]](geometry["arcs"])},
        }
        for geometry in topology["objects"]["sweden"]["geometries"]
    ]
    return {"type": "FeatureCollection", "features": features}


@pytest.fixture(scope="module")
def outlines() -> dict:
    topology = json.loads(OUTLINES.read_text(encoding="utf-8"))
    assert topology["type"] == "Topology" and topology["objects"]["sweden"]["type"] == "GeometryCollection"
    return _features(topology)


def _positions(geometry: dict):
    """Every [lng, lat] of a Polygon, MultiPolygon, LineString or MultiLineString."""
    depth = {"LineString": 1, "Polygon": 2, "MultiLineString": 2, "MultiPolygon": 3}[geometry["type"]]

    def walk(node, level):
        if level == 0:
            yield node
        else:
            for child in node:
                yield from walk(child, level - 1)

    yield from walk(geometry["coordinates"], depth)


def test_the_outlines_are_small_enough_to_send_with_a_map_page():
    # A map page may weigh 150 KB on a first visit (issue #15), Leaflet and the page included.
    assert OUTLINES.stat().st_size < 200_000
    assert len(gzip.compress(OUTLINES.read_bytes(), 9)) < 45_000
    assert finders.find("map/sweden.topojson") == str(OUTLINES)


def test_the_outlines_are_a_valid_feature_collection_in_longitude_latitude(outlines):
    assert outlines["type"] == "FeatureCollection"
    kinds = {"neighbour", "kommun", "lake", "lan"}
    for feature in outlines["features"]:
        assert feature["type"] == "Feature"
        assert feature["properties"]["kind"] in kinds
        geometry = feature["geometry"]
        assert geometry["type"] in {"Polygon", "MultiPolygon", "LineString", "MultiLineString"}
        positions = list(_positions(geometry))
        assert positions
        for lng, lat in positions:
            # GeoJSON is longitude first: Scandinavia lies between 3° and 33° east, 53° and 72° north.
            assert 3 <= lng <= 33.5 and 53 <= lat <= 72, (feature["properties"], lng, lat)
        if geometry["type"] == "Polygon":
            for ring in geometry["coordinates"]:
                assert len(ring) >= 4 and ring[0] == ring[-1]  # closed rings (RFC 7946 3.1.6)


def test_the_outlines_name_every_municipality_with_its_code(outlines):
    kommuner = {
        f["properties"]["code"]: f["properties"]["name"]
        for f in outlines["features"]
        if f["properties"]["kind"] == "kommun"
    }
    assert len(kommuner) == 290
    for code, name in NORRBOTTEN.items():
        assert kommuner[code] == name
    counties = {
        f["properties"]["code"]: f["properties"]["name"]
        for f in outlines["features"]
        if f["properties"]["kind"] == "lan"
    }
    assert counties["25"] == "Norrbottens län" and len(counties) == 21


def test_lulea_lies_where_the_map_says(outlines):
    (lulea,) = [f for f in outlines["features"] if f["properties"].get("code") == "2580"]
    lngs, lats = zip(*_positions(lulea["geometry"]), strict=True)
    # Luleå's town centre (65.58° N, 22.15° E) lies inside the municipality's box.
    assert min(lngs) < 22.15 < max(lngs) and min(lats) < 65.58 < max(lats)


def test_the_site_serves_the_outlines_as_json(client):
    response = client.get(static("map/sweden.topojson"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(b"".join(response.streaming_content))["type"] == "Topology"


def test_the_source_and_licence_are_written_down():
    readme = (OUTLINES.parent / "README.md").read_text(encoding="utf-8")
    assert "CC0" in readme and "public domain" in readme and "scripts/basemap_from_open_data.py" in readme


# --- The small map on the profile -----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["django_language"] = "en"


def _profile_map_data(response) -> dict | None:
    scripts = [s for s in _page(response).scripts if s.get("id") == "profile-map-data"]
    return json.loads(scripts[0]["body"]) if scripts else None


def test_a_profile_with_coordinates_shows_a_small_map_and_says_where_in_words(client, world, settings):
    settings.MAP_TILE_URL = ""
    Organisation.objects.filter(pk=world.org_a.pk).update(
        latitude=Decimal("65.584400"),
        longitude=Decimal("22.154700"),
        street_address="Storgatan 1",
        postal_code="972 31",
        city="Luleå",
    )
    response = client.get(reverse("directory:detail", args=[world.org_a.code]))
    data = _profile_map_data(response)
    assert data["point"] == {"name": "Returen Återbruk", "lat": 65.5844, "lng": 22.1547}
    assert data["basemap"]["url"] == static("map/sweden.topojson") and data["tiles"] is None
    html = response.content.decode()
    assert "Returen Återbruk is at Storgatan 1, 972 31 Luleå." in html
    assert 'aria-describedby="profile-map-text"' in html
    scripts = {s.get("src") for s in _page(response).scripts}
    assert {"/static/vendor/leaflet/leaflet.js", "/static/js/basemap.js", "/static/js/profile-map.js"} <= scripts


def test_without_an_address_the_sentence_names_the_municipality_or_the_coordinates(client, world):
    Organisation.objects.filter(pk=world.org_b.pk).update(latitude=Decimal("65.3172"), longitude=Decimal("21.4794"))
    html = client.get(reverse("directory:detail", args=[world.org_b.code])).content.decode()
    assert "Café Kvarnen is in Piteå." in html
    Organisation.objects.filter(pk=world.org_b.pk).update(kommunkod=None)
    html = client.get(reverse("directory:detail", args=[world.org_b.code])).content.decode()
    assert "Café Kvarnen is at latitude 65.317200, longitude 21.479400." in html


def test_a_profile_without_coordinates_has_no_map_and_loads_no_map_script(client, world):
    response = client.get(reverse("directory:detail", args=[world.org_a.code]))
    assert _profile_map_data(response) is None
    html = response.content.decode()
    assert "leaflet" not in html and 'id="profile-map"' not in html


def test_the_profile_map_uses_the_tile_server_when_one_is_configured(client, world, settings):
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    Organisation.objects.filter(pk=world.org_a.pk).update(latitude=Decimal("65.5844"), longitude=Decimal("22.1547"))
    data = _profile_map_data(client.get(reverse("directory:detail", args=[world.org_a.code])))
    assert data["tiles"]["url"] == "https://tiles.example.org/{z}/{x}/{y}.png"
    assert data["basemap"] is None
