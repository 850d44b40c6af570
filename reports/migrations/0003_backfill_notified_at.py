"""Runs that finished before the "report ready" e-mail became durable had their e-mail sent (or lost) by
then: mark them notified, so the sweeper does not send it a second time after the upgrade."""

from django.db import migrations
from django.db.models import F


def forwards(apps, schema_editor):
    ReportRun = apps.get_model("reports", "ReportRun")
    ReportRun.objects.filter(status="succeeded", notified_at__isnull=True).update(
        notified_at=F("finished_at")
    )


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_run_lease_and_ready_mail")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
