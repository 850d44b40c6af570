"""What every Leaflet map of the site stands on, for the page's script: a tile server when `MAP_TILE_URL` is
set, otherwise the outlines of Sweden the site serves itself (static/map/sweden.topojson, drawn by
static/js/basemap.js), so a map page sends no request to anyone else. Used by the directory map and by the
small map on an organisation's profile."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.templatetags.static import static
from django.utils.translation import gettext


def map_background() -> dict[str, Any]:
    tile_url = settings.MAP_TILE_URL
    return {
        "tiles": {"url": tile_url, "attribution": settings.MAP_ATTRIBUTION} if tile_url else None,
        "basemap": None
        if tile_url
        else {
            "url": static("map/sweden.topojson"),
            "attribution": gettext("Outlines simplified from Statistics Sweden (SCB) and Natural Earth data"),
        },
        # Leaflet guesses its marker images' address from leaflet.css's file name, which fails once
        # collectstatic has added content hashes: give the script the real addresses.
        "icons": {
            "iconUrl": static("vendor/leaflet/images/marker-icon.png"),
            "iconRetinaUrl": static("vendor/leaflet/images/marker-icon-2x.png"),
            "shadowUrl": static("vendor/leaflet/images/marker-shadow.png"),
        },
    }
