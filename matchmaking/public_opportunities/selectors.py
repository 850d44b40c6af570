"""Reads for the public opportunities (no login): what is offered, where, by whom – never anything about the
participants placed or proposed there (no query here reaches a need, a match or a participant)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, QuerySet
from django.http import QueryDict
from django.shortcuts import get_object_or_404

from matchmaking.filters import PublicOpportunityFilter
from matchmaking.models import Opportunity


def _public() -> QuerySet[Opportunity]:
    return Opportunity.objects.public().select_related("organisation", "service", "municipality")


def public_opportunity_list(*, params: QueryDict) -> tuple[PublicOpportunityFilter, QuerySet[Opportunity]]:
    """Open opportunities of public organisations, filtered (matchmaking/filters.py), freshest first."""
    base = _public()
    filterset = PublicOpportunityFilter(params, queryset=base)
    queryset = filterset.qs if filterset.is_valid() else base
    return filterset, queryset.order_by("-refreshed_at", "pk")


def public_opportunity(*, code: str) -> Opportunity:
    """One open opportunity; a closed, expired, unpublished one or one of a hidden organisation: 404."""
    return get_object_or_404(_public(), code=code)


def organisation_public_opportunities(*, organisation_id: int) -> list[Opportunity]:
    return list(
        Opportunity.objects.public()
        .filter(organisation_id=organisation_id)
        .select_related("service", "municipality")
        .order_by("starts_on", "title", "pk")
    )


def may_have_public_opportunities(now: dt.datetime | None = None) -> Exists:
    """False when the organisation (the outer query's row) has no open opportunity, so
    organisation_public_opportunities would list none: an annotation of a query of organisations. True does
    not promise one (the organisation may not be public): the list's own query decides. Without public()'s
    join, PostgreSQL answers it from the index on the organisation. `now`: the moment judged (None: this one)."""
    return Exists(Opportunity.objects.open(now=now).filter(organisation=OuterRef("pk")))
