"""A saved search remembers the portal it was saved on, so its weekly e-mail searches as that portal's page does
(the förbund's area unless `area=all`) and links there. Searches saved before keep none: national, as their
e-mails have been. One search per user and portal."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0020_forbund_logo"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="savedsearch",
            name="directory_savedsearch_once_per_user",
        ),
        migrations.AddField(
            model_name="savedsearch",
            name="forbund",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="directory.forbund",
            ),
        ),
        migrations.AddConstraint(
            model_name="savedsearch",
            constraint=models.UniqueConstraint(
                fields=("user", "forbund", "query_string"), name="directory_savedsearch_once_per_user"
            ),
        ),
    ]
