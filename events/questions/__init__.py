"""Questions the organiser asks everyone who registers, and the answers."""

from events.questions.services import (
    answers_check,
    answers_save,
    field_name,
    has_required_questions,
    question_add,
    question_delete,
)

__all__ = [
    "answers_check",
    "answers_save",
    "field_name",
    "has_required_questions",
    "question_add",
    "question_delete",
]
