"""An existing series gets its template's questions; its dates that have not started, are not cancelled and ask
nothing get copies of them (the schema is 0011; a data migration of its own, so it imports none of the apps'
live code)."""

from django.db import migrations
from django.utils import timezone

COPIED = ("kind", "label_sv", "label_en", "options_sv", "options_en", "required", "position")


def series_ask_their_templates_questions(apps, schema_editor):
    EventSeries = apps.get_model("events", "EventSeries")
    SeriesQuestion = apps.get_model("events", "SeriesQuestion")
    EventQuestion = apps.get_model("events", "EventQuestion")
    Event = apps.get_model("events", "Event")
    now = timezone.now()
    for series in EventSeries.objects.exclude(template=None).order_by("pk"):
        asked = list(EventQuestion.objects.filter(event_id=series.template_id).order_by("position", "pk"))
        if not asked:
            continue
        links = []
        for question in asked:
            made = SeriesQuestion.objects.create(series=series, **{name: getattr(question, name) for name in COPIED})
            question.series_question = made
            question.save(update_fields=["series_question"])
            links.append((made, question))
        dates = (
            Event.objects.filter(series=series, start__gt=now)
            .exclude(pk=series.template_id)
            .exclude(status="cancelled")
            .exclude(pk__in=EventQuestion.objects.values("event_id"))
        )
        for event in dates:
            for made, question in links:
                EventQuestion.objects.create(
                    event=event, series_question=made, **{name: getattr(question, name) for name in COPIED}
                )


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0011_series_questions"),
    ]

    operations = [
        migrations.RunPython(series_ask_their_templates_questions, migrations.RunPython.noop),
    ]
