"""A registration's answers to the event's questions (events/questions/): checked and stored by the
registration services. Answers are personal data: the event's retention purge and an account's erasure delete
them (events.services.event_purge_personal_data, events.models.registration_person_erased)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from events.models import Event, EventQuestion, QuestionKind, Registration, RegistrationAnswer
from kernel.identifiers import refuse_personnummer

YES_NO = ("yes", "no")
MAX_ANSWER = 2000


def field_name(question: EventQuestion) -> str:
    """The name of a question's field in a registration form."""
    return f"question-{question.pk}"


def answers_check(*, event: Event, answers: Mapping[str, Any] | None) -> list[tuple[EventQuestion, str]]:
    """The event's questions with the answers given (by form field name, see `field_name`), checked: a required
    question must be answered, a choice must be one of the options, a yes/no "yes" or "no", free text carries
    no personnummer. Raises one ValidationError naming every field that is wrong."""
    answers = answers or {}
    checked: list[tuple[EventQuestion, str]] = []
    errors: dict[str, list[str]] = {}
    for question in event.questions.all():
        name = field_name(question)
        raw = answers.get(name)
        value = "" if raw is None else str(raw).strip()
        if not value:
            if question.required:
                errors[name] = [_("Answer the question “%(question)s”.") % {"question": question.label}]
            continue
        if question.kind == QuestionKind.CHOICE and value not in question.option_values:
            errors[name] = [_("Choose one of the options.")]
        elif question.kind == QuestionKind.YES_NO and value not in YES_NO:
            errors[name] = [_("Answer yes or no.")]
        elif len(value) > MAX_ANSWER:
            errors[name] = [
                ngettext(
                    "Keep the answer under %(max)s character.", "Keep the answer under %(max)s characters.", MAX_ANSWER
                )
                % {"max": MAX_ANSWER}
            ]
        else:
            try:
                refuse_personnummer(value)
            except ValidationError as error:
                errors[name] = error.messages
                continue
            checked.append((question, value))
    if errors:
        raise ValidationError(errors)
    return checked


def answers_save(*, registration: Registration, checked: list[tuple[EventQuestion, str]]) -> None:
    """Store checked answers (answers_check) of a new registration. Call inside the registration's transaction."""
    RegistrationAnswer.objects.bulk_create(
        RegistrationAnswer(registration=registration, question=question, value=value) for question, value in checked
    )


def has_required_questions(event: Event) -> bool:
    return event.questions.filter(required=True).exists()
