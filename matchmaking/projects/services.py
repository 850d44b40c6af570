"""Writes of funded projects: coordinators only, atomic, full_clean, audited with the changed fields."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from directory.access import Actor
from kernel.audit import save_audited
from matchmaking.models import FundedProject

FIELDS = ("diarienummer", "name", "owner", "starts_on", "ends_on", "programme_area", "objective")


def _require_coordinator(actor: Actor) -> None:
    if not actor.is_coordinator:
        raise PermissionDenied


@transaction.atomic
def project_create(*, actor: Actor, data: dict[str, Any]) -> FundedProject:
    _require_coordinator(actor)
    project = FundedProject(
        forbund_id=actor.require_forbund_id(), **{name: data[name] for name in FIELDS if name in data}
    )
    return save_audited(project, actor=actor.user, action="project.create", data={"diarienummer": project.diarienummer})


@transaction.atomic
def project_update(*, actor: Actor, project: FundedProject, data: dict[str, Any]) -> FundedProject:
    _require_coordinator(actor)
    locked = FundedProject.objects.visible_to(actor).select_for_update().get(pk=project.pk)
    changed = [name for name in FIELDS if name in data and getattr(locked, name) != data[name]]
    if not changed:
        return locked
    for name in changed:
        setattr(locked, name, data[name])
    return save_audited(locked, actor=actor.user, action="project.update", data={"fields": changed})
