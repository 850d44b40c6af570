"""Demo matchmaking data for `manage.py seed_demo`: the funded project 23-051-S06 owned by the förbund, a few
pseudonymous participants of Luleå kommun with needs, placement opportunities at the demo ASF (and two
more ASF in Luleå), one placement under way and one proposal waiting for the demo ASF's answer.

Everything goes through the services, so the audit log and the rules are the real ones. Idempotent: the
project is keyed on its diarienummer, participants on (project, code), opportunities on (organisation,
title); what exists is kept (opportunities are confirmed again so that they stay open). Called after the
organisations and the demo users exist (asfnet/management/commands/seed_demo.py). Every participant is
invented; codes are pseudonyms."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from asfnet.identifiers import normalise_orgnr
from asfnet.models import User
from directory.models import Organisation, ServiceCategory
from matchmaking import services
from matchmaking.models import (
    Adaptation,
    FundedProject,
    MatchStatus,
    Need,
    Opportunity,
    OpportunityType,
    Participant,
    Weekday,
)

FORBUND = "222000-2204"
LULEA_KOMMUN = "212000-2742"
RETUREN = "769600-1010"
CAFE_KVARNEN = "769600-2026"
TVATTERIET = "769600-3032"
COORDINATOR = "coordinator@demo.asfnet.se"
OFFICER = "officer@demo.asfnet.se"
ASF = "asf@demo.asfnet.se"
LULEA = "2580"


@dataclass(frozen=True)
class DemoParticipant:
    code: str
    gender: str
    birth_date: dt.date
    entry_date: dt.date
    status_at_entry: str
    unemployed_months: int | None
    isced: str
    flags: tuple[str, ...]
    need: dict[str, Any]
    services: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoOpportunity:
    orgnr: str
    title: str
    type: str
    service: str
    occupation_code: str
    description: str
    data: dict[str, Any] = field(default_factory=dict)


PARTICIPANTS = [
    DemoParticipant(
        "LUL-0001",
        "woman",
        dt.date(1991, 4, 12),
        dt.date(2025, 2, 3),
        "unemployed",
        26,
        "3-4",
        ("foreign_background",),
        {
            "hours_per_week": 20,
            "times": [Weekday.MORNINGS],
            "adaptations": [Adaptation.CALM, Adaptation.CLEAR_INSTRUCTIONS],
            "supervisor_needed": True,
            "occupation_codes": ["5223"],
            "free_text": "Vill arbeta praktiskt i lugn miljö, gärna med sortering och butik.",
        },
        ("aterbruk", "arbetstraning"),
    ),
    DemoParticipant(
        "LUL-0002",
        "man",
        dt.date(2001, 9, 30),
        dt.date(2025, 4, 14),
        "unemployed",
        9,
        "0-2",
        ("disability",),
        {
            "hours_per_week": 15,
            "times": [Weekday.MORNINGS, Weekday.AFTERNOONS],
            "adaptations": [Adaptation.SHORT_DAYS],
            "supervisor_needed": True,
            "occupation_codes": ["9412", "5120"],
            "free_text": "Intresserad av kök. Behöver korta dagar i början.",
        },
        ("cafe-restaurang", "catering"),
    ),
    DemoParticipant(
        "LUL-0003",
        "non_binary",
        dt.date(1984, 1, 22),
        dt.date(2025, 8, 25),
        "inactive",
        None,
        "5-8",
        ("rural",),
        {
            "hours_per_week": 25,
            "times": [Weekday.FULL_DAYS],
            "adaptations": [Adaptation.TRANSPORT],
            "supervisor_needed": False,
            "travel_km": 40,
            "occupation_codes": ["9111"],
            "free_text": "Bor utanför stan och behöver hjälp med resor.",
        },
        ("tvatt", "stad"),
    ),
    DemoParticipant(
        "LUL-0004",
        "woman",
        dt.date(1968, 11, 5),
        dt.date(2026, 1, 12),
        "employed",
        None,
        "3-4",
        (),
        {
            "hours_per_week": 30,
            "times": [Weekday.MORNINGS],
            "adaptations": [],
            "supervisor_needed": False,
            "occupation_codes": ["7522"],
            "free_text": "Deltidsanställd, vill pröva snickeri för att byta bana.",
        },
        ("snickeri",),
    ),
]

OPPORTUNITIES = [
    DemoOpportunity(
        RETUREN,
        "Sortering och butik på Returen",
        OpportunityType.WORK_TRAINING,
        "aterbruk",
        "5223",
        "Sortera inlämnade saker, prismärk och hjälp kunder i butiken på Svartöstaden. Lugnt tempo, tydliga "
        "rutiner och en handledare på plats varje dag.",
        {
            "hours_per_week_min": 10,
            "hours_per_week_max": 30,
            "times": [Weekday.MORNINGS, Weekday.AFTERNOONS],
            "places_total": 3,
            "adaptations": [Adaptation.CALM, Adaptation.CLEAR_INSTRUCTIONS, Adaptation.SHORT_DAYS],
            "supervisor_available": True,
        },
    ),
    DemoOpportunity(
        RETUREN,
        "Möbelrenovering i verkstaden",
        OpportunityType.INTERNSHIP,
        "snickeri",
        "7522",
        "Slipa, laga och måla om möbler som säljs i butiken. Praktik med introduktion i verktyg och säkerhet.",
        {
            "hours_per_week_min": 20,
            "hours_per_week_max": 40,
            "times": [Weekday.MORNINGS, Weekday.FULL_DAYS],
            "places_total": 2,
            "adaptations": [Adaptation.PHYSICAL],
            "supervisor_available": True,
        },
    ),
    DemoOpportunity(
        CAFE_KVARNEN,
        "Kök och servering på Café Kvarnen",
        OpportunityType.WORK_TRAINING,
        "cafe-restaurang",
        "9412",
        "Förbered lunch, baka och servera i ett lunchcafé i centrala Luleå. Handledare i köket.",
        {
            "hours_per_week_min": 10,
            "hours_per_week_max": 30,
            "times": [Weekday.MORNINGS],
            "places_total": 2,
            "adaptations": [Adaptation.SHORT_DAYS, Adaptation.LANGUAGE],
            "supervisor_available": True,
        },
    ),
    DemoOpportunity(
        TVATTERIET,
        "Tvätt och mangel, lugna förmiddagar",
        OpportunityType.SUPPORTED_EMPLOYMENT,
        "tvatt",
        "9111",
        "Anställning med stöd i ett litet tvätteri på Hertsön: tvätt, mangling och packning.",
        {
            "hours_per_week_min": 15,
            "hours_per_week_max": 40,
            "times": [Weekday.MORNINGS, Weekday.FULL_DAYS],
            "places_total": 1,
            "adaptations": [Adaptation.CALM],
            "supervisor_available": True,
        },
    ),
]


def _organisation(orgnr: str) -> Organisation | None:
    return Organisation.objects.filter(orgnr=normalise_orgnr(orgnr)).first()


def _project(owner: Organisation | None) -> FundedProject:
    project, _ = FundedProject.objects.update_or_create(
        diarienummer="23-051-S06",
        defaults={
            "name": "Samverkan för ASF i södra Norrbotten 2.0",
            "owner": owner,
            "starts_on": dt.date(2024, 1, 2),
            "ends_on": dt.date(2026, 6, 30),
            "programme_area": "D – kapacitet i norra glesbygden",
            "objective": "Varaktiga samverkansstrukturer mellan ASF, kommuner, myndigheter och näringsliv",
        },
    )
    return project


def _participant(spec: DemoParticipant, project: FundedProject, municipality: Organisation, officer: User) -> bool:
    if Participant.objects.filter(project=project, code=spec.code).exists():
        return False
    data = {
        "code": spec.code,
        "gender": spec.gender,
        "birth_date": spec.birth_date,
        "entry_date": spec.entry_date,
        "status_at_entry": spec.status_at_entry,
        "unemployed_months": spec.unemployed_months,
        "isced": spec.isced,
        "municipality": LULEA,
        "consent_date": spec.entry_date,
        "consent_scope": "Matchning till praktik och uppföljning inom projektet",
        **dict.fromkeys(spec.flags, True),
    }
    participant = services.participant_create(actor=officer, project=project, organisation=municipality, data=data)
    need = {"municipality": LULEA, "earliest_start": timezone.localdate(), "travel_km": 10, **spec.need}
    services.need_create(
        actor=officer,
        participant=participant,
        data=need,
        services=ServiceCategory.objects.filter(slug__in=spec.services),
    )
    return True


def _opportunity(spec: DemoOpportunity, actor: User) -> tuple[Opportunity | None, bool]:
    organisation = _organisation(spec.orgnr)
    if organisation is None:
        return None, False
    existing = Opportunity.objects.filter(organisation=organisation, title=spec.title).first()
    if existing is not None:
        return services.opportunity_refresh(actor=actor, opportunity=existing), False
    data = {
        "type": spec.type,
        "title": spec.title,
        "description": spec.description,
        "service": ServiceCategory.objects.filter(slug=spec.service).first(),
        "occupation_code": spec.occupation_code,
        "municipality": LULEA,
        "starts_on": timezone.localdate(),
        **spec.data,
    }
    return services.opportunity_create(actor=actor, organisation=organisation, data=data), True


def _pipeline(project: FundedProject, officer: User, host: User, returen: list[Opportunity]) -> int:
    """LUL-0001 placed at Returen (accepted and started); LUL-0004 proposed for the workshop, waiting for
    the demo ASF's answer. Only on the first run (a need with a match is left alone)."""
    made = 0
    sorting, workshop = returen
    first = Need.objects.filter(participant__project=project, participant__code="LUL-0001").first()
    if first is not None and not first.matches.exists():
        match = services.match_propose(actor=officer, need=first, opportunity=sorting)
        services.match_accept(actor=host, match=match)
        services.match_start(actor=host, match=match, started_on=timezone.localdate())
        made += 1
    fourth = Need.objects.filter(participant__project=project, participant__code="LUL-0004").first()
    if fourth is not None and not fourth.matches.exclude(status=MatchStatus.DECLINED).exists():
        services.match_propose(actor=officer, need=fourth, opportunity=workshop)
        made += 1
    return made


def seed_matchmaking(stdout: Any) -> None:
    """Create the demo matchmaking data (see the module docstring). `stdout` is the command's output stream."""
    officer = User.objects.filter(email=OFFICER).first()
    host = User.objects.filter(email=ASF).first()
    coordinator = User.objects.filter(email=COORDINATOR).first()
    municipality = _organisation(LULEA_KOMMUN)
    if not (officer and host and coordinator and municipality):
        stdout.write("Demo matchmaking skipped: the demo organisations and users are missing.")
        return
    with transaction.atomic():
        project = _project(_organisation(FORBUND))
        people = sum(_participant(spec, project, municipality, officer) for spec in PARTICIPANTS)
        opportunities = [_opportunity(spec, host if spec.orgnr == RETUREN else coordinator) for spec in OPPORTUNITIES]
        returen = [o for (o, _new), spec in zip(opportunities, OPPORTUNITIES, strict=True) if spec.orgnr == RETUREN]
        placements = _pipeline(project, officer, host, returen) if len(returen) == 2 and all(returen) else 0
    made = sum(1 for _o, new in opportunities if new)
    stdout.write(
        f"Demo matchmaking ready: project {project.diarienummer}, {people} participants and "
        f"{made} opportunities created, {placements} placements proposed."
    )
