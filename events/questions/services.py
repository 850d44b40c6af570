"""The organiser's questions: adding and removing them, on one event or on every date of a series. Checking
and storing the answers is part of registering (events/answers.py).

A series' questions follow the series' rule for capacity (events/series/services.py): a change on the series
changes its dates that have not started and are not cancelled — except a date whose own questions the
organiser changed (Event.questions_changed), which keeps them, as a date keeps a capacity changed on it. Dates
already held keep the questions they asked (and the answers given). A question added or removed on one date
changes that date only."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from directory.access import Actor, can_edit_organisation
from events.models import Event, EventQuestion, EventSeries, EventStatus, SeriesQuestion
from kernel.audit import audit_log


def _changed_on_its_own(event: Event) -> None:
    """A date of a series whose questions the organiser changed: the series' questions leave it alone."""
    if event.series_id is not None and not event.questions_changed:
        Event.objects.filter(pk=event.pk).update(questions_changed=True)
        event.questions_changed = True


@transaction.atomic
def question_add(*, actor: Actor, event: Event, data: dict[str, Any]) -> EventQuestion:
    if not can_edit_organisation(actor, event.organiser):
        raise PermissionDenied
    question = EventQuestion(event=event, **data)
    question.full_clean()
    question.save()
    _changed_on_its_own(event)
    audit_log(actor=actor.user, action="event.question_add", target=event, data={"question": question.pk})
    return question


@transaction.atomic
def question_delete(*, actor: Actor, question: EventQuestion) -> None:
    """Remove a question and the answers given to it."""
    event = question.event
    if not can_edit_organisation(actor, event.organiser):
        raise PermissionDenied
    answers = question.answers.count()
    pk = question.pk
    question.delete()
    _changed_on_its_own(event)
    audit_log(actor=actor.user, action="event.question_delete", target=event, data={"question": pk, "answers": answers})


def following_dates(series: EventSeries) -> QuerySet[Event]:
    """The dates a change of the series' questions reaches: not started, not cancelled, questions not changed
    on the date itself."""
    return series.events.filter(start__gt=timezone.now(), questions_changed=False).exclude(status=EventStatus.CANCELLED)


def copy_question(question: SeriesQuestion, event: Event) -> EventQuestion:
    copy = EventQuestion(
        event=event, series_question=question, **{name: getattr(question, name) for name in question.COPIED}
    )
    copy.full_clean()
    copy.save()
    return copy


@transaction.atomic
def series_question_add(*, actor: Actor, series: EventSeries, data: dict[str, Any]) -> SeriesQuestion:
    """A question for every date of the series: asked from now on at each following date (following_dates)
    and at every date the series adds later."""
    if not can_edit_organisation(actor, series.organiser):
        raise PermissionDenied
    series = EventSeries.objects.select_for_update().get(pk=series.pk)
    question = SeriesQuestion(series=series, **data)
    question.full_clean()
    question.save()
    dates = list(following_dates(series))
    for event in dates:
        copy_question(question, event)
    audit_log(
        actor=actor.user,
        action="event_series.question_add",
        target=series,
        data={"question": question.pk, "dates": len(dates)},
    )
    return question


@transaction.atomic
def series_question_delete(*, actor: Actor, question: SeriesQuestion) -> None:
    """Remove a question of the series, and its copies (with their answers) from the following dates. Dates
    already held and dates with questions of their own keep theirs, as questions of their own."""
    series = question.series
    if not can_edit_organisation(actor, series.organiser):
        raise PermissionDenied
    EventSeries.objects.select_for_update().filter(pk=series.pk).first()
    copies = EventQuestion.objects.filter(series_question=question, event__in=following_dates(series))
    removed = {"dates": copies.count(), "answers": sum(c.answers.count() for c in copies)}
    copies.delete()
    pk = question.pk
    question.delete()
    audit_log(actor=actor.user, action="event_series.question_delete", target=series, data={"question": pk, **removed})
