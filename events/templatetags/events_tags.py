"""Template helpers of the calendar. No business logic: the organiser's events come from one selector."""

from __future__ import annotations

from typing import Any

from django import template

from directory.access import can_edit_organisation
from directory.models import Organisation
from events import selectors
from events.models import Event

register = template.Library()


@register.inclusion_tag("events/_organiser_events_list.html", takes_context=True)
def organiser_events(context: template.Context, organisation: Organisation) -> dict[str, Any]:
    """`{% organiser_events organisation %}` — the organiser's next events this visitor may see (one query)."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return {
        "organisation": organisation,
        "events": selectors.upcoming_events_for_organisation(organisation, user),
        "can_publish": can_edit_organisation(user, organisation),
    }


@register.filter
def places_left(event: Event) -> int | None:
    """Places left from the calendar's `places_held` annotation (None: no limit)."""
    if event.capacity is None:
        return None
    return max(event.capacity - getattr(event, "places_held", 0), 0)
