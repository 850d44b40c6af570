"""Bulk actions on the organisations of a work queue: all or nothing, audited per organisation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.urls import reverse

from directory.access import Actor
from directory.models import Organisation
from directory.selectors import member_user_ids
from directory.services import organisation_update, organisation_verify
from kernel.audit import audit_log
from notifications.services import notify


class BulkAction(models.TextChoices):
    VERIFY = "verify", "verify"
    REMIND = "remind", "remind"
    HIDE = "hide", "hide"


@dataclass(frozen=True)
class BulkResult:
    action: str
    done: int  # organisations acted on
    without_members: int = 0  # reminded organisations that have nobody to tell


@transaction.atomic
def organisations_bulk_act(*, actor: Actor, action: str, organisations: Sequence[Organisation]) -> BulkResult:
    """Do `action` to every organisation (each once, however often it is listed), or to none: a refusal of any
    one (ValidationError, PermissionDenied) rolls back all of them, notifications included. Coordinators only.

    * verify — `organisation_verify` (audited `organisation.verify`);
    * remind — one `profile_update_requested` notification to each active member, linking to the page where
      they confirm the details (audited `organisation.remind`, with the number told);
    * hide — out of the public directory (`organisation_update` of `published`: history and audit)."""
    if not actor.is_coordinator:
        raise PermissionDenied
    if action not in BulkAction.values:
        raise ValueError(f"unknown bulk action {action!r}")
    unique = list({organisation.pk: organisation for organisation in organisations}.values())
    without_members = 0
    for organisation in unique:
        if action == BulkAction.VERIFY:
            organisation_verify(actor=actor, organisation=organisation)
        elif action == BulkAction.HIDE:
            organisation_update(actor=actor, organisation=organisation, data={"published": False})
        else:
            told = notify(
                kind="profile_update_requested",
                recipients=member_user_ids(organisation_ids=[organisation.pk]),
                url=reverse("directory:confirm", kwargs={"code": organisation.code}),
                params={"organisation": organisation.name},
                actor=actor.user,
            )
            without_members += not told
            audit_log(actor=actor.user, action="organisation.remind", target=organisation, data={"told": len(told)})
    return BulkResult(action=action, done=len(unique), without_members=without_members)
