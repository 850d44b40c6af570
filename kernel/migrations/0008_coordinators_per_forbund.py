"""A coordinator is a coordinator of a förbund (directory.Forbund.coordinators, filled from this flag by
directory 0018): the installation-wide flag goes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("asfnet", "0007_erasure_journal"),
        ("directory", "0018_installation_becomes_forbund"),
    ]

    operations = [migrations.RemoveField(model_name="user", name="is_coordinator")]
