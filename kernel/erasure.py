"""Erasure under a retention policy or on request: what an app's purge returns, and the journal it goes to.

An app's purge function finds what its policy says is due and, unless it is a dry run, deletes or anonymises
it in one transaction, returning one `Erased` per person or object (a participant, an account, an event's
registrations). `journal` writes them to the erasure journal (kernel.models.ErasureRecord) in the same
transaction, so an erasure and its record cannot part.

Once that transaction commits, the same rows are appended to settings.ERASURE_JOURNAL_FILE (JSON lines), a
copy outside the database: a backup restored from before an erasure brings the erased rows and loses the
journal rows written since, and `manage.py reapply_erasures` erases them again from the file."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
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
    records = ErasureRecord.objects.bulk_create(
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
    transaction.on_commit(partial(_append_to_file, [as_entry(record) for record in records]))
    return records


def as_entry(record: ErasureRecord) -> dict[str, Any]:
    """A journal row as one line of the file copy (no personal data: targets are pseudonymous keys)."""
    return {
        "created_at": record.created_at.isoformat(),
        "policy": record.policy,
        "target_type": record.target_type,
        "target_id": record.target_id,
        "action": record.action,
        "rows": record.rows,
    }


def journal_file() -> Path | None:
    return Path(settings.ERASURE_JOURNAL_FILE) if settings.ERASURE_JOURNAL_FILE else None


def _append_to_file(entries: list[dict[str, Any]]) -> None:
    path = journal_file()
    if path is None or not entries:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.writelines(json.dumps(entry, sort_keys=True) + "\n" for entry in entries)
        out.flush()
        os.fsync(out.fileno())


def read_journal_file(path: Path) -> list[dict[str, Any]]:
    """The entries of a journal file, oldest first; a line cut short by a crash while writing is skipped."""
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
            entry["created_at"] = dt.datetime.fromisoformat(entry["created_at"])
        except (ValueError, KeyError, TypeError):
            continue
        entries.append(entry)
    return sorted(entries, key=lambda entry: entry["created_at"])
