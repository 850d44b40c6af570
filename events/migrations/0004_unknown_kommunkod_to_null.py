"""Event.kommunkod as a ForeignKey, step 2 of 3 (data): "" (no municipality, e.g. an online event) becomes
NULL, and a code that is not in the municipality reference (free text before, e.g. '9999') becomes NULL with
a warning, so 0005 can add the foreign key.

A migration carries its own code: nothing here imports the app's live code."""

import sys

from django.db import migrations


def forward(apps, schema_editor):
    known = set(apps.get_model("directory", "Municipality").objects.values_list("code", flat=True))
    unknown = apps.get_model("events", "Event").objects.filter(kommunkod__isnull=False).exclude(kommunkod__in=known)
    for pk, value in unknown.values_list("pk", "kommunkod"):
        if value != "":
            sys.stderr.write(f"warning: event {pk}: municipality code {value!r} is not a Swedish municipality; set to empty\n")
    unknown.update(kommunkod=None)


def backward(apps, schema_editor):
    # 0003's reverse makes the column NOT NULL again: an event without a municipality is "" there.
    apps.get_model("events", "Event").objects.filter(kommunkod__isnull=True).update(kommunkod="")


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0003_event_kommunkod_nullable"),
        ("directory", "0008_municipalities_sweden"),
    ]
    operations = [migrations.RunPython(forward, backward)]
