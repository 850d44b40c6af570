"""Events belong to a förbund's calendar, or to none (national). The events of an existing installation were
its förbund's calendar: they go to the installation's förbund (made by directory 0018)."""

import django.db.models.deletion
from django.db import migrations, models


def events_to_the_installations_forbund(apps, schema_editor):
    Forbund = apps.get_model("directory", "Forbund")
    Event = apps.get_model("events", "Event")
    forbund = Forbund.objects.order_by("pk").first()
    if forbund is not None:
        Event.objects.update(forbund=forbund)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0018_installation_becomes_forbund"),
        ("events", "0009_series_rules_and_ics_import"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="forbund",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="directory.forbund",
                verbose_name="förbund",
            ),
        ),
        migrations.RunPython(events_to_the_installations_forbund, migrations.RunPython.noop),
    ]
