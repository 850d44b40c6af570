"""Panels that other apps add to an organisation's profile page.

directory knows nothing of events or placements: an app registers a `ProfilePanel` in its
`AppConfig.ready()`, and the profile view renders every registered panel in order. A panel's context
function returns None when the panel has nothing to show this visitor (nothing is rendered, not even a
heading).

A panel may also name `annotations`: what it needs to know of the organisation for this visitor (typically an
`Exists` of its rows) at a moment it is given (the clock is an argument, so the profile's statement can be
built once and bound to each request's moment: directory.profile_statement), read with the profile's own
query of the organisation; its context function finds
them as attributes of the organisation. A panel with nothing to show then costs no query of its own —
most organisations have no events and no open opportunities. A context function called with an
organisation read without them (another page, a test) must still work: it reads for itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from directory.models import Organisation
from kernel.registry import Registry

if TYPE_CHECKING:
    from directory.access import Actor

PanelContext = Callable[[HttpRequest, Organisation], dict[str, Any] | None]
PanelAnnotations = Callable[["Actor", dt.datetime], dict[str, Any]]


@dataclass(frozen=True)
class ProfilePanel:
    name: str
    template: str
    context: PanelContext
    order: int = 100
    annotations: PanelAnnotations | None = None  # (the actor, now) → {name: expression on the organisation}


PANELS: Registry[ProfilePanel] = Registry()
# Add (or, under the same name, replace) a panel of the profile page; the panels in order.
register_profile_panel = PANELS.register
profile_panels = PANELS.all


def profile_panel_annotations(actor: Actor, now: dt.datetime | None = None) -> dict[str, Any]:
    """Every registered panel's annotations for this actor at `now` (None: this moment), for the profile's
    query of the organisation."""
    moment = now or timezone.now()
    annotations: dict[str, Any] = {}
    for panel in profile_panels():
        if panel.annotations is not None:
            annotations.update(panel.annotations(actor, moment))
    return annotations


def render_profile_panels(request: HttpRequest, organisation: Organisation) -> list[SafeString]:
    """The HTML of each panel this visitor sees on `organisation`'s profile, in order."""
    rendered = []
    for panel in profile_panels():
        context = panel.context(request, organisation)
        if context is not None:
            rendered.append(render_to_string(panel.template, context, request=request))
    return rendered
