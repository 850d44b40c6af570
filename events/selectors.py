"""Reads in the network calendar. Every list starts from what the user may see (`Event.objects.visible_to`)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.shortcuts import get_object_or_404
from django.utils import timezone

from directory.access import can_edit_organisation, memberships
from directory.models import Membership, Organisation
from events import services
from events.filters import EventFilter, apply_when, clean_when
from events.models import (
    ACTIVE,
    HOLDS_PLACE,
    CalendarFeedToken,
    Event,
    EventStatus,
    Registration,
    RegistrationStatus,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
FEED_DAYS_BACK = 60
# Statuses whose events appear in a person's "my events" feed.
MY_FEED_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED)
WAITING = (RegistrationStatus.WAITLISTED, RegistrationStatus.OFFERED)


# --- Access ---------------------------------------------------------------------------------------------
def event_for_user(*, user: Any, code: UUID | str, write: bool = False) -> Event:
    """The event with `code` as this user may reach it: read — any event the user may see; write — only
    events of the user's own organisations (coordinators: all). Anything else → 404."""
    queryset = Event.objects.editable_by(user) if write else Event.objects.visible_to(user)
    return get_object_or_404(queryset.select_related("organiser", "series"), code=code)


def can_organise(user: Any, event: Event) -> bool:
    return can_edit_organisation(user, event.organiser)


def own_registration(*, event: Event, user: Any) -> Registration | None:
    """The user's live registration (registered, waiting, offered) for the event, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return event.registrations.filter(user=user, status__in=ACTIVE).first()


def _online_allowed(event: Event, organiser: bool, registration: Registration | None) -> bool:
    confirmed = registration is not None and registration.status == RegistrationStatus.CONFIRMED
    return bool(event.online_url) and (organiser or confirmed)


def online_link_allowed(*, event: Event, user: Any) -> bool:
    """The online link is for people with a confirmed place, the organiser's members and coordinators."""
    if not event.online_url:
        return False
    return _online_allowed(event, can_organise(user, event), own_registration(event=event, user=user))


# --- The calendar ---------------------------------------------------------------------------------------
@dataclass
class Calendar:
    filterset: EventFilter
    events: QuerySet[Event]
    when: str
    organisers: list[Organisation]


def _with_places(queryset: QuerySet[Event]) -> QuerySet[Event]:
    """Places held per event as a correlated subquery, not a JOIN + GROUP BY: PostgreSQL then counts only
    for the rows of the page, not for every visible event before the LIMIT (the bench showed the calendar
    page counting places for all 5,000 events)."""
    held = (
        Registration.objects.filter(event=OuterRef("pk"), status__in=HOLDS_PLACE)
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.select_related("organiser", "kommunkod").annotate(places_held=Coalesce(Subquery(held), Value(0)))


def calendar_events(*, user: Any, params: QueryDict) -> Calendar:
    """The filtered list: a constant number of queries however many events there are (the choices,
    the organisers that have events, then the page with its organiser and places held)."""
    visible = Event.objects.visible_to(user)
    filterset = EventFilter(params, queryset=visible)
    when = clean_when(params.get("when"))
    return Calendar(
        filterset=filterset,
        events=_with_places(apply_when(filterset.qs, when)),
        when=when,
        organisers=_organisers(visible),
    )


def _organisers(visible: QuerySet[Event]) -> list[Organisation]:
    """The organisations behind the events the user may see (the organiser filter's choices). One query."""
    organisers = list(Organisation.objects.filter(pk__in=visible.values("organiser")).only("code", "name"))
    organisers.sort(key=lambda o: o.name.casefold())
    return organisers


@dataclass
class Day:
    date: dt.date
    in_month: bool
    events: list[Event] = field(default_factory=list)


@dataclass
class Month:
    year: int
    month: int
    weeks: list[list[Day]]
    filterset: EventFilter
    organisers: list[Organisation]
    previous: dt.date | None
    next: dt.date | None

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)


MIN_YEAR, MAX_YEAR = 2000, 2100


def month_exists(year: int, month: int) -> bool:
    return MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _local_dates(event: Event) -> Iterator[dt.date]:
    """Every day (Stockholm time) an event takes place on; an event ending at midnight does not spill over."""
    first = timezone.localtime(event.start, STOCKHOLM).date()
    last = timezone.localtime(event.end - dt.timedelta(microseconds=1), STOCKHOLM).date()
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def month_events(*, user: Any, params: QueryDict, year: int, month: int) -> Month:
    """The month as weeks (Monday first) of days, each listing the events that take place on it."""
    first = dt.date(year, month, 1)
    after = _add_months(first, 1)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=STOCKHOLM)
    end = dt.datetime.combine(after, dt.time.min, tzinfo=STOCKHOLM)
    visible = Event.objects.visible_to(user)
    filterset = EventFilter(params, queryset=visible)
    events = filterset.qs.filter(start__lt=end, end__gt=start).select_related("organiser").order_by("start", "pk")
    by_day: dict[dt.date, list[Event]] = defaultdict(list)
    for event in events:
        for day in _local_dates(event):
            if first <= day < after:
                by_day[day].append(event)
    weeks = [
        [Day(date=day, in_month=day.month == month, events=by_day.get(day, [])) for day in week]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]
    previous = _add_months(first, -1)
    return Month(
        year=year,
        month=month,
        weeks=weeks,
        filterset=filterset,
        organisers=_organisers(visible),
        previous=previous if previous.year >= MIN_YEAR else None,
        next=after if after.year <= MAX_YEAR else None,
    )


# --- One event ------------------------------------------------------------------------------------------
@dataclass
class EventPage:
    event: Event
    places_left: int | None
    waitlist_size: int
    registration: Registration | None
    municipality_name: str
    can_organise: bool
    show_online: bool
    memberships: list[Membership]
    # Per organisation of the user: colleagues who are not yet registered (group registration).
    colleagues: dict[Organisation, list[Any]]


def event_page(*, event: Event, user: Any) -> EventPage:
    registration = None
    colleagues: dict[Organisation, list[Any]] = {}
    mine = memberships(user)
    registration = own_registration(event=event, user=user)
    if mine and event.registration_open():
        registered = event.registrations.filter(status__in=ACTIVE, user__isnull=False).values("user")
        others = (
            Membership.objects.filter(organisation__in=[m.organisation_id for m in mine])
            .exclude(user=user)
            .exclude(user__in=registered)
            .filter(user__is_active=True)
            .select_related("user", "organisation")
            .order_by("user__full_name", "user__email")
        )
        for membership in others:
            colleagues.setdefault(membership.organisation, []).append(membership.user)
    organiser = can_organise(user, event)
    return EventPage(
        event=event,
        places_left=services.places_left(event),
        waitlist_size=event.registrations.filter(status__in=WAITING).count(),
        registration=registration,
        municipality_name=event.kommunkod.name if event.kommunkod_id else "",
        can_organise=organiser,
        show_online=_online_allowed(event, organiser, registration),
        memberships=mine,
        colleagues=colleagues,
    )


@dataclass
class AttendanceSheet:
    confirmed: list[Registration]
    waiting: list[Registration]
    pending: int


def attendance_sheet(*, event: Event) -> AttendanceSheet:
    rows = list(
        event.registrations.filter(status__in=[RegistrationStatus.CONFIRMED, *WAITING])
        .select_related("user", "organisation")
        .order_by("created_at", "pk")
    )
    return AttendanceSheet(
        confirmed=[r for r in rows if r.status == RegistrationStatus.CONFIRMED],
        waiting=[r for r in rows if r.status in WAITING],
        pending=event.registrations.filter(status=RegistrationStatus.PENDING).count(),
    )


# --- The organiser's profile -----------------------------------------------------------------------------
def upcoming_events_for_organisation(organisation: Organisation, user: Any, limit: int = 5) -> list[Event]:
    """The organiser's next published (or cancelled) events that this user may see. One query."""
    return list(
        Event.objects.visible_to(user)
        .filter(organiser=organisation, status__in=[EventStatus.PUBLISHED, EventStatus.CANCELLED])
        .upcoming()
        .order_by("start", "pk")[:limit]
    )


# --- Retention ------------------------------------------------------------------------------------------
def events_holding_personal_data() -> QuerySet[Event]:
    """Ended events whose personal data has not been purged yet (coordinators' overview)."""
    return (
        Event.objects.filter(personal_data_purged_at__isnull=True, end__lt=timezone.now())
        .select_related("organiser")
        .annotate(
            registrations_held=Count("registrations", filter=Q(registrations__personal_data_purged=False)),
            guests_held=Count(
                "registrations",
                filter=Q(registrations__personal_data_purged=False) & ~Q(registrations__guest_email=""),
            ),
        )
        .order_by("end", "pk")
    )


# --- Feeds ----------------------------------------------------------------------------------------------
def _feed_window(queryset: QuerySet[Event]) -> QuerySet[Event]:
    since = timezone.now() - dt.timedelta(days=FEED_DAYS_BACK)
    return queryset.filter(end__gte=since).select_related("organiser").order_by("start", "pk")


def public_feed_events(*, organisation: Organisation | None = None) -> QuerySet[Event]:
    """Public events (published or cancelled, so subscribed calendars learn of a cancellation) from
    FEED_DAYS_BACK days ago on — the same for everyone who fetches the feed."""
    queryset = Event.objects.visible_to(AnonymousUser())
    if organisation is not None:
        queryset = queryset.filter(organiser=organisation)
    return _feed_window(queryset)


def feed_token_user(token: str) -> Any | None:
    row = (
        CalendarFeedToken.objects.select_related("user")
        .filter(token_hash=services.hash_token(token), user__is_active=True)
        .first()
    )
    return row.user if row else None


def my_feed_events(*, user: Any) -> tuple[list[Event], dict[int, str]]:
    """The events the user holds (or is offered) a place at and may still see, with their status."""
    statuses = dict(
        Registration.objects.filter(user=user, status__in=MY_FEED_STATUSES).values_list("event_id", "status")
    )
    events = list(
        _feed_window(Event.objects.visible_to(user).filter(pk__in=list(statuses))).exclude(status=EventStatus.DRAFT)
    )
    return events, statuses


def feed_token_for(user: Any) -> CalendarFeedToken | None:
    return CalendarFeedToken.objects.filter(user=user).first()
