"""Reference data: Norrbotten's municipalities and which of them are members of the förbund
(directory/data/kommuner_norrbotten.csv), and the first service taxonomy. Coordinators edit the taxonomy in
the admin. 0008 adds the rest of Sweden's municipalities.

A migration carries or reads its own data and never imports the app's live code (which may change after it):
the taxonomy is written out here as it was when this migration was made."""

import csv
from pathlib import Path

from django.db import migrations

CSV = Path(__file__).resolve().parent.parent / "data" / "kommuner_norrbotten.csv"

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


def forward(apps, schema_editor):
    Municipality = apps.get_model("directory", "Municipality")
    ServiceCategory = apps.get_model("directory", "ServiceCategory")
    with CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            Municipality.objects.update_or_create(
                code=row["kommunkod"],
                defaults={"name": row["namn"], "in_forbund": row["in_samordningsforbundet_sodra_norrbotten"] == "true"},
            )
    for position, (slug, name_sv, name_en) in enumerate(SERVICES, start=1):
        ServiceCategory.objects.update_or_create(
            slug=slug, defaults={"name_sv": name_sv, "name_en": name_en, "position": position * 10}
        )


def backward(apps, schema_editor):
    apps.get_model("directory", "ServiceCategory").objects.filter(slug__in=[s[0] for s in SERVICES]).delete()
    apps.get_model("directory", "Municipality").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("directory", "0002_organisation_profile")]
    operations = [migrations.RunPython(forward, backward)]
