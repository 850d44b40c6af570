"""Reference data the directory needs in every database: Norrbotten's municipalities and the first service
taxonomy. Loaded by migration 0003; tests call `ensure()` because transactional tests empty every table."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

CSV = Path(__file__).resolve().parent / "data" / "kommuner_norrbotten.csv"

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


def load(municipality_model: Any, service_model: Any) -> None:
    with CSV.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            municipality_model.objects.update_or_create(
                code=row["kommunkod"],
                defaults={"name": row["namn"], "in_forbund": row["in_samordningsforbundet_sodra_norrbotten"] == "true"},
            )
    for position, (slug, name_sv, name_en) in enumerate(SERVICES, start=1):
        service_model.objects.update_or_create(
            slug=slug, defaults={"name_sv": name_sv, "name_en": name_en, "position": position * 10}
        )


def ensure() -> None:
    from directory.models import Municipality, ServiceCategory

    if not Municipality.objects.exists() or not ServiceCategory.objects.exists():
        load(Municipality, ServiceCategory)
