"""Layers that other apps add to the directory map.

directory knows nothing of placements or events: an app registers a `MapLayer` in its `AppConfig.ready()`
(the way profile panels are added, directory/panels.py). A visitor switches a layer on with `?layer=<name>`
(a tick box on the map page, so it works without JavaScript); its points are drawn with a marker of their own
shape and listed in a table of their own below the map."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict

from kernel.registry import Registry


@dataclass(frozen=True)
class MapPoint:
    """One marker: public facts only (a title, a place, a link), never anything about a person."""

    code: str
    title: str
    lat: float
    lng: float
    url: str
    detail: str = ""  # one line under the title: who, what, where


# points(actor=…, params=…, limit=…): the layer's points for the map's own search parameters
# (`municipality`, `service` … – each layer applies those it knows), at most `limit`.
LayerPoints = Callable[..., list[MapPoint]]


@dataclass(frozen=True)
class MapLayer:
    name: str  # the value of ?layer=
    label: Any  # a (lazily translated) name for the tick box, the legend and the table
    points: LayerPoints
    order: int = 100


LAYERS: Registry[MapLayer] = Registry()
# Add (or, under the same name, replace) a layer of the map; the layers in order.
register_map_layer = LAYERS.register
map_layers = LAYERS.all


def chosen_layers(params: QueryDict) -> list[MapLayer]:
    """The registered layers the visitor switched on; unknown names are ignored."""
    wanted = set(params.getlist("layer"))
    return [layer for layer in map_layers() if layer.name in wanted]
