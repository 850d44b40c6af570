"""Template helpers of the calendar. No business logic: the organiser's events come from one selector."""

from __future__ import annotations

from django import template

from events.certificates import selectors as certificates
from events.models import Event, Registration

register = template.Library()


@register.filter
def places_left(event: Event) -> int | None:
    """Places left from the calendar's `places_held` annotation (None: no limit)."""
    if event.capacity is None:
        return None
    return max(event.capacity - getattr(event, "places_held", 0), 0)


@register.filter
def has_certificate(registration: Registration) -> bool:
    """Whether the registration's attendee can download a certificate of attendance (the selector decides)."""
    return certificates.has_certificate(registration)
