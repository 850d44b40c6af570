"""Matchmaking dashboard: "waiting for you" for officers, hosts and coordinators, with the participant list.
The pipeline's other pages are per feature: participants and their needs (matchmaking/participants/views.py),
opportunities (matchmaking/opportunities/views.py), placements (matchmaking/matches/views.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from directory.access import (
    is_coordinator,
    is_officer,
    memberships,
    role_of,
)
from kernel.pagination import paginate
from matchmaking import selectors

PAGE_SIZE = 25


# --- Dashboard ----------------------------------------------------------------------------------------------
@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """ "Waiting for you": officers see their organisation's participants and the placements that need them;
    hosts see their opportunities and the proposals to answer; coordinators see counts and everything."""
    user = request.user
    coordinator = is_coordinator(user)
    context: dict = {"role": role_of(user), "is_coordinator": coordinator}
    if coordinator or is_officer(user):
        plist = selectors.participant_list(user=user, params=request.GET)
        page = paginate(request, plist.participants, PAGE_SIZE, keep=("q", "sort", "organisation"))
        selectors.audit_participant_list(user=user, page_number=page.number, shown=len(page.object_list))
        context.update(
            participants=plist,
            page=page,
            sorts=selectors.PARTICIPANT_SORTS,
            officer_waiting=selectors.officer_waiting(user=user),
            outcomes_to_complete=selectors.outcomes_to_complete(user=user),
        )
    if coordinator:
        context["counts"] = selectors.coordinator_counts()
        context["host_waiting"] = selectors.host_waiting(user=user)
    elif memberships(user):
        host = {
            "host_waiting": selectors.host_waiting(user=user),
            "host_placements": selectors.host_placements(user=user),
            "own_opportunities": selectors.own_opportunities(user=user),
        }
        # An officer's municipality seldom hosts placements: its host sections show only when it does.
        if not is_officer(user) or any(host.values()):
            context.update(host)
    return render(request, "matchmaking/dashboard/index.html", context)
