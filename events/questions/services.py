"""The organiser's questions: adding and removing them. Checking and storing the answers is part of
registering (events/answers.py)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from directory.access import Actor, can_edit_organisation
from events.models import Event, EventQuestion
from kernel.audit import audit_log


@transaction.atomic
def question_add(*, actor: Actor, event: Event, data: dict[str, Any]) -> EventQuestion:
    if not can_edit_organisation(actor, event.organiser):
        raise PermissionDenied
    question = EventQuestion(event=event, **data)
    question.full_clean()
    question.save()
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
    audit_log(actor=actor.user, action="event.question_delete", target=event, data={"question": pk, "answers": answers})
