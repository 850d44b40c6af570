"""iCalendar: one event, the public feed, an organiser's feed, and the private "my events" feed with the
page that shows and renews its secret link."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from directory.access import organisation_for_user
from directory.forbund.links import site_url
from directory.forbund.middleware import request_forbund
from events import selectors
from events.feeds import ical
from events.feeds import services as feed_services
from events.models import RegistrationStatus


# --- iCalendar ------------------------------------------------------------------------------------------
@require_GET
def ics(request: HttpRequest, code: str) -> HttpResponse:
    event = selectors.event_for_user(actor=request.actor, code=code)
    language = ical.feed_language(request.GET.get("lang"), default=(get_language() or "sv")[:2])
    online = selectors.online_link_allowed(event=event, actor=request.actor)
    content = ical.calendar_bytes([event], name=event.title, language=language, online=lambda e: online)
    return ical.calendar_response(content, filename=f"event-{event.code}.ics")


FEED_NAME = gettext_lazy("asfnet network calendar")


def _feed_name(request: HttpRequest, name: Any) -> str:
    """A feed's name carries the förbund's, so a subscriber to two förbund's calendars can tell them apart."""
    forbund = request_forbund(request)
    return f"{name} – {forbund.short_name}" if forbund is not None else str(name)


@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    """The public events of the förbund's calendar, at a stable URL for calendar subscriptions."""
    language = ical.feed_language(request.GET.get("lang"))
    events = selectors.public_feed_events(forbund=request_forbund(request))
    content = ical.calendar_bytes(events, name=_feed_name(request, FEED_NAME), language=language)
    return ical.calendar_response(content)


@require_GET
def organiser_feed(request: HttpRequest, code: str) -> HttpResponse:
    organisation = organisation_for_user(actor=request.actor, code=code)
    language = ical.feed_language(request.GET.get("lang"))
    events = selectors.public_feed_events(forbund=request_forbund(request), organisation=organisation)
    content = ical.calendar_bytes(events, name=f"{organisation.name} – asfnet", language=language)
    return ical.calendar_response(content)


@never_cache
@require_GET
def my_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed of the events the token's owner has (or is offered) a place at."""
    actor = selectors.feed_token_actor(token, request_forbund(request))
    user = actor.user
    if user is None:  # an unknown token, or its owner's account was deactivated
        raise Http404
    events, statuses = selectors.my_feed_events(actor=actor)
    language = ical.feed_language(request.GET.get("lang"), default=user.preferred_language)
    content = ical.calendar_bytes(
        events,
        name=_feed_name(request, gettext_lazy("My events – asfnet")),
        language=language,
        online=lambda event: statuses.get(event.pk) == RegistrationStatus.CONFIRMED,
    )
    return ical.calendar_response(content)


@login_required
@require_http_methods(["GET", "POST"])
def my_calendar(request: HttpRequest) -> HttpResponse:
    """The private feed address. Only its hash is stored, so the address is shown once, right after it is
    made; making a new one stops the old one. Both addresses are on this förbund's portal: its calendar, not
    the national one of every förbund's events."""
    forbund = request_forbund(request)
    site = site_url(forbund.pk if forbund is not None else None)
    feed_url = ""
    if request.method == "POST":
        token = feed_services.calendar_token_renew(user=request.user)
        feed_url = site + reverse("events:my_feed", kwargs={"token": token})
    context: dict[str, Any] = {
        "feed_url": feed_url,
        "token": selectors.feed_token_for(request.user),
        "public_feed_url": site + reverse("events:feed"),
    }
    return render(request, "events/feeds/my_calendar.html", context)
