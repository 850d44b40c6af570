"""Writes of the förbund's settings: a coordinator of that förbund only, atomic, full_clean, audited with the
names of the changed fields. The saved förbund drops the cached registry (directory.forbund.registry), so the
next request shows the new texts.

The logo is set and removed apart from the texts (a file upload of its own on the same page). It arrives
already judged and re-encoded by directory.profile.logos.reencode_logo (through directory.profile.forms.
LogoForm), is stored under a generated name, `forbund/<uuid4>.png`, and the previous file is deleted once the
change is committed; the audit row says the logo changed, never a file name."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction

from directory.access import Actor
from directory.forbund.models import Forbund
from directory.forbund_settings.forms import FIELDS
from kernel.audit import audit_log


def _refuse_unless_coordinator_of(actor: Actor, forbund: Forbund) -> None:
    if not actor.is_coordinator or actor.forbund_id != forbund.pk:
        raise PermissionDenied


@transaction.atomic
def forbund_update(*, actor: Actor, forbund: Forbund, data: dict[str, Any]) -> Forbund:
    """Change `forbund`'s own texts and facts (FIELDS; other keys are ignored). Raises PermissionDenied unless
    the actor is a coordinator of this förbund, ValidationError (by field) for what the model refuses."""
    _refuse_unless_coordinator_of(actor, forbund)
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


@transaction.atomic
def forbund_logo_set(*, actor: Actor, forbund: Forbund, png: bytes) -> Forbund:
    """Store `png` (re-encoded by reencode_logo) as the förbund's logo. Raises PermissionDenied unless the actor
    is a coordinator of this förbund. A file stored for a change that then fails is deleted again."""
    _refuse_unless_coordinator_of(actor, forbund)
    locked = Forbund.objects.select_for_update().get(pk=forbund.pk)
    storage = locked.logo.storage
    old_name = locked.logo.name or ""
    new_name = storage.save(f"forbund/{uuid.uuid4()}.png", ContentFile(png))
    try:
        locked.logo = new_name  # the descriptor reads its width and height
        locked.save(update_fields=["logo", "logo_width", "logo_height", "updated_at"])
        audit_log(actor=actor.user, action="forbund.update", target=locked, data={"fields": ["logo"]})
    except BaseException:
        storage.delete(new_name)
        raise
    if old_name:
        transaction.on_commit(lambda: storage.delete(old_name))
    return locked


@transaction.atomic
def forbund_logo_remove(*, actor: Actor, forbund: Forbund) -> Forbund:
    """Remove the förbund's logo (nothing to do, and no audit row, when it has none)."""
    _refuse_unless_coordinator_of(actor, forbund)
    locked = Forbund.objects.select_for_update().get(pk=forbund.pk)
    storage = locked.logo.storage
    old_name = locked.logo.name or ""
    if not old_name:
        return locked
    locked.logo = ""
    locked.save(update_fields=["logo", "logo_width", "logo_height", "updated_at"])
    audit_log(actor=actor.user, action="forbund.update", target=locked, data={"fields": ["logo"]})
    transaction.on_commit(lambda: storage.delete(old_name))
    return locked
