"""The event page with its registration forms: rendered by the calendar's event view and again, with the
submitted form and its errors, by the registration views."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from directory.models import Organisation
from events import selectors
from events.models import Audience, Event, EventStatus
from events.registration.forms import GroupRegistrationForm, GuestRegistrationForm, RegistrationForm


def render_event_page(
    request: HttpRequest,
    event: Event,
    *,
    register_form: RegistrationForm | None = None,
    group_form: tuple[str, GroupRegistrationForm] | None = None,
    guest_form: GuestRegistrationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    page = selectors.event_page(event=event, actor=request.actor)
    questions = list(event.questions.all())
    organisations = [m.organisation for m in page.memberships]
    groups = []
    for organisation, colleagues in page.colleagues.items():
        if group_form and group_form[0] == str(organisation.code):
            form = group_form[1]
        else:
            form = GroupRegistrationForm(colleagues=colleagues, prefix=group_prefix(organisation))
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
        "register_form": register_form or RegistrationForm(organisations=organisations, questions=questions),
        "can_register": authenticated and page.registration is None and is_open and bool(organisations),
        # Colleagues answer the event's required questions themselves: no group registration then.
        "groups": groups if is_open and not any(q.required for q in questions) else [],
        "guest_form": guest_form or GuestRegistrationForm(questions=questions),
        "show_guest_form": not authenticated and event.audience == Audience.PUBLIC and is_open,
        "checkin_open": event.checkin_open(),
    }
    return render(request, "events/detail.html", context, status=status)


def group_prefix(organisation: Organisation) -> str:
    """The form prefix of one organisation's group registration on the event page."""
    return f"group-{organisation.code}"
