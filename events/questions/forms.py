"""The organiser's question form, and the questions as fields of a registration form."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from events.answers import MAX_ANSWER, field_name
from events.models import EventQuestion, QuestionFields, QuestionKind
from kernel.identifiers import refuse_personnummer


class QuestionForm(forms.ModelForm):
    class Meta:
        model = EventQuestion
        fields = ["label_sv", "label_en", "kind", "options_sv", "options_en", "required", "position"]
        widgets = {
            "options_sv": forms.Textarea(attrs={"rows": 3}),
            "options_en": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, data: Any = None, *, after: Iterable[QuestionFields] = ()) -> None:
        """A new question, offered the position after the questions already asked (`after`: an event's or a
        series' own)."""
        super().__init__(data, initial={"position": max((q.position for q in after), default=0) + 1})

    def question_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


def question_field(question: EventQuestion) -> forms.Field:
    """The field asking `question`, labelled in the active language; a required one says which question
    is unanswered."""
    required_message = _("Answer the question “%(question)s”.") % {"question": question.label}
    common: dict[str, Any] = {
        "label": question.label,
        "required": question.required,
        "error_messages": {"required": required_message},
    }
    if question.kind == QuestionKind.CHOICE:
        return forms.ChoiceField(choices=question.options(), widget=forms.RadioSelect, **common)
    if question.kind == QuestionKind.YES_NO:
        return forms.ChoiceField(choices=[("yes", _("Yes")), ("no", _("No"))], widget=forms.RadioSelect, **common)
    return forms.CharField(
        max_length=MAX_ANSWER,
        validators=[refuse_personnummer],
        widget=forms.Textarea(attrs={"rows": 2}),
        **common,
    )


class QuestionsMixin(forms.Form):
    """A registration form that also asks the event's questions. Its cleaned data carries the answers as
    `answers` (by field name), which the registration services take."""

    def add_questions(self, questions: list[EventQuestion]) -> None:
        self.question_names = [field_name(q) for q in questions]
        for question in questions:
            self.fields[field_name(question)] = question_field(question)

    def question_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in getattr(self, "question_names", [])]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        answers = {name: cleaned.pop(name) for name in getattr(self, "question_names", []) if name in cleaned}
        cleaned["answers"] = answers
        return cleaned
