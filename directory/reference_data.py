"""Reference data the directory needs in every database: all of Sweden's municipalities with their county
(directory/data/kommuner.csv, see directory/data/README.md) and the first service taxonomy. Migrations 0003
and 0008 load the same files with their own code (a migration never imports this module); tests call
`ensure()` because transactional tests empty every table."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
CSV = DATA / "kommuner.csv"

SERVICES = [
    ("arbetstraning", "Arbetsträning", "Work training"),
    ("cafe-restaurang", "Café och restaurang", "Café and restaurant"),
    ("catering", "Catering", "Catering"),
    ("aterbruk", "Återbruk och second hand", "Reuse and second hand"),
    ("stad", "Städ", "Cleaning"),
    ("tvatt", "Tvätt", "Laundry"),
    ("tradgard-skog", "Trädgård och skog", "Gardening and forestry"),
    ("snickeri", "Snickeri", "Carpentry"),
    ("fastighetsskotsel", "Fastighetsskötsel", "Property maintenance"),
    ("hantverk", "Hantverk", "Crafts"),
    ("transport", "Transport och flytt", "Transport and removals"),
    ("montering", "Montering och legoarbete", "Assembly and contract work"),
]


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def municipalities() -> list[dict[str, Any]]:
    """Every municipality as model field values: code, name, county_code, county_name."""
    return [
        {
            "code": row["kommunkod"],
            "name": row["namn"],
            "county_code": row["lanskod"],
            "county_name": row["lan"],
        }
        for row in _read(CSV)
    ]


def load(municipality_model: Any, service_model: Any) -> None:
    rows = [municipality_model(**row) for row in municipalities()]
    municipality_model.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "county_code", "county_name"],
    )
    for position, (slug, name_sv, name_en) in enumerate(SERVICES, start=1):
        service_model.objects.update_or_create(
            slug=slug, defaults={"name_sv": name_sv, "name_en": name_en, "position": position * 10}
        )


def ensure() -> None:
    from directory.models import Municipality, ServiceCategory

    if not Municipality.objects.exists() or not ServiceCategory.objects.exists():
        load(Municipality, ServiceCategory)
