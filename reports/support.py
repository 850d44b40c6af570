"""Support records: recording them and importing them from CSV all-or-nothing — coordinators only, one rule
(`require_support_recorder`) for the form's view, the import's view, the service and the import."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from directory.access import Actor
from directory.models import Organisation
from kernel import tabular
from kernel.audit import audit_log, save_audited
from kernel.identifiers import normalise_orgnr
from kernel.tabular import Column, RowError
from matchmaking.models import FundedProject
from reports.models import SupportKind, SupportRecord

SPEC: tuple[Column, ...] = (
    Column("orgnr", normalise_orgnr, required=True),
    Column("date", tabular.parse_date, required=True),
    Column("kind", tabular.parse_choice(SupportKind), required=True),
    Column("direct", tabular.parse_boolean, required=True, blank=False),
)
COLUMNS = tuple(column.name for column in SPEC)


def may_record_support(actor: Actor | None) -> bool:
    """Who may record and import support records: a coordinator. `None` is the command line
    (`manage.py import_support`), run by whoever operates the server."""
    return actor is None or actor.is_coordinator


def require_support_recorder(actor: Actor | None, project: FundedProject | None = None) -> None:
    """A coordinator, for a project of the förbund they act in (the command line: any project)."""
    if not may_record_support(actor):
        raise PermissionDenied
    if actor is not None and project is not None and project.forbund_id != actor.forbund_id:
        raise PermissionDenied


@transaction.atomic
def support_record_create(
    *, actor: Actor | None, project: FundedProject, organisation: Organisation, data: dict[str, Any]
) -> SupportRecord:
    if actor is None:  # the form always has a person
        raise PermissionDenied
    require_support_recorder(actor, project)
    record = SupportRecord(project=project, organisation=organisation, recorded_by=actor.user, **data)
    return save_audited(
        record, actor=actor.user, action="support.create", data={"organisation": str(organisation.code)}
    )


@dataclass
class SupportImport:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)


def import_support(*, project: FundedProject, source: Any, actor: Actor | None) -> SupportImport:
    """Columns orgnr (in any written form), date, kind and direct (true/false); other columns are ignored.
    `source`: CSV bytes or text, an open file or a pathlib.Path (kernel.tabular.read_table). Every row is
    checked with the model's full_clean(). All or nothing: any error → nothing saved and every error
    reported by row and column. `actor`: a coordinator, or None for the command line."""
    require_support_recorder(actor, project)
    result = SupportImport()
    try:
        table = tabular.read_table(source, SPEC, ignore_unknown_columns=True)
    except tabular.FileError as error:
        result.errors.extend(error.errors)
        return result
    result.errors.extend(table.errors)
    parsed = [(row, *tabular.parse_row(row, SPEC)) for row in table.rows]
    orgnrs = {values["orgnr"] for _row, values, _errors in parsed if "orgnr" in values}
    recorded_by = actor.user if actor is not None else None
    with tabular.atomic_import(result.errors):
        organisations = {o.orgnr: o for o in Organisation.objects.filter(orgnr__in=orgnrs)}
        records = []
        for row, values, errors in parsed:
            organisation = organisations.get(values.get("orgnr", ""))
            if "orgnr" in values and organisation is None:
                message = _("no organisation with this number in the directory")
                errors.append(RowError(row.number, "orgnr", message, "unknown"))
            record = SupportRecord(project=project, organisation=organisation, recorded_by=recorded_by)
            for name in ("date", "kind", "direct"):
                if name in values:
                    setattr(record, name, values[name])
            # The project, the organisation and the user were read from the database just now, and the only
            # unique field is the record's new random code: no query per row.
            exclude = ["project", "organisation", "recorded_by"]
            errors.extend(
                tabular.full_clean_row(record, row=row.number, errors=errors, exclude=exclude, validate_unique=False)
            )
            result.errors.extend(errors)
            records.append(record)
        if not result.errors:
            SupportRecord.objects.bulk_create(records)
            audit_log(
                actor=recorded_by, action="support.import", data={"project": project.diarienummer, "rows": len(records)}
            )
            result.created = len(records)
    return result
