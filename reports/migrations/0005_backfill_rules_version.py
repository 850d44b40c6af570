"""ESF+ runs that finished before the rules were versioned were computed under the first reading of the
definitions (2026-11-25): say so, so their stored figures are read as what they are. Runs still to compute
will be computed under the current rules and say so when they finish."""

from django.db import migrations

FIRST = "2026-11-25"


def forwards(apps, schema_editor):
    ReportRun = apps.get_model("reports", "ReportRun")
    ReportRun.objects.filter(kind="esf", status="succeeded", rules_version="").update(rules_version=FIRST)


def backwards(apps, schema_editor):
    ReportRun = apps.get_model("reports", "ReportRun")
    ReportRun.objects.filter(rules_version=FIRST).update(rules_version="")


class Migration(migrations.Migration):
    dependencies = [("reports", "0004_run_rules_version_and_delivery")]

    operations = [migrations.RunPython(forwards, backwards)]
