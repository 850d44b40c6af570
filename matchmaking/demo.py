"""Demo matchmaking data for `manage.py seed_demo`: the funded project 23-051-S06 owned by the förbund, the
pseudonymous participants of Luleå kommun with needs (and four who have left, with the labour-market events
an ESF+ report reads) and the placement opportunities at the demo ASF (and two more ASF in Luleå) of
matchmaking/demo.toml, one placement under way and one proposal waiting for the demo ASF's answer.

Built with the matchmaking factories on their service path, so the audit log and the rules are the real
ones. Idempotent: the project is keyed on its diarienummer, participants on (project, code), opportunities
on (organisation, title); what exists is kept (opportunities are confirmed again so that they stay open).
Called after the organisations and the demo users exist (directory/demo.py)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from directory.access import actor_for
from directory.models import Organisation
from kernel.factories import seeding
from kernel.identifiers import normalise_orgnr
from kernel.models import User
from matchmaking import services
from matchmaking.factories import (
    FundedProjectFactory,
    MatchFactory,
    NeedFactory,
    OpportunityFactory,
    ParticipantFactory,
)
from matchmaking.models import FundedProject, MatchStatus, Need, Opportunity, Participant

DATA = tomllib.loads((Path(__file__).resolve().parent / "demo.toml").read_text(encoding="utf-8"))
FORBUND = "222000-2204"
LULEA_KOMMUN = "212000-2742"
RETUREN = "769600-1010"
COORDINATOR = "coordinator@demo.asfnet.se"
OFFICER = "officer@demo.asfnet.se"
ASF = "asf@demo.asfnet.se"


def _organisation(orgnr: str) -> Organisation | None:
    return Organisation.objects.filter(orgnr=normalise_orgnr(orgnr)).first()


def _participant(spec: dict[str, Any], project: FundedProject, municipality: Organisation, officer: User) -> bool:
    """A participant with their need (those still taking part) or the labour-market events recorded for them
    (those who left), on the services' path."""
    fields = {k: v for k, v in spec.items() if k not in ("need", "outcome")}
    if Participant.objects.filter(project=project, code=fields["code"]).exists():
        return False
    participant = ParticipantFactory(actor=officer, project=project, raised_by_organisation=municipality, **fields)
    if "need" in spec:
        NeedFactory(actor=officer, participant=participant, earliest_start=timezone.localdate(), **spec["need"])
    for outcome in spec.get("outcome", []):
        services.outcome_record(actor=actor_for(officer), participant=participant, **outcome)
    return True


def _opportunity(spec: dict[str, Any], actor: User) -> tuple[Opportunity | None, bool]:
    fields = dict(spec)
    organisation = _organisation(fields.pop("orgnr"))
    if organisation is None:
        return None, False
    existing = Opportunity.objects.filter(organisation=organisation, title=fields["title"]).first()
    if existing is not None:
        return services.opportunity_refresh(actor=actor_for(actor), opportunity=existing), False
    opportunity = OpportunityFactory(actor=actor, organisation=organisation, starts_on=timezone.localdate(), **fields)
    return opportunity, True


def _pipeline(project: FundedProject, officer: User, host: User, returen: list[Opportunity]) -> int:
    """LUL-0001 placed at Returen (accepted and started); LUL-0004 proposed for the workshop, waiting for
    the demo ASF's answer. Only on the first run (a need with a match is left alone)."""
    made = 0
    sorting, workshop = returen
    first = Need.objects.filter(participant__project=project, participant__code="LUL-0001").first()
    if first is not None and not first.matches.exists():
        MatchFactory(need=first, opportunity=sorting, actor=officer, host=host, status=MatchStatus.STARTED)
        made += 1
    fourth = Need.objects.filter(participant__project=project, participant__code="LUL-0004").first()
    if fourth is not None and not fourth.matches.exclude(status=MatchStatus.DECLINED).exists():
        MatchFactory(need=fourth, opportunity=workshop, actor=officer, host=host)
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
        project = seeding(FundedProjectFactory, "diarienummer")(owner=_organisation(FORBUND))
        people = sum(_participant(spec, project, municipality, officer) for spec in DATA["participant"])
        specs = DATA["opportunity"]
        opportunities = [_opportunity(spec, host if spec["orgnr"] == RETUREN else coordinator) for spec in specs]
        returen = [o for (o, _new), spec in zip(opportunities, specs, strict=True) if spec["orgnr"] == RETUREN]
        placements = _pipeline(project, officer, host, returen) if len(returen) == 2 and all(returen) else 0
    made = sum(1 for _o, new in opportunities if new)
    stdout.write(
        f"Demo matchmaking ready: project {project.diarienummer}, {people} participants and "
        f"{made} opportunities created, {placements} placements proposed."
    )
