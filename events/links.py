"""Absolute links to an event, for what is read away from the site (e-mails, calendar feeds): they lead to the
portal of the förbund whose calendar holds the event (directory.forbund.links)."""

from __future__ import annotations

from directory.forbund.links import site_url
from events.models import Event


def event_url(event: Event) -> str:
    """The event's own page."""
    return site_url(event.forbund_id) + event.get_absolute_url()
