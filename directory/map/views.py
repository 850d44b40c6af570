"""The directory map: the current search result on a Leaflet map and, for everyone whose tiles or JavaScript
do not load (and for screen-reader users), as a table with coordinates.

`/directory/map/` takes the search's own parameters (`?q=&kind=&municipality=&service=&placements=&certified=
&sort=`), so a search and its map share one URL shape. `?layer=<name>` adds a layer another app registered
(directory/map/layers.py), e.g. the open placement opportunities. The markers are the tables' rows: the script reads
each row's link and its `data-lat`/`data-lng`, so the page carries every point once; what the map stands on (tile
server or the site's own outlines, marker images) goes to it as JSON through `json_script` (data, never executed:
the CSP stays `script-src 'self'`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from directory import selectors
from directory.access import Actor
from directory.map.background import map_background
from directory.map.layers import chosen_layers, map_layers

# Markers are cheap, but a page with thousands of table rows is not: past this, narrow the search.
MAP_LIMIT = 1000


@dataclass
class MapResult:
    total: int  # organisations in the search result
    located: int  # of those, how many have coordinates
    points: list[dict[str, Any]]  # at most MAP_LIMIT, in the search's order
    ignored_query: str = ""  # a search text with nothing to search for (SearchResult.ignored_query)

    @property
    def without_coordinates(self) -> int:
        return self.total - self.located

    @property
    def truncated(self) -> bool:
        return self.located > len(self.points)


def organisation_map(*, actor: Actor, params: QueryDict, limit: int = MAP_LIMIT) -> MapResult:
    """The search result (the user's scope, the filters, the sort) reduced to what a map needs. Two
    queries besides the search's own choice lists, whatever the number of organisations."""
    search = selectors.organisation_search(actor=actor, params=params, with_facets=False)
    organisations = search.organisations
    has_coordinates = Q(latitude__isnull=False, longitude__isnull=False)
    counts = organisations.aggregate(total=Count("pk"), located=Count("pk", filter=has_coordinates))
    rows = organisations.filter(has_coordinates).values("code", "name", "kommunkod__name", "latitude", "longitude")[
        :limit
    ]
    points = [
        {
            "code": str(row["code"]),
            "name": row["name"],
            "municipality": row["kommunkod__name"] or "",
            "lat": float(row["latitude"]),
            "lng": float(row["longitude"]),
            "url": reverse("directory:detail", kwargs={"code": row["code"]}),
        }
        for row in rows
    ]
    return MapResult(
        total=counts["total"], located=counts["located"], points=points, ignored_query=search.ignored_query
    )


@require_GET
def map_view(request: HttpRequest) -> HttpResponse:
    result = organisation_map(actor=request.actor, params=request.GET, limit=MAP_LIMIT)
    layers = [
        (layer, layer.points(actor=request.actor, params=request.GET, limit=MAP_LIMIT))
        for layer in chosen_layers(request.GET)
    ]
    params = request.GET.copy()
    params.pop("page", None)
    search_params = params.copy()  # the search without the layers: the layer form adds its tick boxes
    search_params.pop("layer", None)
    # The tables below the map are the markers' one source: the script reads each row's link and its
    # data-lat/data-lng. The JSON carries only what the map stands on.
    data = map_background()
    context = {
        "result": result,
        "data": data,
        "layers": layers,
        "has_points": bool(result.points) or any(points for _layer, points in layers),
        "layer_choices": [(layer, layer.name in request.GET.getlist("layer")) for layer in map_layers()],
        "search_fields": [(key, value) for key, values in search_params.lists() for value in values],
        "page_query": search_params.urlencode(),
        "limit": MAP_LIMIT,
    }
    return render(request, "directory/map/index.html", context)
