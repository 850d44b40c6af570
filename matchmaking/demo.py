"""Demo matchmaking data for `manage.py seed_demo`, for each of the two demo förbund: its funded project
(23-051-S06 of Södra Norrbotten, 24-093-S11 of Jämtlands län), the pseudonymous participants raised by its
municipality's officer and by Arbetsförmedlingen (whose one officer works in both) with needs (and some who have
left, with the labour-market events an ESF+ report reads); the placement opportunities at the demo ASF and at
Kompassen Norr, the ASF that works in both areas, of matchmaking/demo.toml; in Södra Norrbotten one placement
under way and one proposal waiting for the demo ASF's answer, and in each förbund a proposal to Kompassen Norr.

Built with the matchmaking factories on their service path, each step by an Actor of the förbund it belongs to,
so the audit log and the rules are the real ones. Idempotent: projects are keyed on their diarienummer,
participants on (project, code), opportunities on (organisation, title); what exists is kept (opportunities
are confirmed again so that they stay open). Called after the förbund, the organisations and the demo users
exist (directory/demo.py)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from directory.access import Actor, actor_for
from directory.demo import demo_forbund
from directory.forbund.registry import registry
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
from matchmaking.models import FundedProject, MatchStatus, Need, NeedStatus, Opportunity, Participant

DATA = tomllib.loads((Path(__file__).resolve().parent / "demo.toml").read_text(encoding="utf-8"))
PROJECT = "23-051-S06"  # Södra Norrbotten's: a participant's project unless its entry names another
LULEA_KOMMUN = "212000-2742"
RETUREN = "769600-1010"
COORDINATOR = "coordinator@demo.asfnet.se"
OFFICER = "officer@demo.asfnet.se"
ASF = "asf@demo.asfnet.se"


def _organisation(orgnr: str) -> Organisation | None:
    return Organisation.objects.filter(orgnr=normalise_orgnr(orgnr)).first()


def _user(email: str) -> User | None:
    return User.objects.filter(email=email).first()


def _national_actor(user: User) -> Actor:
    """The Actor of someone acting on national data (opportunities): a coordinator in the förbund they
    coordinate (where they may act for any organisation), anyone else in the first förbund."""
    coordinated = registry().coordinated_by(user.pk)
    return actor_for(user, coordinated[0] if coordinated else registry().forbund[0])


def _project(spec: dict[str, Any]) -> FundedProject | None:
    fields = dict(spec)
    forbund = demo_forbund(fields.pop("forbund"))
    if forbund is None:
        return None
    return seeding(FundedProjectFactory, "diarienummer")(
        forbund=forbund, owner=_organisation(fields.pop("owner")), **fields
    )


def _participant(spec: dict[str, Any], projects: dict[str, FundedProject]) -> bool:
    """A participant with their need (those still taking part) or the labour-market events recorded for them
    (those who left), on the services' path as the officer who raises them, in their project's förbund."""
    fields = {k: v for k, v in spec.items() if k not in ("need", "outcome", "project", "raised_by", "officer")}
    project = projects.get(spec.get("project", PROJECT))
    organisation = _organisation(spec.get("raised_by", LULEA_KOMMUN))
    officer = _user(spec.get("officer", OFFICER))
    if project is None or organisation is None or officer is None:
        return False
    if Participant.objects.filter(project=project, code=fields["code"]).exists():
        return False
    actor = actor_for(officer, demo_forbund(project.forbund.slug))
    participant = ParticipantFactory(actor=actor, project=project, raised_by_organisation=organisation, **fields)
    if "need" in spec:
        NeedFactory(actor=actor, participant=participant, earliest_start=timezone.localdate(), **spec["need"])
    for outcome in spec.get("outcome", []):
        services.outcome_record(actor=actor, participant=participant, **outcome)
    return True


def _opportunity(spec: dict[str, Any]) -> tuple[Opportunity | None, bool]:
    fields = dict(spec)
    orgnr = fields.pop("orgnr")
    organisation = _organisation(orgnr)
    by = _user(fields.pop("by", ASF if orgnr == RETUREN else COORDINATOR))
    if organisation is None or by is None:
        return None, False
    actor = _national_actor(by)
    existing = Opportunity.objects.filter(organisation=organisation, title=fields["title"]).first()
    if existing is not None:
        return services.opportunity_refresh(actor=actor, opportunity=existing), False
    opportunity = OpportunityFactory(actor=actor, organisation=organisation, starts_on=timezone.localdate(), **fields)
    return opportunity, True


def _pipeline(project: FundedProject, officer: User, host: User, returen: list[Opportunity]) -> int:
    """LUL-0001 placed at Returen (accepted and started); LUL-0004 proposed for the workshop, waiting for
    the demo ASF's answer. Only on the first run (a need with a match is left alone)."""
    made = 0
    sorting, workshop = returen
    forbund = demo_forbund(project.forbund.slug)
    proposer, hosting = actor_for(officer, forbund), actor_for(host, forbund)
    first = Need.objects.filter(participant__project=project, participant__code="LUL-0001").first()
    if first is not None and not first.matches.exists():
        MatchFactory(need=first, opportunity=sorting, actor=proposer, host=hosting, status=MatchStatus.STARTED)
        made += 1
    fourth = Need.objects.filter(participant__project=project, participant__code="LUL-0004").first()
    if fourth is not None and not fourth.matches.exclude(status=MatchStatus.DECLINED).exists():
        MatchFactory(need=fourth, opportunity=workshop, actor=proposer, host=hosting)
        made += 1
    return made


def _proposal(spec: dict[str, Any]) -> bool:
    """A participant's need proposed for an opportunity by the officer who raised them, waiting for the host's
    answer. Only while the need is open and has no match that is still alive."""
    need = (
        Need.objects.filter(participant__project__diarienummer=spec["project"], participant__code=spec["participant"])
        .select_related("participant__raised_by", "participant__project__forbund")
        .first()
    )
    opportunity = Opportunity.objects.filter(
        organisation__orgnr=normalise_orgnr(spec["orgnr"]), title=spec["title"]
    ).first()
    if need is None or opportunity is None or need.participant.raised_by is None or need.status != NeedStatus.OPEN:
        return False
    if need.matches.exclude(status__in=[MatchStatus.DECLINED, MatchStatus.WITHDRAWN]).exists():
        return False
    officer = actor_for(need.participant.raised_by, demo_forbund(need.participant.project.forbund.slug))
    MatchFactory(need=need, opportunity=opportunity, actor=officer)
    return True


def seed_matchmaking(stdout: Any) -> None:
    """Create the demo matchmaking data (see the module docstring). `stdout` is the command's output stream."""
    officer, host, coordinator = _user(OFFICER), _user(ASF), _user(COORDINATOR)
    if not (officer and host and coordinator and _organisation(LULEA_KOMMUN) and registry().forbund):
        stdout.write("Demo matchmaking skipped: the demo organisations and users are missing.")
        return
    with transaction.atomic():
        projects = {p.diarienummer: p for p in map(_project, DATA["project"]) if p is not None}
        people = sum(_participant(spec, projects) for spec in DATA["participant"])
        specs = DATA["opportunity"]
        opportunities = [_opportunity(spec) for spec in specs]
        returen = [o for (o, _new), spec in zip(opportunities, specs, strict=True) if spec["orgnr"] == RETUREN and o]
        placements = sum(_proposal(spec) for spec in DATA["proposal"])
        if PROJECT in projects and len(returen) == 2:
            placements += _pipeline(projects[PROJECT], officer, host, returen)
    made = sum(1 for _o, new in opportunities if new)
    stdout.write(
        f"Demo matchmaking ready: projects {', '.join(sorted(projects))}, {people} participants and "
        f"{made} opportunities created, {placements} placements proposed."
    )
