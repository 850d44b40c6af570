"""The open placement opportunities as a layer of the directory map (directory/map/layers.py), registered in
MatchmakingConfig.ready(). A marker stands at its organisation's coordinates; it carries the title, the
organisation, the type and the municipality – the public facts, nothing about participants."""

from __future__ import annotations

from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from directory.access import Actor
from directory.map.layers import MapLayer, MapPoint
from matchmaking.public_opportunities import selectors


def opportunity_points(*, actor: Actor, params: QueryDict, limit: int) -> list[MapPoint]:
    """The public list's filters that the map's parameters share (`municipality`, `service`, `type` …), one
    query for the points whatever their number."""
    _filterset, opportunities = selectors.public_opportunity_list(params=params)
    located = opportunities.filter(organisation__latitude__isnull=False, organisation__longitude__isnull=False)
    points = []
    for o in located[:limit]:
        where = o.municipality.name if o.municipality_id else ""
        points.append(
            MapPoint(
                code=str(o.code),
                title=o.title,
                lat=float(o.organisation.latitude),
                lng=float(o.organisation.longitude),
                url=reverse("opportunities:detail", kwargs={"code": o.code}),
                detail=" · ".join(part for part in (o.organisation.name, str(o.get_type_display()), where) if part),
            )
        )
    return points


LAYER = MapLayer(name="opportunities", label=_("Open placement opportunities"), points=opportunity_points, order=10)
