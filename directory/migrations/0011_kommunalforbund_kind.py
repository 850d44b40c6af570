"""Organisations recorded as a region whose organisationsnummer is in the 222 series, the series of
kommunalförbund (e.g. Samordningsförbundet Södra Norrbotten, 222000-2204), become local government
associations. Both kinds count in EECO18, so no ESF+ figure changes; only the classification does. Going
back, every local government association becomes a region again (the kind did not exist before)."""

from django.db import migrations

LGA = "local_government_association"


def forwards(apps, schema_editor):
    Organisation = apps.get_model("directory", "Organisation")
    Organisation.objects.filter(kind="region", orgnr__startswith="222").update(kind=LGA)


def backwards(apps, schema_editor):
    Organisation = apps.get_model("directory", "Organisation")
    Organisation.objects.filter(kind=LGA).update(kind="region")


class Migration(migrations.Migration):
    dependencies = [("directory", "0010_organisation_kind_local_government_association")]

    operations = [migrations.RunPython(forwards, backwards)]
