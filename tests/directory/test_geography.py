"""Distances between municipalities for matching (directory/geography.py): every one of the 290 has a centre,
a measured road distance wins over the estimate, and the estimate is the straight line between centres rounded
to 5 km — the same in every förbund's area."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.conf import settings

from directory import geography

KOMMUNER = Path(settings.BASE_DIR) / "directory" / "data" / "kommuner.csv"


def test_every_municipality_has_a_centre_inside_sweden():
    with KOMMUNER.open(encoding="utf-8", newline="") as rows:
        codes = {row["kommunkod"] for row in csv.DictReader(rows)}
    centres = geography._centres()
    assert set(centres) == codes and len(codes) == 290
    assert all(55.0 < lat < 69.1 and 10.9 < lng < 24.2 for lat, lng in centres.values())


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [
        ("2580", "2581", 55),  # Luleå–Piteå, measured by road
        ("2581", "2580", 55),  # either way round
        ("2580", "2514", 120),  # Luleå–Kalix, measured
        ("2380", "2309", 70),  # Östersund–Krokom: the centres of the two municipalities, estimated
        ("0180", "0114", 25),  # Stockholm–Upplands Väsby, estimated
        ("2380", "2380", 0),
    ],
)
def test_distance_between_two_municipalities(a, b, km):
    assert geography.distance_km(a, b) == km


def test_an_unknown_code_has_no_distance():
    assert geography.distance_km("2580", "9999") is None
    assert geography.distance_km("9999", "2580") is None


def test_the_estimate_is_the_great_circle_between_the_centres_rounded_to_five_km():
    centres = geography._centres()
    straight = geography._straight_km(centres["2380"], centres["2361"])  # Östersund–Härjedalen
    assert 125 < straight < 135
    assert geography.distance_km("2380", "2361") == round(straight / 5) * 5 == 130


def test_within_reach_holds_home_and_every_municipality_no_further_than_the_limit():
    reach = geography.within_km("2380", 80)
    assert reach == ("2303", "2305", "2309", "2326", "2380")  # Östersund and its neighbours in Jämtland
    assert all(geography.distance_km("2380", code) <= 80 for code in reach)
    assert geography.within_km("2380", 0) == ("2380",)
