"""Writes of funded projects: coordinators only, atomic, full_clean, audited with the changed fields."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from directory.access import Actor
from kernel.audit import audit_log
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
    project.full_clean()
    project.save()
    audit_log(actor=actor.user, action="project.create", target=project, data={"diarienummer": project.diarienummer})
    return project


@transaction.atomic
def project_update(*, actor: Actor, project: FundedProject, data: dict[str, Any]) -> FundedProject:
    _require_coordinator(actor)
    locked = FundedProject.objects.visible_to(actor).select_for_update().get(pk=project.pk)
    changed = [name for name in FIELDS if name in data and getattr(locked, name) != data[name]]
    if not changed:
        return locked
    for name in changed:
        setattr(locked, name, data[name])
    locked.full_clean()
    locked.save()
    audit_log(actor=actor.user, action="project.update", target=locked, data={"fields": changed})
    return locked
