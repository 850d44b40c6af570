"""Matchmaking's panel on an organisation's profile: its open placement opportunities, for every visitor
(the public facts only, linked to their public pages, /opportunities/<code>/)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from directory.access import can_edit_organisation
from directory.models import Organisation
from directory.panels import ProfilePanel
from matchmaking.public_opportunities.selectors import may_have_public_opportunities, organisation_public_opportunities

# Read with the profile's query of the organisation (directory.panels): False when there is none to list.
ANY_OPEN = "panel_opportunities_any_open"


def open_opportunities(request: HttpRequest, organisation: Organisation) -> dict[str, Any] | None:
    none_open = getattr(organisation, ANY_OPEN, None) is False
    opportunities = [] if none_open else organisation_public_opportunities(organisation_id=organisation.pk)
    can_edit = can_edit_organisation(request.actor, organisation)
    if not opportunities and not can_edit:
        return None  # a visitor is not told about an absence; the organisation's members are told how to add one
    return {"organisation": organisation, "opportunities": opportunities, "can_edit": can_edit}


PANEL = ProfilePanel(
    name="opportunities",
    template="matchmaking/opportunities/_org_panel.html",
    context=open_opportunities,
    order=20,
    annotations=lambda actor, now: {ANY_OPEN: may_have_public_opportunities(now)},
)
