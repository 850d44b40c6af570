"""Panels that other apps add to an organisation's profile page.

directory knows nothing of events or placements: an app registers a `ProfilePanel` in its
`AppConfig.ready()`, and the profile view renders every registered panel in order. A panel's context
function returns None when the panel has nothing to show this visitor (nothing is rendered, not even a
heading)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from directory.models import Organisation
from kernel.registry import Registry

PanelContext = Callable[[HttpRequest, Organisation], dict[str, Any] | None]


@dataclass(frozen=True)
class ProfilePanel:
    name: str
    template: str
    context: PanelContext
    order: int = 100


PANELS: Registry[ProfilePanel] = Registry()
# Add (or, under the same name, replace) a panel of the profile page; the panels in order.
register_profile_panel = PANELS.register
profile_panels = PANELS.all


def render_profile_panels(request: HttpRequest, organisation: Organisation) -> list[SafeString]:
    """The HTML of each panel this visitor sees on `organisation`'s profile, in order."""
    rendered = []
    for panel in profile_panels():
        context = panel.context(request, organisation)
        if context is not None:
            rendered.append(render_to_string(panel.template, context, request=request))
    return rendered
