"""The calendar's panel on an organisation's profile: the organiser's next events this visitor may see."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from directory.access import can_edit_organisation, request_actor
from directory.models import Organisation
from directory.panels import ProfilePanel
from events import selectors


def organiser_events(request: HttpRequest, organisation: Organisation) -> dict[str, Any]:
    actor = request_actor(request)
    return {
        "organisation": organisation,
        "events": selectors.upcoming_events_for_organisation(organisation, actor=actor),
        "can_publish": can_edit_organisation(actor, organisation),
    }


PANEL = ProfilePanel(name="events", template="events/_organiser_events_list.html", context=organiser_events, order=10)
