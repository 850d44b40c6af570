"""Series pages for organisers: repeat an event, the series with its dates (change the rule, skip a date)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from events import questions as question_services
from events import selectors
from events import series as services
from events.models import EventSeries
from events.questions.page import questions_page
from events.series import selectors as series_selectors
from events.series.forms import SeriesForm, SkipForm
from kernel.forms import act, form_page, posted


@login_required
@require_http_methods(["GET", "POST"])
def repeat(request: HttpRequest, code: str) -> HttpResponse:
    """ "Repeat this event": the rule of a new series whose first date is this event."""
    event = selectors.event_for_user(actor=request.actor, code=code, write=True)
    if event.series is not None:  # already a date of a series: the series' page
        return redirect(event.series)
    initial = {"name": event.title_sv, "frequency": "weekly", "interval": 1, "capacity": event.capacity}
    form = SeriesForm(posted(request), initial=initial)
    return form_page(
        request,
        form,
        lambda: services.series_create(actor=request.actor, event=event, data=form.series_data()),
        success=_("The series was made. Each date is an event of its own, with its own registrations."),
        template="events/series/repeat.html",
        context={"event": event},
    )


@login_required
@require_http_methods(["GET", "POST"])
def series(request: HttpRequest, code: str) -> HttpResponse:
    """The series' dates, and its rule to change."""
    found = series_selectors.series_for_user(actor=request.actor, code=code)
    form = SeriesForm(posted(request), initial=SeriesForm.initial_for(found))
    return form_page(
        request,
        form,
        lambda: services.series_update(actor=request.actor, series=found, data=form.series_data()),
        success=_("The series was saved and its dates follow the new rule."),
        then=lambda _: redirect(found),
        page=lambda: _series_page(request, found, form),
    )


def _series_page(request: HttpRequest, found: EventSeries, form: SeriesForm) -> HttpResponse:
    """The series' page with the form of its rule; its dates and questions are read only when it is drawn."""
    context = {
        "series": found,
        "form": form,
        "dates": series_selectors.series_dates(series=found),
        "questions": series_selectors.series_questions(series=found),
    }
    return render(request, "events/series/series.html", context)


@login_required
@require_POST
def skip(request: HttpRequest, code: str) -> HttpResponse:
    found = series_selectors.series_for_user(actor=request.actor, code=code)
    form = SkipForm(request.POST)
    if form.is_valid():
        act(
            request,
            lambda: services.series_skip_date(actor=request.actor, series=found, date=form.cleaned_data["date"]),
            success=_("The date is skipped. Everyone registered for it is told that it is cancelled."),
        )
    else:
        messages.error(request, _("Choose a date of the series to skip."))
    return redirect(found)


@login_required
@require_http_methods(["GET", "POST"])
def series_questions(request: HttpRequest, code: str) -> HttpResponse:
    """The questions every date of the series asks: the list, adding one (to every following date)."""
    found = series_selectors.series_for_user(actor=request.actor, code=code)
    return questions_page(
        request,
        asked=series_selectors.series_questions(series=found),
        add=lambda data: question_services.series_question_add(actor=request.actor, series=found, data=data),
        success=_("The question was added to the dates of the series that have not taken place."),
        then=lambda _: redirect("events:series_questions", code=found.code),
        template="events/series/questions.html",
        context={"series": found},
    )


@login_required
@require_POST
def series_question_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    found = series_selectors.series_for_user(actor=request.actor, code=code)
    question = series_selectors.series_question(series=found, pk=pk)
    act(
        request,
        lambda: question_services.series_question_delete(actor=request.actor, question=question),
        success=_("The question and its answers were removed from the dates of the series that have not taken place."),
    )
    return redirect("events:series_questions", code=found.code)
