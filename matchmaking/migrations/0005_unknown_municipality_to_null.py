"""Municipality fields as ForeignKeys, step 2 of 3 (data): a participant's, need's, opportunity's or partner
request's municipality that is not in the municipality reference (free text before, e.g. '9999') is set to
NULL with a warning, so 0006 can add the foreign keys. Forms ask for a municipality on the next edit.

A migration carries its own code: nothing here imports the app's live code."""

import sys

from django.db import migrations

MODELS = ("Participant", "Need", "Opportunity", "PartnerRequest")


def forward(apps, schema_editor):
    known = set(apps.get_model("directory", "Municipality").objects.values_list("code", flat=True))
    for name in MODELS:
        unknown = apps.get_model("matchmaking", name).objects.filter(municipality__isnull=False).exclude(
            municipality__in=known
        )
        for pk, value in unknown.values_list("pk", "municipality"):
            if value != "":
                sys.stderr.write(
                    f"warning: {name.lower()} {pk}: municipality code {value!r} is not a Swedish municipality; "
                    "set to empty\n"
                )
        unknown.update(municipality=None)


class Migration(migrations.Migration):
    dependencies = [
        ("matchmaking", "0004_municipality_nullable"),
        ("directory", "0008_municipalities_sweden"),
    ]
    # Reverse: nothing to undo (a cleared code cannot be told apart from one that was never there).
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
