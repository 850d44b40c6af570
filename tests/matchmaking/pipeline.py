"""Helpers shared by the matchmaking page tests (test_dashboard, test_participants, test_opportunities,
test_matches): pipeline objects made through the services, and a query counter."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from directory.access import actor_for
from matchmaking import services
from matchmaking.models import (
    Adaptation,
    Need,
    Opportunity,
    OpportunityType,
    Participant,
    Weekday,
)
from tests.factories import by_code

TODAY = timezone.localdate()


FREE_TEXT = "Vill ha lugnt och praktiskt arbete nära hemmet, helst förmiddagar."


EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def make_participant(world, project, *, code: str, officer=None, organisation=None, **data) -> Participant:
    fields = {
        "code": code,
        "gender": "woman",
        "birth_date": dt.date(1990, 5, 1),
        "entry_date": dt.date(2025, 1, 15),
        "status_at_entry": "unemployed",
        "unemployed_months": 14,
        "municipality": "2580",
        "disability": True,
        "minority": True,
    }
    fields.update(data)
    return services.participant_create(
        actor=actor_for(officer or world.officer_x),
        project=project,
        organisation=organisation or world.muni_x,
        data=by_code(fields),
    )


def make_need(actor, participant, **data) -> Need:
    fields = {
        "hours_per_week": 20,
        "times": [Weekday.MORNINGS],
        "municipality": "2580",
        "travel_km": 10,
        "adaptations": [Adaptation.CALM],
        "supervisor_needed": True,
        "earliest_start": TODAY,
        "free_text": FREE_TEXT,
    }
    fields.update(data)
    return services.need_create(actor=actor_for(actor), participant=participant, data=by_code(fields))


def make_opportunity(world, org=None, **data) -> Opportunity:
    fields = {
        "type": OpportunityType.WORK_TRAINING,
        "title": "Sortering och butik",
        "municipality": "2580",
        "hours_per_week_min": 10,
        "hours_per_week_max": 30,
        "times": [Weekday.MORNINGS],
        "places_total": 2,
        "adaptations": [Adaptation.CALM],
        "supervisor_available": True,
        "starts_on": TODAY,
    }
    fields.update(data)
    return services.opportunity_create(
        actor=actor_for(world.coordinator), organisation=org or world.org_a, data=by_code(fields)
    )


def codes_listed(response) -> list[str]:
    return [p.code for p in response.context["page"].object_list]


# --- Query budgets -------------------------------------------------------------------------------------------
def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _grow_placements(world, project, start: int, stop: int) -> None:
    for i in range(start, stop):
        participant = make_participant(world, project, code=f"P-Q{i:03d}")
        need = make_need(world.officer_x, participant)
        opportunity = make_opportunity(world, title=f"Plats {i}", places_total=3)
        match = services.match_propose(actor=actor_for(world.officer_x), need=need, opportunity=opportunity)
        if i % 3 == 0:
            services.match_accept(actor=actor_for(world.admin_a), match=match)
