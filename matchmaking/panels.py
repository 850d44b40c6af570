"""Matchmaking's panel on an organisation's profile: its open placement opportunities, for logged-in
visitors only."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from directory.models import Organisation
from directory.panels import ProfilePanel
from matchmaking.selectors import organisation_open_opportunities


def open_opportunities(request: HttpRequest, organisation: Organisation) -> dict[str, Any] | None:
    if not request.user.is_authenticated:
        return None
    return {"organisation": organisation, "opportunities": organisation_open_opportunities(organisation=organisation)}


PANEL = ProfilePanel(
    name="opportunities", template="matchmaking/opportunities/_org_panel.html", context=open_opportunities, order=20
)
