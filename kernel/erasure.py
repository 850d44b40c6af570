"""Erasure under a retention policy or on request: what an app's purge returns, and the journal it goes to.

An app's purge function finds what its policy says is due and, unless it is a dry run, deletes or anonymises
it in one transaction, returning one `Erased` per person or object (a participant, an account, an event's
registrations). `journal` writes them to the erasure journal (kernel.models.ErasureRecord) in the same
transaction, so an erasure and its record cannot part."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from kernel.models import ErasureRecord

DELETED = "deleted"
ANONYMISED = "anonymised"


@dataclass(frozen=True)
class Erased:
    target_type: str  # a model's label_lower
    target_id: str  # its pseudonymous key, as the audit log names it
    action: str  # DELETED or ANONYMISED
    rows: int = 1


def journal(policy: str, erased: Iterable[Erased]) -> list[ErasureRecord]:
    now = timezone.now()
    return ErasureRecord.objects.bulk_create(
        ErasureRecord(
            created_at=now,
            policy=policy,
            target_type=item.target_type,
            target_id=item.target_id,
            action=item.action,
            rows=item.rows,
        )
        for item in erased
    )
