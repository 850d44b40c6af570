"""Template helpers for matchmaking: the organisation profile's open opportunities, and labels for the
coded values stored on needs and opportunities."""

from __future__ import annotations

from typing import Any

from django import template

from directory.models import Municipality
from matchmaking.models import Adaptation, MatchStatus, Weekday
from matchmaking.occupations import occupation_label

register = template.Library()


@register.inclusion_tag("matchmaking/_org_opportunities.html", takes_context=True)
def open_opportunities(context: template.Context, organisation: Any) -> dict[str, Any]:
    """`{% open_opportunities organisation %}`: the organisation's open placement opportunities, for
    logged-in visitors only (nothing, not even a heading, for anonymous visitors)."""
    from matchmaking.selectors import organisation_open_opportunities

    request = context.get("request")
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return {"show": False}
    return {
        "show": True,
        "organisation": organisation,
        "opportunities": organisation_open_opportunities(organisation=organisation),
    }


def _labels(values: Any, choices: type) -> str:
    known = dict(choices.choices)
    return ", ".join(str(known.get(v, v)) for v in values or [])


@register.filter
def time_labels(values: Any) -> str:
    """`["mornings", "afternoons"]` → "Mornings, Afternoons"."""
    return _labels(values, Weekday)


@register.filter
def adaptation_labels(values: Any) -> str:
    return _labels(values, Adaptation)


@register.filter
def occupation(code: str) -> str:
    return occupation_label(code) if code else ""


@register.filter
def municipality_name(code: str) -> str:
    """The municipality's name for a kommunkod (one query; for detail pages, not lists)."""
    if not code:
        return ""
    return Municipality.objects.filter(code=code).values_list("name", flat=True).first() or code


@register.filter
def match_status(value: str | None) -> str:
    """A match status value → its label ("" for none)."""
    return str(MatchStatus(value).label) if value in MatchStatus.values else ""
