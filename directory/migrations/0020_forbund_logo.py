"""The förbund's logo (shown in the page header, served by forbund:logo) and its size in pixels, which the
header's <img> gives as width and height without opening the file. Empty for every existing förbund."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("directory", "0019_invitation_forbund")]

    operations = [
        migrations.AddField(
            model_name="forbund",
            name="logo_width",
            field=models.PositiveSmallIntegerField(blank=True, editable=False, null=True, verbose_name="logo width"),
        ),
        migrations.AddField(
            model_name="forbund",
            name="logo_height",
            field=models.PositiveSmallIntegerField(blank=True, editable=False, null=True, verbose_name="logo height"),
        ),
        migrations.AddField(
            model_name="forbund",
            name="logo",
            field=models.ImageField(
                blank=True,
                height_field="logo_height",
                help_text="Shown in the page header next to the förbund's name.",
                upload_to="forbund/",
                verbose_name="logo",
                width_field="logo_width",
            ),
        ),
    ]
