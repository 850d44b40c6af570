"""The organiser's questions to everyone who registers: the list, adding one, removing one."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from events import questions as services
from events import selectors
from events.questions.page import questions_page
from kernel.forms import act


@login_required
@require_http_methods(["GET", "POST"])
def questions(request: HttpRequest, code: str) -> HttpResponse:
    event = selectors.event_for_user(actor=request.actor, code=code, write=True)
    return questions_page(
        request,
        asked=selectors.event_questions(event=event),
        add=lambda data: services.question_add(actor=request.actor, event=event, data=data),
        success=_("The question was added. Everyone who registers from now on is asked it."),
        then=lambda _: redirect("events:questions", code=event.code),
        template="events/questions/list.html",
        context={"event": event},
    )


@login_required
@require_POST
def question_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    event = selectors.event_for_user(actor=request.actor, code=code, write=True)
    question = selectors.event_question(event=event, pk=pk)
    act(
        request,
        lambda: services.question_delete(actor=request.actor, question=question),
        success=_("The question and its answers were removed."),
    )
    return redirect("events:questions", code=event.code)
