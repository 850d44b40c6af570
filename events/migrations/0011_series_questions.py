"""A series has questions of its own, asked on every date (before, only the date the series was made from
asked them). Existing series get them in 0012."""

import django.db.models.deletion
from django.db import migrations, models

import kernel.identifiers

class Migration(migrations.Migration):
    dependencies = [
        ("events", "0010_forbund"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="questions_changed",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.CreateModel(
            name="SeriesQuestion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                (
                    "kind",
                    models.CharField(
                        choices=[("text", "Free text"), ("choice", "One of listed options"), ("yes_no", "Yes or no")],
                        default="text",
                        max_length=16,
                        verbose_name="type of answer",
                    ),
                ),
                (
                    "label_sv",
                    models.CharField(
                        max_length=300,
                        validators=[kernel.identifiers.refuse_personnummer],
                        verbose_name="question (Swedish)",
                    ),
                ),
                (
                    "label_en",
                    models.CharField(
                        blank=True,
                        max_length=300,
                        validators=[kernel.identifiers.refuse_personnummer],
                        verbose_name="question (English)",
                    ),
                ),
                (
                    "options_sv",
                    models.TextField(
                        blank=True,
                        help_text="One option per line.",
                        validators=[kernel.identifiers.refuse_personnummer],
                        verbose_name="options (Swedish)",
                    ),
                ),
                (
                    "options_en",
                    models.TextField(
                        blank=True,
                        help_text="One option per line, in the same order as the Swedish ones.",
                        validators=[kernel.identifiers.refuse_personnummer],
                        verbose_name="options (English)",
                    ),
                ),
                ("required", models.BooleanField(default=False, verbose_name="an answer is required")),
                ("position", models.PositiveIntegerField(default=0, verbose_name="order")),
                (
                    "series",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="questions",
                        to="events.eventseries",
                    ),
                ),
            ],
            options={
                "verbose_name": "question of a series",
                "verbose_name_plural": "questions of a series",
                "ordering": ["position", "pk"],
                "abstract": False,
            },
        ),
        migrations.AddField(
            model_name="eventquestion",
            name="series_question",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="copies",
                to="events.seriesquestion",
            ),
        ),
    ]
