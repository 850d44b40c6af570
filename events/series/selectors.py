"""Reads for the series pages."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from directory.access import Actor
from events.models import HOLDS_PLACE, Event, EventSeries, SeriesQuestion


def series_for_user(*, actor: Actor, code: UUID | str) -> EventSeries:
    """A series the actor may organise (members of its organiser, coordinators); anything else → 404."""
    queryset = EventSeries.objects.select_related("organiser", "template")
    # The organiser's series within reach of the förbund (its own and national ones), like its events.
    reach = Q(template__forbund__isnull=True) | Q(template__forbund_id=actor.forbund_id)
    mine = Q(organiser__in=sorted(actor.organisation_ids)) & (reach if actor.forbund_id is not None else Q())
    if actor.is_coordinator:  # the förbund's coordinators: the series whose dates are in its calendar
        queryset = queryset.filter(mine | Q(template__forbund_id=actor.forbund_id))
    else:
        queryset = queryset.filter(mine)
    return get_object_or_404(queryset, code=code)


def series_dates(*, series: EventSeries) -> list[Event]:
    """The series' events in date order, each with `places_taken`."""
    return list(
        series.events.annotate(
            places_taken=Count("registrations", filter=Q(registrations__status__in=HOLDS_PLACE))
        ).order_by("start", "pk")
    )


def series_questions(*, series: EventSeries) -> list[SeriesQuestion]:
    """The series' questions, each with `dates`: how many dates ask it now."""
    return list(series.questions.annotate(dates=Count("copies")).order_by("position", "pk"))


def series_question(*, series: EventSeries, pk: int) -> SeriesQuestion:
    """One question of the series; another series' → 404."""
    return get_object_or_404(series.questions.select_related("series", "series__organiser"), pk=pk)
