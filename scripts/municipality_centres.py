"""Write directory/data/kommuner_centres.csv: the centre of each of Sweden's 290 municipalities (the centroid of
its outline in static/map/sweden.topojson, the map's own background from Statistics Sweden's boundaries), for
the distances that matching uses (directory/geography.py).

Run by hand when the outlines change; the CSV is committed (it was last written from the finer GeoJSON outlines
of before issue #15; rerunning it moves the centres by well under a kilometre):

    python scripts/municipality_centres.py
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTLINES = ROOT / "static" / "map" / "sweden.topojson"
OUT = ROOT / "directory" / "data" / "kommuner_centres.csv"


def _ring_centroid(ring: list[list[float]], scale: float) -> tuple[float, float, float]:
    """Signed area and centroid (x, y) of one ring, longitudes scaled by cos(latitude) so areas are fair."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        x0, x1 = x0 * scale, x1 * scale
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    area /= 2
    if area == 0:
        return 0.0, 0.0, 0.0
    return area, cx / (6 * area), cy / (6 * area)


def centre(geometry: dict) -> tuple[float, float]:
    """(latitude, longitude) of the area-weighted centroid of a Polygon or MultiPolygon (holes subtract)."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    latitudes = [y for polygon in polygons for ring in polygon for _x, y in ring]
    scale = math.cos(math.radians(sum(latitudes) / len(latitudes)))
    total = sx = sy = 0.0
    for polygon in polygons:
        for ring in polygon:
            area, x, y = _ring_centroid(ring, scale)
            total += area
            sx += area * x
            sy += area * y
    return sy / total, sx / total / scale


def features(topology: dict) -> list[dict]:
    """The TopoJSON's features as GeoJSON (arcs delta-decoded and scaled, a negative index ~i walked backwards),
    as static/js/basemap.js decodes them."""
    scale, translate = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        positions = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            positions.append([x * scale[0] + translate[0], y * scale[1] + translate[1]])
        arcs.append(positions)

    def line(indexes: list[int]) -> list[list[float]]:
        positions: list[list[float]] = []
        for index in indexes:
            arc = arcs[~index][::-1] if index < 0 else arcs[index]
            positions += arc[1:] if positions else arc
        return positions

    out = []
    for geometry in topology["objects"]["sweden"]["geometries"]:
        if geometry["type"] == "Polygon":
            coordinates = [line(ring) for ring in geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            coordinates = [[line(ring) for ring in polygon] for polygon in geometry["arcs"]]
        else:
            continue  # the county outlines (lines): no area
        out.append(
            {"properties": geometry["properties"], "geometry": {"type": geometry["type"], "coordinates": coordinates}}
        )
    return out


def main() -> None:
    topology = json.loads(OUTLINES.read_text(encoding="utf-8"))
    rows = sorted(
        (feature["properties"]["code"], *centre(feature["geometry"]))
        for feature in features(topology)
        if feature["properties"].get("kind") == "kommun"
    )
    with OUT.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["kommunkod", "latitude", "longitude"])
        writer.writerows((code, f"{lat:.4f}", f"{lng:.4f}") for code, lat, lng in rows)
    print(f"{len(rows)} municipalities -> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
