"""Reference data: Norrbotten's municipalities (directory/data/kommuner_norrbotten.csv:
the 14 kommunkoder of län 25 and which of them belong to Samordningsförbundet Södra Norrbotten)
and the first service taxonomy (directory/reference_data.py). Coordinators edit the taxonomy in the admin."""

from django.db import migrations


def forward(apps, schema_editor):
    from directory.reference_data import load

    load(apps.get_model("directory", "Municipality"), apps.get_model("directory", "ServiceCategory"))


def backward(apps, schema_editor):
    from directory.reference_data import SERVICES

    apps.get_model("directory", "ServiceCategory").objects.filter(slug__in=[s[0] for s in SERVICES]).delete()
    apps.get_model("directory", "Municipality").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("directory", "0002_organisation_profile")]
    operations = [migrations.RunPython(forward, backward)]
