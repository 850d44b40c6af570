"""Writing the audit log. Services call `audit_log` (or `save_audited`, for a row they write) inside their own
transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db import models

from kernel.models import AuditLog, User
from kernel.request_context import current_forbund_id, current_request_id

M = TypeVar("M", bound=models.Model)


def target_id_of(target: models.Model) -> str:
    """How the audit log names a row: its `code`, else its key. A model whose code is unique only within a
    parent (a participant's, within its project) names its row itself with `audit_target_id`."""
    return str(getattr(target, "audit_target_id", None) or getattr(target, "code", None) or target.pk)


def apply_changes(instance: models.Model, data: Mapping[str, Any], *, before: models.Model | None = None) -> list[str]:
    """Set the fields in `data` on `instance` and return, sorted, the names of those whose value differs from
    `before`'s (by default `instance`'s own, before the change): what the audit entry of an update lists."""
    source = instance if before is None else before
    changed = sorted(name for name, value in data.items() if getattr(source, name) != value)
    for name, value in data.items():
        setattr(instance, name, value)
    return changed


def audit_log(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditLog:
    """`actor`: the person who did it; None (or the anonymous visitor) for the system or a visitor. The row
    belongs to the förbund whose portal the request came to; outside a request (a task), to the target's
    förbund when the target has one."""
    actor_obj = actor if isinstance(actor, User) else None
    target_type = target_id = ""
    if target is not None:
        target_type = target._meta.label_lower
        target_id = target_id_of(target)
    return AuditLog.objects.create(
        actor=actor_obj,
        action=action,
        target_type=target_type,
        target_id=target_id,
        data=data or {},
        request_id=current_request_id(),
        forbund_id=current_forbund_id() or getattr(target, "forbund_id", None),
    )


def save_audited(
    instance: M,
    *,
    actor: User | AnonymousUser | None,
    action: str,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> M:
    """A service's write of one row: validate it (`full_clean`: fields, the model's `clean`, uniqueness), save
    it and record `action` in the audit log against `target` (the row itself unless given). A ValidationError
    leaves nothing saved and nothing logged."""
    instance.full_clean()
    instance.save()
    audit_log(actor=actor, action=action, target=instance if target is None else target, data=data)
    return instance
