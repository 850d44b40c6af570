"""Access to matchmaking objects. Views get participants, needs, opportunities and matches only here.

* Participant / Need: officers of the raising organisation and coordinators; everyone else 404. Every read
  of a participant record writes an audit row (who, which, why — never the values).
* Opportunity: any logged-in member may read an open one; its organisation's members (and coordinators)
  may change it; for anyone else its upkeep pages do not exist (404, like the organisation's own upkeep
  pages: docs/security-checks.md C11).
* Match: the raising organisation's officers, the hosting organisation's members and coordinators. Hosts
  see the placement but never the participant's sensitive fields (see `host_view`).
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from directory.access import Actor, can_edit_organisation
from kernel.audit import audit_log
from matchmaking.models import Match, Need, Opportunity, Participant


def participant_for_user(*, actor: Actor, code: str, purpose: str = "read") -> Participant:
    # A code is unique within a project; a coordinator who sees several projects could meet the same code
    # twice. Then the newest project's participant is shown (never a 500); project-qualified URLs would
    # remove the ambiguity.
    participant = (
        Participant.objects.visible_to(actor)
        .select_related("project", "raised_by_organisation")
        .filter(code=code)
        .order_by("-project_id")
        .first()
    )
    if participant is None:
        raise Http404
    audit_log(actor=actor.user, action="participant.read", target=participant, data={"purpose": purpose})
    return participant


def need_for_user(*, actor: Actor, code: UUID | str) -> Need:
    need = get_object_or_404(
        Need.objects.filter(participant__in=Participant.objects.visible_to(actor)).select_related("participant"),
        code=code,
    )
    audit_log(actor=actor.user, action="participant.read", target=need.participant, data={"purpose": "need"})
    return need


def opportunity_for_user(*, actor: Actor, code: UUID | str, write: bool = False) -> Opportunity:
    opportunity = get_object_or_404(
        Opportunity.objects.visible_to(actor).select_related("organisation", "service"), code=code
    )
    if write and not can_edit_organisation(actor, opportunity.organisation):
        raise Http404
    return opportunity


def matches_visible_to(actor: Actor) -> QuerySet[Match]:
    """Placements of participants of the actor's förbund: coordinators all; officers their organisation's
    participants'; hosts those at their organisations."""
    if actor.forbund_id is None:
        return Match.objects.none()
    in_forbund = Match.objects.filter(need__participant__project__forbund_id=actor.forbund_id)
    if actor.is_coordinator:
        return in_forbund
    return in_forbund.filter(
        Q(need__participant__raised_by_organisation_id__in=actor.officer_organisation_ids)
        | Q(opportunity__organisation_id__in=actor.organisation_ids)
    )


def match_for_user(*, actor: Actor, code: UUID | str) -> Match:
    return get_object_or_404(
        matches_visible_to(actor).select_related("need__participant", "opportunity__organisation"), code=code
    )


def sees_participant_details(actor: Actor, participant: Participant) -> bool:
    """True for the raising organisation's officers and coordinators — the only people who may see a
    participant's sensitive fields and the need's free text."""
    return actor.is_coordinator or participant.raised_by_organisation_id in actor.officer_organisation_ids


def is_host(actor: Actor, match: Match) -> bool:
    return can_edit_organisation(actor, match.opportunity.organisation)
