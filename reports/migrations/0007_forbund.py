"""Report runs belong to a förbund: a run of a project's report to the project's, any other to the
installation's förbund (made by directory 0018 from the installation itself)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def runs_to_their_forbund(apps, schema_editor):
    Forbund = apps.get_model("directory", "Forbund")
    FundedProject = apps.get_model("matchmaking", "FundedProject")
    ReportRun = apps.get_model("reports", "ReportRun")
    if not ReportRun.objects.exists():
        return
    ReportRun.objects.filter(project__isnull=False).update(
        forbund=Subquery(FundedProject.objects.filter(pk=OuterRef("project_id")).values("forbund_id")[:1])
    )
    rest = ReportRun.objects.filter(forbund__isnull=True)
    if rest.exists():
        forbund = Forbund.objects.order_by("pk").first()
        if forbund is None:
            raise RuntimeError("Report runs exist but no förbund: create one, then migrate again.")
        rest.update(forbund=forbund)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0018_installation_becomes_forbund"),
        ("matchmaking", "0009_forbund"),
        ("reports", "0006_run_kind_finsam"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportrun",
            name="forbund",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="directory.forbund",
                verbose_name="förbund",
            ),
        ),
        migrations.RunPython(runs_to_their_forbund, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="reportrun",
            name="forbund",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="directory.forbund", verbose_name="förbund"
            ),
        ),
    ]
