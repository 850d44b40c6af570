"""An invitation to coordinate names its förbund. Open coordinator invitations of an existing installation
are for its förbund (made by 0018 from the installation itself)."""

import django.db.models.deletion
from django.db import migrations, models


def open_invitations_to_the_installations_forbund(apps, schema_editor):
    Forbund = apps.get_model("directory", "Forbund")
    Invitation = apps.get_model("directory", "Invitation")
    forbund = Forbund.objects.order_by("pk").first()
    if forbund is not None:
        Invitation.objects.filter(role="coordinator").update(forbund=forbund)


class Migration(migrations.Migration):
    dependencies = [("directory", "0018_installation_becomes_forbund")]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="forbund",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="directory.forbund",
            ),
        ),
        migrations.RunPython(open_invitations_to_the_installations_forbund, migrations.RunPython.noop),
    ]
