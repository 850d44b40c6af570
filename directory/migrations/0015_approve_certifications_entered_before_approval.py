"""Certifications entered before approval existed become approved (a data migration of its own, importing
nothing of the app's live code)."""

from django.db import migrations


def approve_existing(apps, schema_editor):
    # Certifications written before approval existed were entered by the organisation's members or by
    # coordinators, and counted as certified; they stay so (approved) rather than all disappearing from the
    # public profiles, the search facet and the reserved-contract lists the day this ships.
    Certification = apps.get_model("directory", "Certification")
    Certification.objects.all().update(status="approved")


def unapprove(apps, schema_editor):
    Certification = apps.get_model("directory", "Certification")
    Certification.objects.all().update(status="pending")


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0014_outdated_reports_and_merge"),
    ]

    operations = [
        migrations.RunPython(approve_existing, unapprove),
    ]
