"""Template helpers of the calendar. No business logic: the organiser's events come from one selector."""

from __future__ import annotations

from django import template

from events.models import Event

register = template.Library()


@register.filter
def places_left(event: Event) -> int | None:
    """Places left from the calendar's `places_held` annotation (None: no limit)."""
    if event.capacity is None:
        return None
    return max(event.capacity - getattr(event, "places_held", 0), 0)
