"""Helpers shared by the event page tests (test_views, test_registration_pages, test_attendance)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from directory.factories import ForbundFactory
from events.models import (
    Audience,
    Event,
    EventStatus,
)
from tests.factories import by_code

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def make_event(
    organiser,
    *,
    title_sv="Nätverksträff i Luleå",
    title_en="Network meeting in Luleå",
    start_in=dt.timedelta(days=7),
    hours=2,
    status=EventStatus.PUBLISHED,
    audience=Audience.PUBLIC,
    capacity=None,
    invited=(),
    **extra,
) -> Event:
    start = timezone.now() + start_in
    extra.setdefault("forbund", ForbundFactory())  # in the förbund's calendar, as the event form makes it
    extra.setdefault("place_name", "Kulturens hus")
    extra.setdefault("kommunkod", "2580")
    event = Event(
        organiser=organiser,
        title_sv=title_sv,
        title_en=title_en,
        start=start,
        end=start + dt.timedelta(hours=hours),
        status=status,
        audience=audience,
        capacity=capacity,
        **by_code(extra),
    )
    event.full_clean()
    event.save()
    if invited:
        event.invited_organisations.set(invited)
    return event


def event_form_data(event: Event, **changes) -> dict:
    """The event form's POST data for `event` as it is, with `changes`."""
    local = {name: timezone.localtime(getattr(event, name), STOCKHOLM) for name in ("start", "end")}
    data = {
        "kind": event.kind,
        "title_sv": event.title_sv,
        "title_en": event.title_en,
        "description_sv": event.description_sv,
        "description_en": event.description_en,
        "start": local["start"].strftime("%Y-%m-%dT%H:%M"),
        "end": local["end"].strftime("%Y-%m-%dT%H:%M"),
        "place_name": event.place_name,
        "street_address": event.street_address,
        "kommunkod": event.kommunkod_id or "",
        "venue_accessibility": event.venue_accessibility,
        "online_url": event.online_url,
        "audience": event.audience,
        "capacity": "" if event.capacity is None else event.capacity,
        "registration_opens": "",
        "registration_closes": "",
        "retention_days": event.retention_days,
    }
    data.update(changes)
    return data


def url(name: str, event: Event, **kwargs) -> str:
    return reverse(f"events:{name}", kwargs={"code": event.code, **kwargs})


def login(client: Client, user) -> Client:
    client.force_login(user)
    return client


def titles_in_calendar(client: Client, **params) -> str:
    response = client.get(reverse("events:index"), params)
    assert response.status_code == 200
    return response.content.decode()


# --- The personnummer guard on every field a person types (issue 9) --------------------------------------
SV = {"HTTP_ACCEPT_LANGUAGE": "sv"}


def _field_errors(response, field: str, form: str = "form") -> str:
    return " ".join(response.context[form].errors.get(field, []))
