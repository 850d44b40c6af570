"""Funded projects and agreements belong to a förbund: existing rows to the installation's förbund (made by
directory 0018 from the installation itself)."""

import django.db.models.deletion
from django.db import migrations, models


def to_the_installations_forbund(apps, schema_editor):
    Forbund = apps.get_model("directory", "Forbund")
    for name in ("FundedProject", "Agreement"):
        model = apps.get_model("matchmaking", name)
        if not model.objects.exists():
            continue
        forbund = Forbund.objects.order_by("pk").first()
        if forbund is None:  # rows without users or organisations: directory 0018 made no förbund
            raise RuntimeError("Projects or agreements exist but no förbund: create one, then migrate again.")
        model.objects.update(forbund=forbund)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0018_installation_becomes_forbund"),
        ("matchmaking", "0008_opportunity_type_labels_in_one_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="fundedproject",
            name="forbund",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="projects",
                to="directory.forbund",
                verbose_name="förbund",
            ),
        ),
        migrations.AddField(
            model_name="agreement",
            name="forbund",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="directory.forbund",
                verbose_name="förbund",
            ),
        ),
        migrations.RunPython(to_the_installations_forbund, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="fundedproject",
            name="forbund",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="projects",
                to="directory.forbund",
                verbose_name="förbund",
            ),
        ),
        migrations.AlterField(
            model_name="agreement",
            name="forbund",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="directory.forbund", verbose_name="förbund"
            ),
        ),
    ]
