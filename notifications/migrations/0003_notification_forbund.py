"""A notification notes the förbund its object belongs to, so each förbund's portal lists its own (and the
national ones) first. Earlier notifications keep none and are listed on every portal."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_notification_site"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="forbund_id",
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
    ]
