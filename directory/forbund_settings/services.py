"""Writes of the förbund's settings: a coordinator of that förbund only, atomic, full_clean, audited with the
names of the changed fields. The saved förbund drops the cached registry (directory.forbund.registry), so the
next request shows the new texts."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from directory.access import Actor
from directory.forbund.models import Forbund
from directory.forbund_settings.forms import FIELDS
from kernel.audit import audit_log


@transaction.atomic
def forbund_update(*, actor: Actor, forbund: Forbund, data: dict[str, Any]) -> Forbund:
    """Change `forbund`'s own texts and facts (FIELDS; other keys are ignored). Raises PermissionDenied unless
    the actor is a coordinator of this förbund, ValidationError (by field) for what the model refuses."""
    if not actor.is_coordinator or actor.forbund_id != forbund.pk:
        raise PermissionDenied
    locked = Forbund.objects.select_for_update().get(pk=forbund.pk)
    before = {name: getattr(locked, name) for name in FIELDS}
    for name in FIELDS:
        if name in data:
            setattr(locked, name, data[name])
    locked.full_clean()  # normalises too (the organisation number's written form), so compare after it
    changed = [name for name in FIELDS if getattr(locked, name) != before[name]]
    if not changed:
        return locked
    locked.save()
    audit_log(actor=actor.user, action="forbund.update", target=locked, data={"fields": changed})
    return locked
