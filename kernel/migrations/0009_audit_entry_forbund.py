"""An audit entry notes the förbund whose portal the action was taken on, so each förbund's coordinators read
their own portal's log. Earlier entries keep none: with one förbund every coordinator reads them all; once there
are several, only the platform operator does."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("asfnet", "0008_coordinators_per_forbund"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditlog",
            name="forbund_id",
            field=models.PositiveIntegerField(blank=True, db_index=True, null=True, verbose_name="förbund"),
        ),
    ]
