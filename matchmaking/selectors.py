"""Reads in matchmaking. Every list starts from what the actor may see (`visible_to`, `matches_visible_to`).

Privacy: participant lists show the pseudonymous code, dates, counts and statuses only — never a sensitive
field — and their only sort keys are the code and the entry date. Reading a participant list writes one
`participant.list` audit row per request (docs/security-checks.md H38); the detail pages are audited by
`matchmaking.access`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.access import Actor, raising_organisations
from directory.models import Organisation
from kernel.audit import audit_log
from matchmaking import scoring
from matchmaking.access import is_host, matches_visible_to, sees_participant_details
from matchmaking.filters import OpportunityFilter
from matchmaking.models import (
    MAX_TRAVEL_KM,
    LabourMarketEvent,
    Match,
    MatchStatus,
    Need,
    NeedStatus,
    Opportunity,
    Participant,
)

WAITING_LIMIT = 50

# The participant list's only sort keys (never a sensitive field; any other value falls back to the default).
PARTICIPANT_SORTS = {
    "entry": (_("Entry date, newest first"), ("-entry_date", "code", "pk")),
    "code": (_("Code"), ("code", "-entry_date", "pk")),
}
DEFAULT_PARTICIPANT_SORT = "entry"


# --- Participants -------------------------------------------------------------------------------------------
@dataclass
class ParticipantList:
    participants: QuerySet[Participant]
    query: str
    sort: str
    organisation: str
    organisation_choices: list[Organisation] = field(default_factory=list)


def participant_organisation_choices(actor: Actor) -> list[Organisation]:
    """The raising organisations a user may narrow the list to: their own (coordinators: the förbund's
    municipalities and the agencies). Never derived from other people's participants."""
    if actor.is_coordinator:
        return list(raising_organisations(actor))
    return sorted(actor.officer_organisations, key=lambda o: o.name)


def participant_list(*, actor: Actor, params: QueryDict) -> ParticipantList:
    """The participants a user may see, with open needs and the latest placement status.
    Parameters: `q` (part of the code), `organisation` (code of a raising organisation in scope),
    `sort` (`entry` or `code`). Nothing else is read."""
    query = (params.get("q") or "").replace("\x00", "").strip()[:40]
    sort = params.get("sort") or DEFAULT_PARTICIPANT_SORT
    if sort not in PARTICIPANT_SORTS:
        sort = DEFAULT_PARTICIPANT_SORT
    choices = participant_organisation_choices(actor)
    organisation = params.get("organisation") or ""
    if organisation not in {str(o.code) for o in choices}:
        organisation = ""

    open_needs = (
        Need.objects.filter(participant=OuterRef("pk"), status=NeedStatus.OPEN)
        .order_by()
        .values("participant")
        .annotate(n=Count("pk"))
        .values("n")
    )
    latest_match = (
        Match.objects.filter(need__participant=OuterRef("pk")).order_by("-created_at", "-pk").values("status")
    )
    participants = (
        Participant.objects.visible_to(actor)
        .annotate(
            open_needs=Coalesce(Subquery(open_needs, output_field=IntegerField()), Value(0)),
            latest_match_status=Subquery(latest_match[:1]),
        )
        .only("code", "entry_date", "exit_date", "project_id", "raised_by_organisation_id")
        .order_by(*PARTICIPANT_SORTS[sort][1])
    )
    if query:
        participants = participants.filter(code__icontains=query)
    if organisation:
        participants = participants.filter(raised_by_organisation__code=organisation)
    return ParticipantList(
        participants=participants,
        query=query,
        sort=sort,
        organisation=organisation,
        organisation_choices=choices if len(choices) > 1 else [],
    )


def audit_participant_list(*, actor: Actor, page_number: int, shown: int, purpose: str = "list") -> None:
    """One audit row per request that lists participants: who, why and which page, never codes or values."""
    audit_log(
        actor=actor.user, action="participant.list", data={"purpose": purpose, "page": page_number, "shown": shown}
    )


@dataclass
class ParticipantProfile:
    needs: list[Need]
    matches: list[Match]
    outcomes: list[LabourMarketEvent]


def participant_profile(*, participant: Participant) -> ParticipantProfile:
    return ParticipantProfile(
        needs=list(participant.needs.prefetch_related("services").order_by("-created_at")),
        matches=list(
            Match.objects.filter(need__participant=participant)
            .select_related("opportunity__organisation", "need")
            .order_by("-created_at")
        ),
        outcomes=list(participant.outcomes.order_by("date", "id")),
    )


# --- Dashboard ----------------------------------------------------------------------------------------------
def officer_waiting(*, actor: Actor) -> list[Match]:
    """Placements waiting for the raising officer: accepted (to start) and ended without a labour-market
    event recorded since the end (to record the outcome)."""
    outcome_since_end = LabourMarketEvent.objects.filter(
        participant=OuterRef("need__participant"), date__gte=OuterRef("ended_on")
    )
    return list(
        Match.objects.filter(need__participant__in=Participant.objects.visible_to(actor))
        .filter(Q(status=MatchStatus.ACCEPTED) | (Q(status=MatchStatus.ENDED) & ~Exists(outcome_since_end)))
        .select_related("need__participant", "opportunity__organisation")
        .order_by("updated_at", "pk")[:WAITING_LIMIT]
    )


def outcomes_to_complete(*, actor: Actor) -> list[LabourMarketEvent]:
    """`improved` events of the actor's participants recorded without a criterion (before one was required):
    not counted in the ESF+ report until the officer adds what improved."""
    return list(
        LabourMarketEvent.objects.criterion_missing()
        .filter(participant__in=Participant.objects.visible_to(actor))
        .select_related("participant")
        .order_by("date", "pk")[:WAITING_LIMIT]
    )


def host_waiting(*, actor: Actor) -> list[Match]:
    """Proposals waiting for an answer from the user's organisations (coordinators: all of them)."""
    matches = matches_visible_to(actor).filter(status=MatchStatus.PROPOSED)
    if not actor.is_coordinator:
        matches = matches.filter(opportunity__organisation_id__in=actor.organisation_ids)
    return list(
        matches.select_related("need__participant", "opportunity__organisation").order_by("proposed_at", "pk")[
            :WAITING_LIMIT
        ]
    )


def host_placements(*, actor: Actor) -> list[Match]:
    """Accepted and started placements at the user's organisations, of the förbund the actor acts in."""
    if actor.forbund_id is None:
        return []
    return list(
        Match.objects.filter(
            need__participant__project__forbund_id=actor.forbund_id,  # the förbund's placements only
            opportunity__organisation_id__in=actor.organisation_ids,
            status__in=[MatchStatus.ACCEPTED, MatchStatus.STARTED],
        )
        .select_related("need__participant", "opportunity__organisation")
        .order_by("started_on", "updated_at", "pk")[:WAITING_LIMIT]
    )


def opportunity_placements(*, actor: Actor, opportunity: Opportunity) -> list[Match]:
    """The proposals and placements at an opportunity that the actor may open: those of the förbund the actor
    acts in, by the placement page's own rule (matches_visible_to). An opportunity is national, so another
    förbund's participants may be proposed to it; their codes are not shown here."""
    return list(
        matches_visible_to(actor)
        .filter(opportunity=opportunity)
        .select_related("need__participant")
        .order_by("-created_at", "-pk")
    )


def annotate_freshness(opportunities: list[Opportunity], now: dt.datetime | None = None) -> list[Opportunity]:
    """Sets `expires_at`, `expired` and `expiring_soon` (in the last week before expiry) on each row."""
    now = now or timezone.now()
    weeks = settings.OPPORTUNITY_REFRESH_WEEKS
    for opportunity in opportunities:
        expires_at = opportunity.refreshed_at + dt.timedelta(weeks=weeks)
        expired = expires_at <= now
        opportunity.expires_at = expires_at  # type: ignore[attr-defined]
        opportunity.expired = expired  # type: ignore[attr-defined]
        opportunity.expiring_soon = (  # type: ignore[attr-defined]
            not expired and opportunity.refreshed_at < now - dt.timedelta(weeks=max(weeks - 1, 0))
        )
    return opportunities


def own_opportunities(*, actor: Actor) -> list[Opportunity]:
    """The opportunities of the user's organisations, in any state, soonest to expire first."""
    return annotate_freshness(
        list(
            Opportunity.objects.filter(organisation_id__in=actor.organisation_ids)
            .select_related("organisation")
            .order_by("refreshed_at", "pk")
        )
    )


@dataclass
class Counts:
    participants: int
    participants_ongoing: int
    open_needs: int
    open_opportunities: int
    matches: dict[str, int]


def coordinator_counts(actor: Actor) -> Counts:
    """The förbund's participants, open needs and placements; the opportunities are national."""
    forbund_id = actor.require_forbund_id()
    people = Participant.objects.filter(project__forbund_id=forbund_id).aggregate(
        total=Count("pk"), ongoing=Count("pk", filter=Q(exit_date__isnull=True))
    )
    by_status = dict(
        Match.objects.filter(need__participant__project__forbund_id=forbund_id)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    return Counts(
        participants=people["total"],
        participants_ongoing=people["ongoing"],
        open_needs=Need.objects.filter(status=NeedStatus.OPEN, participant__project__forbund_id=forbund_id).count(),
        open_opportunities=Opportunity.objects.open().count(),
        matches={status: by_status.get(status, 0) for status in MatchStatus.values},
    )


# --- Opportunities ------------------------------------------------------------------------------------------
def opportunity_list(*, actor: Actor, params: QueryDict) -> tuple[OpportunityFilter, QuerySet[Opportunity]]:
    """Open opportunities for a logged-in member, filtered on type, municipality and kind of work only."""
    base = Opportunity.objects.visible_to(actor).open().select_related("organisation", "service", "municipality")
    filterset = OpportunityFilter(params, queryset=base)
    queryset = filterset.qs if filterset.is_valid() else base
    return filterset, queryset.order_by("-refreshed_at", "pk")


# --- Matching -----------------------------------------------------------------------------------------------
@dataclass
class Suggestion:
    scored: scoring.Scored
    live_match: Match | None


def need_suggestions(*, need: Need) -> list[Suggestion]:
    """Ranked open opportunities for a need (scoring.suggestions), each with the need's live match for it."""
    live = {
        m.opportunity_id: m
        for m in need.matches.exclude(status__in=[MatchStatus.DECLINED, MatchStatus.WITHDRAWN, MatchStatus.ENDED]).only(
            "code", "status", "opportunity_id", "need_id"
        )
    }
    return [Suggestion(scored=s, live_match=live.get(s.opportunity.pk)) for s in scoring.suggestions(need)]


@dataclass
class NeedMatch:
    need: Need
    scored: scoring.Scored
    live_match: Match | None


def needs_for_opportunity(*, actor: Actor, opportunity: Opportunity, limit: int = 50) -> list[NeedMatch]:
    """Reverse matching: the open needs of the user's own participants that could reach this opportunity,
    best score first (ties by the need's id). Only the user's scope — `Participant.visible_to`."""
    # Whoever could reach it lives at most as far away as anyone may travel; each need's own reach is below.
    if opportunity.municipality_id is None:
        return []
    nearby = scoring.reachable_municipalities(opportunity.municipality_id, MAX_TRAVEL_KM)
    needs = Need.objects.filter(
        participant__in=Participant.objects.visible_to(actor), status=NeedStatus.OPEN, municipality__in=nearby
    )
    if opportunity.ends_on:
        needs = needs.filter(earliest_start__lte=opportunity.ends_on)
    needs = needs.select_related("participant").prefetch_related("services")
    live = {
        m.need_id: m
        for m in Match.objects.filter(opportunity=opportunity)
        .exclude(status__in=[MatchStatus.DECLINED, MatchStatus.WITHDRAWN, MatchStatus.ENDED])
        .only("code", "status", "opportunity_id", "need_id")
    }
    rows = []
    for need in needs:
        if need.municipality_id is None or opportunity.municipality_id not in scoring.reachable_municipalities(
            need.municipality_id, need.travel_km
        ):
            continue
        scored = scoring.score(need, opportunity, need_service_ids={s.pk for s in need.services.all()})
        rows.append(NeedMatch(need=need, scored=scored, live_match=live.get(need.pk)))
    rows.sort(key=lambda r: (-r.scored.score, r.need.pk))
    return rows[:limit]


# --- Matches ------------------------------------------------------------------------------------------------
@dataclass
class MatchView:
    match: Match
    full: bool  # the raising organisation's officers and coordinators: the participant's details
    host: bool  # the hosting organisation's members (and coordinators): accept/decline


def match_view(*, actor: Actor, match: Match) -> MatchView:
    """What this user may see of a placement. Showing the participant's details is a read of the
    participant record and is audited."""
    full = sees_participant_details(actor, match.need.participant)
    if full:
        audit_log(actor=actor.user, action="participant.read", target=match.need.participant, data={"purpose": "match"})
    return MatchView(match=match, full=full, host=is_host(actor, match))
