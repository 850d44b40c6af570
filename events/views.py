"""Pages of the network calendar. Views are thin: access (events.selectors.event_for_user: outside scope →
404), a form, one service or selector, render or redirect. GET never changes anything."""

from __future__ import annotations

import datetime as dt
from typing import Any

from allauth.core import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from directory.access import coordinator_required, organisation_for_user
from directory.models import Organisation
from events import exports, ical, selectors, services, services_calendar
from events.filters import WHEN
from events.forms import (
    AttendanceForm,
    CheckInForm,
    EventCreateForm,
    EventForm,
    GroupRegistrationForm,
    GuestRegistrationForm,
    RegistrationForm,
)
from events.models import Audience, Event, EventStatus, Registration, RegistrationStatus
from kernel.audit import audit_log

PAGE_SIZE = 20
GUEST_RATE_LIMIT = "events_guest_registration"


def _add_errors(form: Form, error: ValidationError) -> None:
    """A service's ValidationError onto the form: per field where the form has that field, else on top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


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
    page = Paginator(result.events, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    context = {
        "result": result,
        "page": page,
        "filter_form": result.filterset.form,
        "when_choices": WHEN,
        "page_query": _query_without_page(request),
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
def _render_detail(
    request: HttpRequest,
    event: Event,
    *,
    register_form: RegistrationForm | None = None,
    group_form: tuple[str, GroupRegistrationForm] | None = None,
    guest_form: GuestRegistrationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    page = selectors.event_page(event=event, actor=request.actor)
    organisations = [m.organisation for m in page.memberships]
    groups = []
    for organisation, colleagues in page.colleagues.items():
        if group_form and group_form[0] == str(organisation.code):
            form = group_form[1]
        else:
            form = GroupRegistrationForm(colleagues=colleagues, prefix=_group_prefix(organisation))
        groups.append((organisation, form))
    is_open = event.registration_open()
    authenticated = request.actor.is_authenticated
    context = {
        "event": event,
        "page": page,
        "registration_open": is_open,
        "not_yet_open": event.status == EventStatus.PUBLISHED
        and event.registration_opens is not None
        and timezone.now() < event.registration_opens,
        "is_past": event.end < timezone.now(),
        "register_form": register_form or RegistrationForm(organisations=organisations),
        "can_register": authenticated and page.registration is None and is_open and bool(organisations),
        "groups": groups if is_open else [],
        "guest_form": guest_form or GuestRegistrationForm(),
        "show_guest_form": not authenticated and event.audience == Audience.PUBLIC and is_open,
        "checkin_open": event.checkin_open(),
    }
    return render(request, "events/detail.html", context, status=status)


def _group_prefix(organisation: Organisation) -> str:
    return f"group-{organisation.code}"


@require_GET
def detail(request: HttpRequest, code: str) -> HttpResponse:
    event = selectors.event_for_user(actor=request.actor, code=code)
    return _render_detail(request, event)


@login_required
@require_POST
def register(request: HttpRequest, code: str) -> HttpResponse:
    """One click: the logged-in member registers (or joins the waiting list when the event is full)."""
    event = selectors.event_for_user(actor=request.actor, code=code)
    form = RegistrationForm(request.POST, organisations=request.actor.organisations)
    if form.is_valid():
        try:
            registration = services.registration_create(
                actor=request.actor,
                event=event,
                organisation=form.cleaned_data["organisation"],
                dietary_needs=form.cleaned_data["dietary_needs"],
                accessibility_needs=form.cleaned_data["accessibility_needs"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if registration.status == RegistrationStatus.WAITLISTED:
                messages.info(
                    request,
                    _("The event is full, so you are on the waiting list. We e-mail you if a place becomes free."),
                )
            else:
                messages.success(request, _("You are registered. A confirmation is on its way to your e-mail."))
            return redirect("events:detail", code=event.code)
    return _render_detail(request, event, register_form=form)


@login_required
@require_POST
def register_group(request: HttpRequest, code: str) -> HttpResponse:
    """Register several colleagues from one of the user's organisations."""
    event = selectors.event_for_user(actor=request.actor, code=code)
    organisation_code = request.POST.get("organisation", "")
    page = selectors.event_page(event=event, actor=request.actor)
    organisation = next((o for o in page.colleagues if str(o.code) == organisation_code), None)
    if organisation is None:
        messages.error(request, _("There is nobody left to register from that organisation."))
        return redirect("events:detail", code=event.code)
    form = GroupRegistrationForm(
        request.POST, colleagues=page.colleagues[organisation], prefix=_group_prefix(organisation)
    )
    if form.is_valid():
        try:
            registrations = services.registration_create_group(
                actor=request.actor,
                event=event,
                organisation=organisation,
                users=form.cleaned_data["colleagues"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _("%(count)s colleagues were registered. Each of them gets an e-mail.") % {"count": len(registrations)},
            )
            return redirect("events:detail", code=event.code)
    return _render_detail(request, event, group_form=(str(organisation.code), form))


@require_POST
def register_guest(request: HttpRequest, code: str) -> HttpResponse:
    """A visitor without an account registers for a public event with name and e-mail; the place is held
    only after they follow the link in the e-mail."""
    event = selectors.event_for_user(actor=request.actor, code=code)
    if request.actor.is_authenticated:
        messages.info(request, _("You are logged in: register with your account instead."))
        return redirect("events:detail", code=event.code)
    if event.audience != Audience.PUBLIC:
        raise PermissionDenied
    form = GuestRegistrationForm(request.POST)
    if form.is_valid() and not ratelimit.consume(
        request, action=GUEST_RATE_LIMIT, key=form.cleaned_data["email"].strip().lower()
    ):
        # Each registration e-mails the given address: limited per address and per client (ACCOUNT_RATE_LIMITS).
        form.add_error(None, _("Too many registrations from here or for this address just now. Try again later."))
        return _render_detail(request, event, guest_form=form, status=429)
    if form.is_valid():
        try:
            services.registration_create_guest(
                event=event,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                language=(get_language() or "sv")[:2],
                dietary_needs=form.cleaned_data["dietary_needs"],
                accessibility_needs=form.cleaned_data["accessibility_needs"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _("Almost done: we sent a link to %(email)s. Your registration counts once you have followed it.")
                % {"email": form.cleaned_data["email"]},
            )
            return redirect("events:detail", code=event.code)
    return _render_detail(request, event, guest_form=form)


@login_required
@require_POST
def unregister(request: HttpRequest, code: str) -> HttpResponse:
    """Cancel one's own registration or leave the waiting list (also declines an offered place)."""
    event = selectors.event_for_user(actor=request.actor, code=code)
    registration = selectors.own_registration(event=event, actor=request.actor)
    if registration is None:
        messages.info(request, _("You are not registered for this event."))
    elif event.end < timezone.now():
        messages.error(request, _("The event is over; the registration can no longer be changed."))
    else:
        was_waiting = registration.status == RegistrationStatus.WAITLISTED
        services.registration_cancel(registration=registration, actor=request.actor)
        if was_waiting:
            messages.success(request, _("You have left the waiting list."))
        else:
            messages.success(request, _("Your registration is cancelled."))
    return redirect("events:detail", code=event.code)


@login_required
@require_POST
def accept_offer(request: HttpRequest, code: str) -> HttpResponse:
    event = selectors.event_for_user(actor=request.actor, code=code)
    registration = selectors.own_registration(event=event, actor=request.actor)
    if registration is None or registration.status != RegistrationStatus.OFFERED:
        messages.info(request, _("There is no place waiting for your answer."))
    else:
        try:
            services.offer_accept(registration=registration)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The place is yours. See you there!"))
    return redirect("events:detail", code=event.code)


# --- The link in an e-mail ------------------------------------------------------------------------------
LINK_ACTIONS = {
    RegistrationStatus.PENDING: ("confirm", "cancel"),
    RegistrationStatus.OFFERED: ("accept", "cancel"),
    RegistrationStatus.CONFIRMED: ("cancel",),
    RegistrationStatus.WAITLISTED: ("cancel",),
}


def _link_actions(registration: Registration) -> tuple[str, ...]:
    event = registration.event
    if event.status != EventStatus.PUBLISHED or event.end < timezone.now():
        return ()
    return LINK_ACTIONS.get(registration.status, ())


LINK_DONE = {
    "confirm": gettext_lazy("Thank you, your registration is confirmed."),
    "accept": gettext_lazy("The place is yours. See you there!"),
    "cancel": gettext_lazy("Done: you no longer have a place or a place in the queue at this event."),
}


@never_cache
@require_http_methods(["GET", "POST"])
def registration_link(request: HttpRequest, token: str) -> HttpResponse:
    """What a link in a registration e-mail does: GET shows it, a POST button does it (so a mail scanner
    that follows links changes nothing)."""
    registration = services.registration_by_token(token)
    if registration is None:
        return render(request, "events/registration_link_invalid.html", status=404)
    actions = _link_actions(registration)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in actions:
            messages.error(request, _("That cannot be done with this registration any more."))
            status = 400
        else:
            try:
                if action == "confirm":
                    registration = services.registration_confirm_guest(registration=registration)
                elif action == "accept":
                    registration = services.offer_accept(registration=registration)
                else:
                    registration = services.registration_cancel(registration=registration)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                status = 400
            else:
                if action == "confirm" and registration.status == RegistrationStatus.WAITLISTED:
                    messages.info(request, _("The event is full, so you are on the waiting list."))
                else:
                    messages.success(request, LINK_DONE[action])
                return redirect("events:registration_link", token=token)
    context = {"registration": registration, "event": registration.event, "actions": actions}
    return render(request, "events/registration_link.html", context, status=status)


# --- Organisers -----------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    form = EventCreateForm(request.POST if request.method == "POST" else None, actor=request.actor)
    if not form.fields["organiser"].queryset.exists():
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(
                actor=request.actor, organiser=form.cleaned_data["organiser"], data=form.event_data()
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The event was saved as a draft. Publish it when it is ready."))
            return redirect("events:detail", code=event.code)
    return render(request, "events/form.html", {"form": form, "event": None})


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, code: str) -> HttpResponse:
    event = selectors.event_for_user(actor=request.actor, code=code, write=True)
    title = event.title  # the heading keeps the saved title while the form shows errors
    form = EventForm(request.POST if request.method == "POST" else None, instance=event, actor=request.actor)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(actor=request.actor, event=event, data=form.event_data())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The event was saved."))
            return redirect("events:detail", code=event.code)
    return render(request, "events/form.html", {"form": form, "event": event, "title": title})


@login_required
@require_POST
def publish(request: HttpRequest, code: str) -> HttpResponse:
    event = selectors.event_for_user(actor=request.actor, code=code, write=True)
    try:
        services.event_publish(actor=request.actor, event=event)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The event is published."))
    return redirect("events:detail", code=event.code)


@login_required
@require_POST
def cancel(request: HttpRequest, code: str) -> HttpResponse:
    event = selectors.event_for_user(actor=request.actor, code=code, write=True)
    if event.status == EventStatus.CANCELLED:
        messages.info(request, _("The event was already cancelled."))
    else:
        services.event_cancel(actor=request.actor, event=event)
        messages.success(request, _("The event is cancelled. Everyone registered or waiting is told by e-mail."))
    return redirect("events:detail", code=event.code)


@login_required
@require_http_methods(["GET", "POST"])
def attendance(request: HttpRequest, code: str) -> HttpResponse:
    """Registrations and attendance: one radio group per confirmed registration, saved with one POST."""
    event = selectors.event_for_user(actor=request.actor, code=code, write=True)
    sheet = selectors.attendance_sheet(event=event)
    form = AttendanceForm(request.POST if request.method == "POST" else None, registrations=sheet.confirmed)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # all rows or none
                for registration, value in form.changes():
                    services.attendance_mark(actor=request.actor, registration=registration, attendance=value)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Attendance was saved."))
            return redirect("events:attendance", code=event.code)
    return render(request, "events/attendance.html", {"event": event, "sheet": sheet, "form": form})


@login_required
@require_GET
def attendance_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    event = selectors.event_for_user(actor=request.actor, code=code, write=True)
    if fmt not in exports.FORMATS:
        raise Http404
    registrations = selectors.attendance_sheet(event=event).confirmed
    audit_log(actor=request.user, action="event.attendance_export", target=event, data={"format": fmt})
    response = HttpResponse(exports.export_bytes(registrations, fmt), content_type=exports.FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{exports.export_filename(event, fmt)}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def checkin(request: HttpRequest, code: str) -> HttpResponse:
    """A registered attendee checks in with the code shown at the event."""
    event = selectors.event_for_user(actor=request.actor, code=code)
    form = CheckInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.self_check_in(user=request.user, event=event, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error)
        else:
            messages.success(request, _("You are checked in. Welcome!"))
            return redirect("events:detail", code=event.code)
    return render(request, "events/checkin.html", {"event": event, "form": form, "open": event.checkin_open()})


@coordinator_required
@require_GET
def retention(request: HttpRequest) -> HttpResponse:
    """Coordinators: ended events whose personal data is still held, with the date it will be purged."""
    events = selectors.events_holding_personal_data()
    return render(request, "events/retention.html", {"events": events, "now": timezone.now()})


# --- iCalendar ------------------------------------------------------------------------------------------
@require_GET
def ics(request: HttpRequest, code: str) -> HttpResponse:
    event = selectors.event_for_user(actor=request.actor, code=code)
    language = ical.feed_language(request.GET.get("lang"), default=(get_language() or "sv")[:2])
    online = selectors.online_link_allowed(event=event, actor=request.actor)
    content = ical.calendar_bytes([event], name=event.title, language=language, online=lambda e: online)
    return ical.calendar_response(content, filename=f"event-{event.code}.ics")


FEED_NAME = gettext_lazy("asfnet network calendar")


@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    """The network's public events, at a stable URL for calendar subscriptions."""
    language = ical.feed_language(request.GET.get("lang"))
    content = ical.calendar_bytes(selectors.public_feed_events(), name=FEED_NAME, language=language)
    return ical.calendar_response(content)


@require_GET
def organiser_feed(request: HttpRequest, code: str) -> HttpResponse:
    organisation = organisation_for_user(actor=request.actor, code=code)
    language = ical.feed_language(request.GET.get("lang"))
    events = selectors.public_feed_events(organisation=organisation)
    content = ical.calendar_bytes(events, name=f"{organisation.name} – asfnet", language=language)
    return ical.calendar_response(content)


@never_cache
@require_GET
def my_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed of the events the token's owner has (or is offered) a place at."""
    actor = selectors.feed_token_actor(token)
    user = actor.user
    if user is None:  # an unknown token, or its owner's account was deactivated
        raise Http404
    events, statuses = selectors.my_feed_events(actor=actor)
    language = ical.feed_language(request.GET.get("lang"), default=user.preferred_language)
    content = ical.calendar_bytes(
        events,
        name=gettext_lazy("My events – asfnet"),
        language=language,
        online=lambda event: statuses.get(event.pk) == RegistrationStatus.CONFIRMED,
    )
    return ical.calendar_response(content)


@login_required
@require_http_methods(["GET", "POST"])
def my_calendar(request: HttpRequest) -> HttpResponse:
    """The private feed address. Only its hash is stored, so the address is shown once, right after it is
    made; making a new one stops the old one."""
    feed_url = ""
    if request.method == "POST":
        token = services_calendar.calendar_token_renew(user=request.user)
        feed_url = settings.SITE_URL + reverse("events:my_feed", kwargs={"token": token})
    context: dict[str, Any] = {
        "feed_url": feed_url,
        "token": selectors.feed_token_for(request.user),
        "public_feed_url": settings.SITE_URL + reverse("events:feed"),
    }
    return render(request, "events/my_calendar.html", context)
