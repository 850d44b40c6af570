"""Matchmaking dashboard: "waiting for you" for officers, hosts and coordinators, with the participant list.
The pipeline's other pages are per feature: participants and their needs (matchmaking/participants/views.py),
opportunities (matchmaking/opportunities/views.py), placements (matchmaking/matches/views.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kernel.pagination import paginate
from matchmaking import selectors

PAGE_SIZE = 25


# --- Dashboard ----------------------------------------------------------------------------------------------
@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """ "Waiting for you": officers see their organisation's participants and the placements that need them;
    hosts see their opportunities and the proposals to answer; coordinators see counts and everything."""
    actor = request.actor
    coordinator = actor.is_coordinator
    context: dict = {"role": actor.role, "is_coordinator": coordinator}
    if coordinator or actor.is_officer:
        plist = selectors.participant_list(actor=actor, params=request.GET)
        page = paginate(request, plist.participants, PAGE_SIZE, keep=("q", "sort", "organisation"))
        selectors.audit_participant_list(actor=actor, page_number=page.number, shown=len(page.object_list))
        context.update(
            participants=plist,
            page=page,
            sorts=selectors.PARTICIPANT_SORTS,
            officer_waiting=selectors.officer_waiting(actor=actor),
            # The officer's to-do: events they recorded before the criterion existed (coordinators see the count
            # in the ESF+ report's warnings).
            outcomes_to_complete=selectors.outcomes_to_complete(actor=actor) if actor.is_officer else [],
        )
    if coordinator:
        context["counts"] = selectors.coordinator_counts(actor)
        context["host_waiting"] = selectors.host_waiting(actor=actor)
    elif actor.organisation_ids:
        # Proposals and placements are of the organisations' own opportunities (in any state): an organisation
        # without any — most officers' municipalities — has none to show, and two queries fewer.
        own = selectors.own_opportunities(actor=actor)
        host = {
            "host_waiting": selectors.host_waiting(actor=actor) if own else [],
            "host_placements": selectors.host_placements(actor=actor) if own else [],
            "own_opportunities": own,
        }
        # An officer's municipality seldom hosts placements: its host sections show only when it does.
        if not actor.is_officer or own:
            context.update(host)
    return render(request, "matchmaking/dashboard/index.html", context)
