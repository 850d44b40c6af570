"""Questions the organiser asks everyone who registers (the answers: events/answers.py)."""

from events.questions.services import question_add, question_delete, series_question_add, series_question_delete

__all__ = ["question_add", "question_delete", "series_question_add", "series_question_delete"]
