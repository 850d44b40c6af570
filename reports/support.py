"""Support records: recording them (coordinators) and importing them from CSV all-or-nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from asfnet.access import is_coordinator
from asfnet.audit import audit_log
from asfnet.identifiers import normalise_orgnr
from directory.models import Organisation
from matchmaking.models import FundedProject
from reports.models import SupportKind, SupportRecord

COLUMNS = ("orgnr", "date", "kind", "direct")
_BOOL = {"true": True, "false": False, "1": True, "0": False, "ja": True, "nej": False, "yes": True, "no": False}


@transaction.atomic
def support_record_create(
    *, actor: Any, project: FundedProject, organisation: Organisation, data: dict[str, Any]
) -> SupportRecord:
    if not is_coordinator(actor):
        raise PermissionDenied
    record = SupportRecord(project=project, organisation=organisation, recorded_by=actor, **data)
    record.full_clean()
    record.save()
    audit_log(actor=actor, action="support.create", target=record, data={"organisation": str(organisation.code)})
    return record


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("row %(row)s, %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class SupportImport:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)


def import_support(*, project: FundedProject, text: str, actor: Any = None) -> SupportImport:
    """Columns orgnr, date, kind, direct (true/false); the orgnr in any written form. All or nothing: any
    error → nothing saved and every error reported by row and column."""
    result = SupportImport()
    reader = csv.DictReader(
        io.StringIO(text.lstrip("\ufeff")), delimiter=";" if text.count(";") > text.count(",") else ","
    )
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        result.errors.append(RowError(1, ", ".join(missing), _("required column missing")))
        return result
    organisations = {o.orgnr: o for o in Organisation.objects.all().only("pk", "orgnr", "code")}
    records = []
    for number, row in enumerate(reader, start=2):
        errors_before = len(result.errors)
        orgnr = day = kind = direct = None
        try:
            orgnr = normalise_orgnr(row.get("orgnr", ""))
            if orgnr not in organisations:
                result.errors.append(RowError(number, "orgnr", _("no organisation with this number in the directory")))
        except ValidationError as error:
            result.errors.append(RowError(number, "orgnr", " ".join(error.messages)))
        try:
            day = dt.date.fromisoformat((row.get("date") or "").strip())
        except ValueError:
            result.errors.append(RowError(number, "date", _("write the date as YYYY-MM-DD")))
        kind = (row.get("kind") or "").strip()
        if kind not in SupportKind.values:
            result.errors.append(
                RowError(
                    number, "kind", _("unknown kind; use one of %(kinds)s") % {"kinds": ", ".join(SupportKind.values)}
                )
            )
        direct = _BOOL.get((row.get("direct") or "").strip().lower())
        if direct is None:
            result.errors.append(RowError(number, "direct", _("write true or false")))
        if len(result.errors) == errors_before:
            records.append(
                SupportRecord(
                    project=project,
                    organisation=organisations[orgnr],
                    date=day,
                    kind=kind,
                    direct=direct,
                    recorded_by=actor,
                )
            )
    if result.errors:
        return result
    with transaction.atomic():
        SupportRecord.objects.bulk_create(records)
        audit_log(actor=actor, action="support.import", data={"project": project.diarienummer, "rows": len(records)})
    result.created = len(records)
    return result
