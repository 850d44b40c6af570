"""Changing a published opportunity (matchmaking/services.py creates and refreshes it, with the rest of the pipeline).

Live capacity: `places_available` is never set from a form. When the organisation changes the number of
places, the places already taken by accepted or started placements stay taken, so the row is locked while
the new number is worked out (an accept at the same moment waits and then sees the new count)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from directory.access import Actor, can_edit_organisation
from kernel.audit import apply_changes, save_audited
from matchmaking.models import Opportunity

# What the organisation may change; never its organisation, capacity counter or freshness columns.
EDITABLE_FIELDS = (
    "type",
    "title",
    "description",
    "service",
    "occupation_code",
    "municipality",
    "hours_per_week_min",
    "hours_per_week_max",
    "times",
    "places_total",
    "adaptations",
    "supervisor_available",
    "starts_on",
    "ends_on",
    "published",
)


@transaction.atomic
def opportunity_update(*, actor: Actor, opportunity: Opportunity, data: dict[str, Any]) -> Opportunity:
    """Save the organisation's changes; editing counts as confirming that the opportunity is still offered."""
    if not can_edit_organisation(actor, opportunity.organisation):
        raise PermissionDenied
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    locked = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    taken = locked.places_total - locked.places_available
    changed = apply_changes(locked, data)
    if locked.places_total < taken:
        raise ValidationError(
            {
                "places_total": ngettext(
                    "%(taken)s place is taken by a current placement, so there must be at least %(taken)s place.",
                    "%(taken)s places are taken by current placements, so there must be at least %(taken)s places.",
                    taken,
                )
                % {"taken": taken}
            }
        )
    locked.places_available = locked.places_total - taken
    locked.refreshed_at = timezone.now()
    return save_audited(locked, actor=actor.user, action="opportunity.update", data={"fields": changed})
