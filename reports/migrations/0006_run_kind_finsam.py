"""A report kind for Finsam's follow-up system (SUS): the structure-oriented work as volume counts.
Choices only; no data changes."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0005_backfill_rules_version'),
    ]

    operations = [
        migrations.AlterField(
            model_name='reportrun',
            name='kind',
            field=models.CharField(choices=[('esf', 'ESF+ common indicators'), ('project', "The project's own measures"), ('exit_package', 'Exit package (open formats)'), ('finsam', 'Finsam/SUS: structure-oriented work')], max_length=16),
        ),
    ]
