"""The calendar's panel on an organisation's profile: the organiser's next events this visitor may see."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from directory.access import can_edit_organisation, request_actor
from directory.models import Organisation
from directory.panels import ProfilePanel
from events import selectors

# Read with the profile's query of the organisation (directory.panels): whether there is any event to list.
ANY_UPCOMING = "panel_events_any_upcoming"


def organiser_events(request: HttpRequest, organisation: Organisation) -> dict[str, Any]:
    actor = request_actor(request)
    none_upcoming = getattr(organisation, ANY_UPCOMING, None) is False
    return {
        "organisation": organisation,
        "events": [] if none_upcoming else selectors.upcoming_events_for_organisation(organisation, actor=actor),
        "can_publish": can_edit_organisation(actor, organisation),
    }


PANEL = ProfilePanel(
    name="events",
    template="events/_organiser_events_list.html",
    context=organiser_events,
    order=10,
    annotations=lambda actor, now: {ANY_UPCOMING: selectors.has_upcoming_events(actor, now)},
)
