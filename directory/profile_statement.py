"""The profile page's one statement: the organisation as this visitor may see it, with the directory's
generation, whether the other apps' panels have anything to show, and (unless the page's facts come from the
cache) the facts themselves.

For a visitor who is not logged in the statement is the same for every organisation but for the code and the
clock, so its SQL is built once per process (kernel.prepared) and only bound on each request: building and
compiling the queryset cost Django several times what PostgreSQL spends answering it. Anyone logged in
(whose statement depends on their memberships) gets the queryset built afresh.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404
from django.utils import timezone

from directory import facet_cache, selectors
from directory.access import Actor, organisation_for_user
from directory.models import Organisation
from directory.panels import profile_panel_annotations, profile_panels
from kernel.prepared import Prepared

# Never shown on the profile: the stored search columns (a tsvector of every description, and its text).
UNSHOWN = ("search_vector", "search_text")


def _annotations(actor: Actor, now: dt.datetime, *, facts: bool) -> dict[str, Any]:
    annotations = {**facet_cache.generation_annotation(), **profile_panel_annotations(actor, now)}
    if facts:
        annotations.update(selectors.profile_facts_annotation(today=timezone.localdate(now)))
    return annotations


def _anonymous_queryset(shape: tuple[Actor, bool, tuple[Any, ...]], now: dt.datetime, code: Any) -> Any:
    actor, facts, _panels = shape
    queryset = Organisation.objects.visible_to(actor).defer(*UNSHOWN)
    return queryset.annotate(**_annotations(actor, now, facts=facts)).filter(code=code)


_ANONYMOUS = Prepared(_anonymous_queryset)


def profile_organisation(*, actor: Actor, code: Any, facts: bool) -> Organisation:
    """The organisation with `code` as `actor` may see it (otherwise Http404), read with the annotations named
    in the module docstring; `facts`: with the facts (organisation_profile() then reads nothing more)."""
    now = timezone.now()
    if actor.is_authenticated:
        return organisation_for_user(actor=actor, code=code, annotations=_annotations(actor, now, facts=facts))
    # The shape: all the SQL is made of besides the code and the clock. An anonymous actor differs only by
    # the förbund of the host; the panels are those registered now.
    shape = (actor, facts, tuple(profile_panels()))
    for organisation in _ANONYMOUS.rows(shape=shape, key=code, now=now):  # the code is unique: one row or none
        return organisation
    raise Http404
