"""Pages of the network calendar: the list and month view, one event, and the organiser's pages (create,
edit, publish, cancel; the retention overview). Registration (events/registration/), attendance and check-in
(events/attendance/) and the iCalendar feeds (events/feeds/) are features of their own.

Views are thin: access (events.selectors.event_for_user: outside scope → 404), a form, one service or
selector, render or redirect. GET never changes anything."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from directory.access import coordinator_required
from events import selectors, services
from events.filters import WHEN
from events.forms import EventCreateForm, EventForm
from events.models import EventStatus
from events.registration.page import render_event_page
from kernel.forms import act, form_page, posted
from kernel.pagination import paginate

PAGE_SIZE = 20
FILTERS = ("municipality", "kind", "organiser", "audience")


def _selected(request: HttpRequest) -> dict[str, list[str]]:
    return {name: request.GET.getlist(name) for name in FILTERS}


def _filter_query(request: HttpRequest) -> str:
    """The calendar's filters without paging or the upcoming/past switch (kept when changing view)."""
    params = request.GET.copy()
    for name in ("page", "when"):
        params.pop(name, None)
    return params.urlencode()


# --- The calendar ---------------------------------------------------------------------------------------
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The network calendar: `?municipality=&kind=&organiser=&audience=&when=upcoming|past&page=`."""
    result = selectors.calendar_events(actor=request.actor, params=request.GET)
    page = paginate(request, result.events, PAGE_SIZE)
    today = timezone.localdate()
    context = {
        "result": result,
        "page": page,
        "filter_form": result.filterset.form,
        "when_choices": WHEN,
        "page_query": page.query,
        "filter_query": _filter_query(request),
        "selected": _selected(request),
        "this_month": today,
    }
    return render(request, "events/index.html", context)


@require_GET
def month(request: HttpRequest, year: int, month: int) -> HttpResponse:
    if not selectors.month_exists(year, month):
        raise Http404
    result = selectors.month_events(actor=request.actor, params=request.GET, year=year, month=month)
    context = {
        "month": result,
        "filter_form": result.filterset.form,
        "filter_query": _filter_query(request),
        "selected": _selected(request),
        "weekdays": _weekday_names(),
        "today": timezone.localdate(),
    }
    return render(request, "events/month.html", context)


def _weekday_names() -> list[tuple[str, str]]:
    """(full name, short name) Monday to Sunday, in the active language."""
    monday = dt.date(2024, 1, 1)
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    return [(date_format(d, "l"), date_format(d, "D")) for d in days]


# --- One event ------------------------------------------------------------------------------------------
@require_GET
def detail(request: HttpRequest, code: str) -> HttpResponse:
    event = selectors.event_for_user(actor=request.actor, code=code)
    return render_event_page(request, event)


# --- Organisers -----------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    form = EventCreateForm(posted(request), actor=request.actor)
    if not form.fields["organiser"].queryset.exists():
        raise PermissionDenied
    return form_page(
        request,
        form,
        lambda: services.event_create(
            actor=request.actor, organiser=form.cleaned_data["organiser"], data=form.event_data()
        ),
        success=_("The event was saved as a draft. Publish it when it is ready."),
        template="events/form.html",
        context={"event": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, code: str) -> HttpResponse:
    event = selectors.event_for_user(actor=request.actor, code=code, write=True)
    title = event.title  # the heading keeps the saved title while the form shows errors
    form = EventForm(posted(request), instance=event, actor=request.actor)
    return form_page(
        request,
        form,
        lambda: services.event_update(actor=request.actor, event=event, data=form.event_data()),
        success=_("The event was saved."),
        then=lambda _: redirect(event),
        template="events/form.html",
        context={"event": event, "title": title},
    )


@login_required
@require_POST
def publish(request: HttpRequest, code: str) -> HttpResponse:
    event = selectors.event_for_user(actor=request.actor, code=code, write=True)
    act(request, lambda: services.event_publish(actor=request.actor, event=event), success=_("The event is published."))
    return redirect(event)


@login_required
@require_POST
def cancel(request: HttpRequest, code: str) -> HttpResponse:
    event = selectors.event_for_user(actor=request.actor, code=code, write=True)
    if event.status == EventStatus.CANCELLED:
        messages.info(request, _("The event was already cancelled."))
    else:
        services.event_cancel(actor=request.actor, event=event)
        messages.success(request, _("The event is cancelled. Everyone registered or waiting is told by e-mail."))
    return redirect(event)


@coordinator_required
@require_GET
def retention(request: HttpRequest) -> HttpResponse:
    """Coordinators: ended events whose personal data is still held, with the date it will be purged."""
    events = selectors.events_holding_personal_data(actor=request.actor)
    return render(request, "events/retention.html", {"events": events, "now": timezone.now()})
