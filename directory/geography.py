"""How far apart two of Sweden's 290 municipalities are, for matching a person to a placement they can travel
to. A road distance between the main towns where one has been measured (directory/data/road_distances.csv, km
by road, rounded); otherwise the straight line between the municipalities' centres (directory/data/
kommuner_centres.csv, from the outlines of the map) rounded to 5 km — an estimate that only says which
municipalities are within reach of which, the same way in every förbund's area."""

from __future__ import annotations

import csv
import math
from functools import cache, lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
EARTH_RADIUS_KM = 6371.0
ROUND_TO_KM = 5


@cache
def _centres() -> dict[str, tuple[float, float]]:
    with (DATA / "kommuner_centres.csv").open(encoding="utf-8", newline="") as rows:
        return {row["kommunkod"]: (float(row["latitude"]), float(row["longitude"])) for row in csv.DictReader(rows)}


@cache
def _measured() -> dict[frozenset[str], int]:
    with (DATA / "road_distances.csv").open(encoding="utf-8", newline="") as rows:
        return {frozenset({row["from"], row["to"]}): int(row["km"]) for row in csv.DictReader(rows)}


def _straight_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The great-circle distance (haversine) between two (latitude, longitude) points."""
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def distance_km(a: str, b: str) -> int | None:
    """Kilometres between municipalities `a` and `b` (kommunkoder); 0 for the same one; None when either is
    not a municipality."""
    if a == b:
        return 0
    measured = _measured().get(frozenset({a, b}))
    if measured is not None:
        return measured
    centres = _centres()
    if a not in centres or b not in centres:
        return None
    return max(ROUND_TO_KM, round(_straight_km(centres[a], centres[b]) / ROUND_TO_KM) * ROUND_TO_KM)


@lru_cache(maxsize=2048)
def within_km(home: str, km: int) -> tuple[str, ...]:
    """The municipalities at most `km` from `home` (itself included), sorted by code."""
    codes = {home} | {code for code in _centres() if (d := distance_km(home, code)) is not None and d <= km}
    return tuple(sorted(codes))
