"""Template helpers for matchmaking: labels for the coded values stored on needs and opportunities."""

from __future__ import annotations

from typing import Any

from django import template

from matchmaking.models import Adaptation, MatchStatus, Weekday
from matchmaking.occupations import occupation_label

register = template.Library()


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
def match_status(value: str | None) -> str:
    """A match status value → its label ("" for none)."""
    return str(MatchStatus(value).label) if value in MatchStatus.values else ""
