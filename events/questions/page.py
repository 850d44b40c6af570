"""The page of the questions everyone who registers is asked, for both owners of questions: an event (its
own questions, events/questions/views.py) and a series (asked on each of its dates, events/series/views.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse

from events.models import QuestionFields
from events.questions.forms import QuestionForm
from kernel.forms import form_page, posted


def questions_page(
    request: HttpRequest,
    *,
    asked: Sequence[QuestionFields],
    add: Callable[[dict[str, Any]], object],
    success: str,
    then: str | Callable[[Any], Any],
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """The questions `asked` so far and the form adding one, offered the position after them. A valid new
    question goes to `add` (the owner's service, given the question's data); after the save `success` is
    flashed and `then` leads on (as in `form_page`). The page is `template` with `context` (its owner), the
    questions as "questions" and the form as "form"."""
    form = QuestionForm(posted(request), after=asked)
    return form_page(
        request,
        form,
        lambda: add(form.question_data()),
        success=success,
        then=then,
        template=template,
        context={**context, "questions": asked},
    )
