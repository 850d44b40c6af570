"""Factories of the calendar: series, events and registrations (members and guests) in every state.

`EventFactory()` is a published, public network meeting in Luleå a week from now. Traits: `past`, `draft`,
`cancelled`, `online`, `network` / `invited_only` (audience); `start_in=` and `hours=` place it in time;
`invited=[org, …]` and `registrations=N` (guests, confirmed while places last, then waitlisted) on create."""

from __future__ import annotations

import datetime as dt
import secrets

import factory
from django.utils import timezone
from faker import Faker

from directory.factories import ForbundFactory, OrganisationFactory
from directory.models import Membership
from events.models import (
    Attendance,
    Audience,
    Event,
    EventKind,
    EventQuestion,
    EventSeries,
    EventStatus,
    QuestionKind,
    Registration,
)
from events.models import RegistrationStatus as Status
from events.services import hash_token

_fake = Faker("sv_SE")


def guest_email(name: str, n: int | None = None) -> str:
    """An example.se address made of a name ("Jonas Öhman" → jonas.ohman@example.se), `n` keeps it unique."""
    plain = name.lower().replace(" ", ".").translate(str.maketrans("åäöéü", "aaoeu"))
    return f"{plain}{'' if n is None else f'.{n}'}@example.se"


def new_token_hash() -> str:
    """The hash of a fresh cancel/confirm-link secret (the secret itself is thrown away)."""
    return hash_token(secrets.token_urlsafe(24))


class EventSeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventSeries

    organiser = factory.SubFactory(OrganisationFactory)
    name = "Månadsträff i ASF-nätverket"


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event
        skip_postgeneration_save = True
        rename = {"kommunkod": "kommunkod_id"}  # given by code, e.g. kommunkod="2581"

    class Params:
        start_in = dt.timedelta(days=7)
        hours = 2
        past = factory.Trait(start_in=dt.timedelta(days=-14))
        draft = factory.Trait(status=EventStatus.DRAFT)
        cancelled = factory.Trait(status=EventStatus.CANCELLED)
        online = factory.Trait(place_name="", street_address="", online_url="https://meet.example.se/natverkstraff")
        network = factory.Trait(audience=Audience.NETWORK)
        invited_only = factory.Trait(audience=Audience.INVITED)

    organiser = factory.SubFactory(OrganisationFactory)
    kind = EventKind.NETWORK_MEETING
    forbund = factory.SubFactory(ForbundFactory)  # `forbund=None`: a national event
    title_sv = "Nätverksträff i Luleå"
    title_en = "Network meeting in Luleå"
    description_sv = "Träff för ASF, kommunen och företagen i nätverket. Fika serveras."
    description_en = "A meeting for ASF, the municipality and the businesses of the network. Coffee is served."
    start = factory.LazyAttribute(lambda o: timezone.now().replace(microsecond=0) + o.start_in)
    end = factory.LazyAttribute(lambda o: o.start + dt.timedelta(hours=o.hours))
    place_name = "Kulturens hus"
    street_address = "Skeppsbrogatan 17, Luleå"
    kommunkod = "2580"
    audience = Audience.PUBLIC
    capacity = None
    status = EventStatus.PUBLISHED

    @factory.post_generation
    def invited(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.invited_organisations.set(extracted)

    @factory.post_generation
    def registrations(obj, create, extracted, **kwargs):
        """`registrations=N`: N guests, confirmed while places last, then on the waiting list."""
        for n in range(extracted or 0 if create else 0):
            full = obj.capacity is not None and n >= obj.capacity
            RegistrationFactory(event=obj, status=Status.WAITLISTED if full else Status.CONFIRMED)


def _member_organisation(o):
    if o.user is None:
        return None
    membership = Membership.objects.filter(user=o.user).select_related("organisation").first()
    return membership.organisation if membership else None


class RegistrationFactory(factory.django.DjangoModelFactory):
    """A confirmed place: a guest (a Swedish name and an example.se address) unless `user=` is given, when
    the member's organisation and language are recorded. Traits: `waitlisted`, `pending`, `cancelled`,
    `present` (checked in five minutes after the start), `absent`."""

    class Meta:
        model = Registration

    class Params:
        waitlisted = factory.Trait(status=Status.WAITLISTED)
        pending = factory.Trait(status=Status.PENDING)
        cancelled = factory.Trait(status=Status.CANCELLED)
        present = factory.Trait(
            attendance=Attendance.PRESENT,
            checked_in_at=factory.LazyAttribute(lambda o: o.event.start + dt.timedelta(minutes=5)),
        )
        absent = factory.Trait(attendance=Attendance.ABSENT)

    event = factory.SubFactory(EventFactory)
    user = None
    organisation = factory.LazyAttribute(_member_organisation)
    organisation_kind = factory.LazyAttribute(lambda o: o.organisation.kind if o.organisation else "")
    guest_name = factory.LazyAttribute(lambda o: "" if o.user else _fake.name())
    guest_email = factory.LazyAttributeSequence(lambda o, n: "" if o.user else guest_email(o.guest_name, n))
    language = factory.LazyAttribute(lambda o: o.user.preferred_language if o.user else "sv")
    status = Status.CONFIRMED
    token_hash = factory.LazyFunction(new_token_hash)
    cancelled_at = factory.LazyAttribute(lambda o: timezone.now() if o.status == Status.CANCELLED else None)


class EventQuestionFactory(factory.django.DjangoModelFactory):
    """A question asked when registering: free text unless a trait says otherwise (`choice`, `yes_no`),
    optional unless `required=True`."""

    class Meta:
        model = EventQuestion

    class Params:
        choice = factory.Trait(
            kind=QuestionKind.CHOICE,
            label_sv="Vilken dag kommer du?",
            label_en="Which day are you coming?",
            options_sv="Tisdag\nOnsdag",
            options_en="Tuesday\nWednesday",
        )
        yes_no = factory.Trait(kind=QuestionKind.YES_NO, label_sv="Vill du ha lunch?", label_en="Would you like lunch?")

    event = factory.SubFactory(EventFactory)
    kind = QuestionKind.TEXT
    label_sv = "Vad vill du veta mer om?"
    label_en = "What would you like to know more about?"
    required = False
    position = factory.Sequence(lambda n: n)
