"""Reads in the network calendar. Every list starts from what the user may see (`Event.objects.visible_to`)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.shortcuts import get_object_or_404
from django.utils import timezone

from directory.access import Actor, actor_for, can_edit_organisation
from directory.models import Forbund, Membership, Organisation
from events import services
from events.filters import EventFilter, apply_when, clean_when
from events.models import (
    ACTIVE,
    HOLDS_PLACE,
    CalendarFeedToken,
    Event,
    EventMessage,
    EventQuestion,
    EventStatus,
    Registration,
    RegistrationStatus,
)
from kernel.models import User

STOCKHOLM = ZoneInfo("Europe/Stockholm")
FEED_DAYS_BACK = 60
# Statuses whose events appear in a person's "my events" feed.
MY_FEED_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED)
WAITING = (RegistrationStatus.WAITLISTED, RegistrationStatus.OFFERED)


# --- Access ---------------------------------------------------------------------------------------------
def event_for_user(*, actor: Actor, code: UUID | str, write: bool = False) -> Event:
    """The event with `code` as this actor may reach it: read — any event the actor may see; write — only
    events of the actor's own organisations (coordinators: all). Anything else → 404."""
    queryset = Event.objects.editable_by(actor) if write else Event.objects.visible_to(actor)
    return get_object_or_404(queryset.select_related("organiser", "series"), code=code)


def can_organise(actor: Actor, event: Event) -> bool:
    return can_edit_organisation(actor, event.organiser)


def own_registration(*, event: Event, actor: Actor) -> Registration | None:
    """The actor's live registration (registered, waiting, offered) for the event, if any."""
    if actor.user is None:
        return None
    return event.registrations.filter(user=actor.user, status__in=ACTIVE).first()


def _online_allowed(event: Event, organiser: bool, registration: Registration | None) -> bool:
    confirmed = registration is not None and registration.status == RegistrationStatus.CONFIRMED
    return bool(event.online_url) and (organiser or confirmed)


def online_link_allowed(*, event: Event, actor: Actor) -> bool:
    """The online link is for people with a confirmed place, the organiser's members and coordinators."""
    if not event.online_url:
        return False
    return _online_allowed(event, can_organise(actor, event), own_registration(event=event, actor=actor))


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


def calendar_events(*, actor: Actor, params: QueryDict) -> Calendar:
    """The filtered list: a constant number of queries however many events there are (the choices,
    the organisers that have events, then the page with its organiser and places held)."""
    visible = Event.objects.visible_to(actor).in_calendar_of(actor.forbund)
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


def month_events(*, actor: Actor, params: QueryDict, year: int, month: int) -> Month:
    """The month as weeks (Monday first) of days, each listing the events that take place on it."""
    first = dt.date(year, month, 1)
    after = _add_months(first, 1)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=STOCKHOLM)
    end = dt.datetime.combine(after, dt.time.min, tzinfo=STOCKHOLM)
    visible = Event.objects.visible_to(actor).in_calendar_of(actor.forbund)
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
    # Per organisation of the actor: colleagues who are not yet registered (group registration).
    colleagues: dict[Organisation, list[User]]


def event_page(*, event: Event, actor: Actor) -> EventPage:
    colleagues: dict[Organisation, list[User]] = {}
    mine = list(actor.memberships)
    registration = own_registration(event=event, actor=actor)
    if mine and event.registration_open():
        registered = event.registrations.filter(status__in=ACTIVE, user__isnull=False).values("user")
        others = (
            Membership.objects.filter(organisation__in=[m.organisation_id for m in mine])
            .exclude(user=actor.user)
            .exclude(user__in=registered)
            .filter(user__is_active=True)
            .select_related("user", "organisation")
            .order_by("user__full_name", "user__email")
        )
        for membership in others:
            colleagues.setdefault(membership.organisation, []).append(membership.user)
    organiser = can_organise(actor, event)
    return EventPage(
        event=event,
        places_left=services.places_left(event),
        waitlist_size=event.registrations.filter(status__in=WAITING).count(),
        registration=registration,
        municipality_name=event.kommunkod.name if event.kommunkod is not None else "",
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
    # Events that need the organiser's approval: registrations awaiting a decision, oldest first, each with
    # its answers as (question, answer) in the reader's language.
    awaiting: list[tuple[Registration, list[tuple[str, str]]]] = field(default_factory=list)
    # The event's questions, in order (each registration's answers are prefetched as `answers`).
    questions: list[EventQuestion] = field(default_factory=list)


def attendance_sheet(*, event: Event) -> AttendanceSheet:
    shown = [RegistrationStatus.CONFIRMED, *WAITING, RegistrationStatus.AWAITING_APPROVAL]
    asked = list(event.questions.all())
    rows = list(
        event.registrations.filter(status__in=shown)
        .select_related("user", "organisation")
        .prefetch_related("answers")
        .order_by("created_at", "pk")
    )
    return AttendanceSheet(
        confirmed=[r for r in rows if r.status == RegistrationStatus.CONFIRMED],
        waiting=[r for r in rows if r.status in WAITING],
        pending=event.registrations.filter(status=RegistrationStatus.PENDING).count(),
        awaiting=[(r, answer_rows(r, asked)) for r in rows if r.status == RegistrationStatus.AWAITING_APPROVAL],
        questions=asked,
    )


def answer_rows(registration: Registration, questions: list[EventQuestion]) -> list[tuple[str, str]]:
    """(question, answer) for each question the registration answered, in order and the reader's language
    (uses the prefetched `answers`)."""
    given = {answer.question_id: answer.value for answer in registration.answers.all()}
    return [(q.label, q.display(given[q.pk])) for q in questions if q.pk in given]


# --- The organiser's profile -----------------------------------------------------------------------------
def _upcoming_shown(actor: Actor, now: dt.datetime | None = None) -> QuerySet[Event]:
    """Upcoming published (or cancelled) events this actor may see: what an organiser's profile lists."""
    shown = Event.objects.visible_to(actor).filter(status__in=[EventStatus.PUBLISHED, EventStatus.CANCELLED])
    return shown.upcoming(now)


def upcoming_events_for_organisation(organisation: Organisation, *, actor: Actor, limit: int = 5) -> list[Event]:
    """The organiser's next published (or cancelled) events that this actor may see. One query."""
    return list(_upcoming_shown(actor).filter(organiser=organisation).order_by("start", "pk")[:limit])


def has_upcoming_events(actor: Actor, now: dt.datetime | None = None) -> Exists:
    """Whether the organisation (the outer query's row) has an event upcoming_events_for_organisation would
    list for this actor at `now` (None: this moment): an annotation of a query of organisations."""
    return Exists(_upcoming_shown(actor, now).filter(organiser=OuterRef("pk")))


# --- Retention ------------------------------------------------------------------------------------------
def events_holding_personal_data(*, actor: Actor) -> QuerySet[Event]:
    """Ended events of the coordinator's förbund whose personal data has not been purged yet."""
    return (
        Event.objects.filter(
            forbund_id=actor.require_forbund_id(), personal_data_purged_at__isnull=True, end__lt=timezone.now()
        )
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


def public_feed_events(*, forbund: Forbund | None, organisation: Organisation | None = None) -> QuerySet[Event]:
    """Public events of the förbund's calendar (published or cancelled, so subscribed calendars learn of a
    cancellation) from FEED_DAYS_BACK days ago on — the same for everyone who fetches the feed."""
    queryset = Event.objects.visible_to(actor_for(None, forbund)).in_calendar_of(forbund)
    if organisation is not None:
        queryset = queryset.filter(organiser=organisation)
    return _feed_window(queryset)


def feed_token_actor(token: str, forbund: Forbund | None) -> Actor:
    """The Actor of the private feed token's owner in the förbund whose host serves the feed; anonymous for an
    unknown token or a deactivated owner."""
    row = CalendarFeedToken.objects.select_related("user").filter(token_hash=services.hash_token(token)).first()
    return actor_for(row.user if row else None, forbund)


def my_feed_events(*, actor: Actor) -> tuple[list[Event], dict[int, str]]:
    """The events the actor holds (or is offered) a place at and may still see, with their status."""
    if actor.user is None:
        return [], {}
    statuses = dict(
        Registration.objects.filter(user=actor.user, status__in=MY_FEED_STATUSES).values_list("event_id", "status")
    )
    events = list(
        _feed_window(Event.objects.visible_to(actor).filter(pk__in=list(statuses))).exclude(status=EventStatus.DRAFT)
    )
    return events, statuses


def feed_token_for(user: User) -> CalendarFeedToken | None:
    return CalendarFeedToken.objects.filter(user=user).first()


# --- Questions and messages (the organiser's pages) -------------------------------------------------------
def event_questions(*, event: Event) -> list[EventQuestion]:
    return list(event.questions.annotate(answer_count=Count("answers")).order_by("position", "pk"))


def event_messages(*, event: Event) -> list[EventMessage]:
    return list(event.messages.select_related("sender").order_by("-sent_at", "-pk"))


def awaiting_registration(*, event: Event, code: UUID | str) -> Registration:
    """One registration of the event (the organiser's decision on it); another event's → 404."""
    return get_object_or_404(event.registrations.select_related("user", "event"), code=code)


def event_question(*, event: Event, pk: int) -> EventQuestion:
    """One question of the event; another event's → 404."""
    return get_object_or_404(event.questions.select_related("event", "event__organiser"), pk=pk)
