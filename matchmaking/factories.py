"""Factories of matchmaking: the funded project, pseudonymous participants with their ESF+ data, labour-market
events, needs, opportunities, matches in each state, partner requests and agreements.

Participants, needs, opportunities and matches go through the services (matchmaking.services: the rules and
the audit log are the real ones) when given an `actor`; without one they are written directly, valid by the
models' rules. Every participant is invented; codes are pseudonyms."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from directory.access import Actor, actor_for
from directory.factories import ForbundFactory, OrganisationFactory
from directory.models import OrganisationKind, ServiceCategory
from kernel.models import User
from matchmaking import services
from matchmaking.models import (
    Adaptation,
    Agreement,
    AgreementKind,
    FundedProject,
    Gender,
    Isced,
    LabourMarketEvent,
    LabourStatus,
    Match,
    MatchStatus,
    Need,
    NeedStatus,
    Opportunity,
    OpportunityType,
    OutcomeEvent,
    Participant,
    PartnerRequest,
    Weekday,
)

PROJECT_NAME = "Samverkan för ASF i södra Norrbotten 2.0"


def _slugs_to_services(chosen: Any) -> list[ServiceCategory]:
    chosen = list(chosen or [])
    slugs = [s for s in chosen if isinstance(s, str)]
    return [s for s in chosen if not isinstance(s, str)] + list(ServiceCategory.objects.filter(slug__in=slugs))


def _as_actor(person: Actor | User | None) -> Actor | None:
    if person is None or isinstance(person, Actor):
        return person
    return actor_for(person)


class _ActorFactory(factory.django.DjangoModelFactory):
    """`actor=<user>` creates through the service (permission checks and audit log); without it the object
    is written directly."""

    class Meta:
        abstract = True
        skip_postgeneration_save = True

    actor = None
    # Declarations that choose the path and are not model fields.
    _path_params: tuple[str, ...] = ("actor",)

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        for name in cls._path_params:
            kwargs.pop(name, None)
        return super()._build(model_class, *args, **kwargs)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        params = {name: kwargs.pop(name, None) for name in cls._path_params}
        if params["actor"] is None:
            return cls._create_directly(super()._create(model_class, *args, **kwargs))
        # The services take an Actor; tests and seeding pass the person (a User) or their Actor.
        people = {name: _as_actor(value) for name, value in params.items()}
        return cls._create_as(kwargs, **people)

    @classmethod
    def _create_directly(cls, obj: Any) -> Any:
        """What the services would also have changed around an object written directly."""
        return obj

    @classmethod
    def _create_as(cls, data: dict[str, Any], *, actor: Actor) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError


class FundedProjectFactory(factory.django.DjangoModelFactory):
    """The förbund's ESF+ project 23-051-S06 (one per database: get or create on the diarienummer)."""

    class Meta:
        model = FundedProject
        django_get_or_create = ("diarienummer",)

    forbund = factory.SubFactory(ForbundFactory)
    diarienummer = "23-051-S06"
    name = PROJECT_NAME
    starts_on = dt.date(2024, 1, 2)
    ends_on = dt.date(2026, 6, 30)
    programme_area = "D – kapacitet i norra glesbygden"
    objective = "Varaktiga samverkansstrukturer mellan ASF, kommuner, myndigheter och näringsliv"


class MunicipalityOrganisationFactory(OrganisationFactory):
    """Luleå kommun, the raising organisation of the factories' participants."""

    class Meta:
        django_get_or_create = ("orgnr",)

    name = "Luleå kommun"
    kind = OrganisationKind.MUNICIPALITY
    orgnr = "2120002742"


class ParticipantFactory(_ActorFactory):
    """A participant with valid ESF+ data: unemployed at entry for 14 months (traits `inactive`, `employed`,
    `long_term_unemployed`, `exited`); born before entry; flags (`disability=True` …) off unless given."""

    class Meta:
        model = Participant
        rename = {"municipality": "municipality_id"}  # given by code, e.g. municipality="2581"

    code = factory.Sequence(lambda n: f"P-{n + 1:06d}")
    project = factory.SubFactory(FundedProjectFactory)
    raised_by_organisation = factory.SubFactory(MunicipalityOrganisationFactory)
    gender = factory.Iterator(Gender.values)
    birth_date = factory.Faker("date_between", start_date=dt.date(1962, 1, 1), end_date=dt.date(2005, 12, 31))
    entry_date = factory.Faker("date_between", start_date=dt.date(2024, 1, 15), end_date=dt.date(2025, 12, 15))
    status_at_entry = LabourStatus.UNEMPLOYED
    unemployed_months = factory.LazyAttribute(lambda o: 14 if o.status_at_entry == LabourStatus.UNEMPLOYED else None)
    isced = Isced.MIDDLE
    municipality = factory.LazyAttribute(lambda o: o.raised_by_organisation.kommunkod_id)
    consent_date = factory.SelfAttribute("entry_date")
    consent_scope = "Matchning till praktik och uppföljning inom projektet"

    class Params:
        inactive = factory.Trait(status_at_entry=LabourStatus.INACTIVE)
        employed = factory.Trait(status_at_entry=LabourStatus.EMPLOYED)
        long_term_unemployed = factory.Trait(unemployed_months=26)
        exited = factory.Trait(exit_date=factory.LazyAttribute(lambda o: o.entry_date + dt.timedelta(days=180)))

    @classmethod
    def _create_as(cls, data: dict[str, Any], *, actor: Actor) -> Participant:
        project, organisation = data.pop("project"), data.pop("raised_by_organisation")
        return services.participant_create(actor=actor, project=project, organisation=organisation, data=data)


class LabourMarketEventFactory(factory.django.DjangoModelFactory):
    """A labour-market situation of a participant three months after entry (job seeking)."""

    class Meta:
        model = LabourMarketEvent

    participant = factory.SubFactory(ParticipantFactory)
    date = factory.LazyAttribute(lambda o: o.participant.entry_date + dt.timedelta(days=90))
    event = OutcomeEvent.JOB_SEEKING


class NeedFactory(_ActorFactory):
    """A participant's need: 20 hours a week, mornings, a calm place with a supervisor; `services=[slugs]`."""

    class Meta:
        model = Need
        rename = {"municipality": "municipality_id"}

    participant = factory.SubFactory(ParticipantFactory)
    hours_per_week = 20
    times = factory.LazyFunction(lambda: [Weekday.MORNINGS])
    municipality = factory.LazyAttribute(lambda o: o.participant.municipality_id)
    travel_km = 10
    adaptations = factory.LazyFunction(lambda: [Adaptation.CALM])
    supervisor_needed = True
    earliest_start = factory.LazyFunction(timezone.localdate)
    free_text = "Vill ha lugnt och praktiskt arbete nära hemmet."

    class Params:
        placed = factory.Trait(status=NeedStatus.PLACED)
        closed = factory.Trait(status=NeedStatus.CLOSED)

    @classmethod
    def _create_as(cls, data: dict[str, Any], *, actor: Actor) -> Need:
        participant = data.pop("participant")
        return services.need_create(actor=actor, participant=participant, data=data)

    @factory.post_generation
    def services(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.services.set(_slugs_to_services(extracted))


class OpportunityFactory(_ActorFactory):
    """An open work-training place at an ASF (two places, 10–30 hours, mornings, a supervisor). Traits:
    `full` (no place left), `unpublished`, `stale` (not confirmed within OPPORTUNITY_REFRESH_WEEKS);
    `service="slug"` picks the kind of work."""

    class Meta:
        model = Opportunity
        rename = {"municipality": "municipality_id"}

    organisation = factory.SubFactory(OrganisationFactory, placements=True)
    type = OpportunityType.WORK_TRAINING
    title = "Arbetsträning i caféet"
    description = "Förbered lunch, baka och servera. En handledare finns i köket varje dag."
    service = None
    occupation_code = "9412"
    municipality = factory.LazyAttribute(lambda o: o.organisation.kommunkod_id)
    hours_per_week_min = 10
    hours_per_week_max = 30
    times = factory.LazyFunction(lambda: [Weekday.MORNINGS])
    places_total = 2
    places_available = factory.SelfAttribute("places_total")
    adaptations = factory.LazyFunction(lambda: [Adaptation.CALM])
    supervisor_available = True
    starts_on = factory.LazyFunction(timezone.localdate)
    published = True

    class Params:
        full = factory.Trait(places_available=0)
        unpublished = factory.Trait(published=False)
        stale = factory.Trait(
            refreshed_at=factory.LazyFunction(
                lambda: timezone.now() - dt.timedelta(weeks=settings.OPPORTUNITY_REFRESH_WEEKS, days=1)
            )
        )

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        if isinstance(kwargs.get("service"), str):
            kwargs["service"] = ServiceCategory.objects.filter(slug=kwargs["service"]).first()
        return kwargs

    @classmethod
    def _create_as(cls, data: dict[str, Any], *, actor: Actor) -> Opportunity:
        organisation = data.pop("organisation")
        return services.opportunity_create(actor=actor, organisation=organisation, data=data)


def _started_on(status: str) -> dt.date | None:
    """Today for a placement under way; four months ago for one that has ended (three months later)."""
    days = {MatchStatus.STARTED: 0, MatchStatus.ENDED: 120}.get(status)
    return None if days is None else timezone.localdate() - dt.timedelta(days=days)


# The order a placement goes through; `status` names how far a MatchFactory takes it.
_PIPELINE = (MatchStatus.PROPOSED, MatchStatus.ACCEPTED, MatchStatus.STARTED, MatchStatus.ENDED)


class MatchFactory(_ActorFactory):
    """A placement in a given `status` (proposed, accepted, started, ended, declined, withdrawn). An accepted
    or started one holds a place of the opportunity. With `actor` (the officer who proposes) and `host` (a
    member of the hosting organisation) it goes through the services step by step."""

    class Meta:
        model = Match

    need = factory.SubFactory(NeedFactory)
    opportunity = factory.SubFactory(OpportunityFactory)
    status = MatchStatus.PROPOSED
    score = 70
    reasons = factory.LazyFunction(lambda: [{"text": "Same municipality", "fits": True}])
    proposed_at = factory.LazyFunction(timezone.now)
    decided_at = factory.LazyAttribute(
        lambda o: None if o.status == MatchStatus.PROPOSED else o.proposed_at + dt.timedelta(days=2)
    )
    decline_reason = factory.LazyAttribute(
        lambda o: "Vi har inga platser kvar i vår." if o.status == MatchStatus.DECLINED else ""
    )
    started_on = factory.LazyAttribute(lambda o: _started_on(o.status))
    ended_on = factory.LazyAttribute(
        lambda o: o.started_on + dt.timedelta(days=90) if o.status == MatchStatus.ENDED else None
    )
    host = None
    _path_params = ("actor", "host")

    @classmethod
    def _create_directly(cls, match: Match) -> Match:
        if match.status in (MatchStatus.ACCEPTED, MatchStatus.STARTED):
            Opportunity.objects.filter(pk=match.opportunity_id, places_available__gt=0).update(
                places_available=F("places_available") - 1
            )
        if match.status in (MatchStatus.STARTED, MatchStatus.ENDED):
            Need.objects.filter(pk=match.need_id).update(status=NeedStatus.PLACED)
        return match

    @classmethod
    def _create_as(cls, data: dict[str, Any], *, actor: Actor, host: Actor | None = None) -> Match:
        status = data["status"]
        match = services.match_propose(actor=actor, need=data["need"], opportunity=data["opportunity"])
        if status == MatchStatus.DECLINED:
            return services.match_decline(actor=host, match=match, reason=data["decline_reason"])
        if status == MatchStatus.WITHDRAWN:
            raise ValueError("a withdrawn match has no service path here; create it without an actor")
        steps = _PIPELINE[1 : _PIPELINE.index(status) + 1]
        for step in steps:
            if step == MatchStatus.ACCEPTED:
                match = services.match_accept(actor=host, match=match)
            elif step == MatchStatus.STARTED:
                # The factory writes the history it is given (an ended placement started months ago), so an
                # early start is taken as agreed.
                match = services.match_start(actor=host, match=match, started_on=data["started_on"], start_early=True)
            else:
                match = services.match_end(actor=host, match=match, ended_on=data["ended_on"])
        return match


class PartnerRequestFactory(factory.django.DjangoModelFactory):
    """A business asks for cleaning in Luleå; `service="slug"` (default: städ)."""

    class Meta:
        model = PartnerRequest
        rename = {"municipality": "municipality_id"}

    organisation = factory.SubFactory(OrganisationFactory, kind=OrganisationKind.BUSINESS)
    title = "Städning av kontoret, två gånger i veckan"
    description = "Kontor på 400 kvadratmeter i centrala Luleå. Start efter sommaren."
    service = "stad"
    municipality = "2580"
    needed_by = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=60))

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        if isinstance(kwargs.get("service"), str):
            kwargs["service"] = ServiceCategory.objects.get(slug=kwargs["service"])
        return kwargs


class AgreementFactory(factory.django.DjangoModelFactory):
    """An IOP from the start of the year; `parties=[org, …]` on create."""

    class Meta:
        model = Agreement
        skip_postgeneration_save = True

    forbund = factory.SubFactory(ForbundFactory)
    kind = AgreementKind.IOP
    title = "IOP om arbetsträning"
    starts_on = factory.LazyFunction(lambda: timezone.localdate().replace(month=1, day=1))

    @factory.post_generation
    def parties(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.parties.set(extracted)
