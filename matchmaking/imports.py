"""Import of existing participant data (ESF+ spreadsheets) into a funded project: `participant_import`,
used by `manage.py import_participants` (docs/import-participants.md).

Two CSV files (UTF-8 with or without a BOM; comma- or semicolon-separated):

* participants — exactly the columns of PARTICIPANT_COLUMNS (shared/esf-indicators.md);
* outcomes — participant_code, date, event.

All or nothing: every row is checked (the models' own `full_clean`, so the import refuses exactly what the
forms refuse), every problem is reported with its file, spreadsheet row (the header is row 1) and column in
the active language, and when there is any problem nothing is saved — not even a newly created project.

Re-importing is safe: a participant is found again by project + code and updated; a labour-market event
that already exists for the participant with the same date and event is not added twice (and repeated rows
within the file are added once). Nothing is ever deleted by an import.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from asfnet.audit import audit_log
from asfnet.identifiers import normalise_orgnr
from directory.models import Organisation, OrganisationKind
from matchmaking.models import ESF_FLAGS, FundedProject, LabourMarketEvent, Participant

PARTICIPANT_COLUMNS: tuple[str, ...] = (
    "code",
    "gender",
    "birth_date",
    "entry_date",
    "exit_date",
    "status_at_entry",
    "unemployed_months",
    "isced",
    "disability",
    "third_country_national",
    "foreign_background",
    "minority",
    "homeless",
    "rural",
    "municipality",
)
OUTCOME_COLUMNS: tuple[str, ...] = ("participant_code", "date", "event")

_DATE_COLUMNS = ("birth_date", "entry_date", "exit_date")
_LOWER_COLUMNS = ("gender", "status_at_entry", "isced")
_TRUE = frozenset({"true", "1", "ja"})
_FALSE = frozenset({"false", "0", "nej"})
# "unemployed;inactive", "unemployed, inactive", "unemployed/inactive", "unemployed inactive" …
_SEVERAL = re.compile(r"[;,/|+&]|\s")


# --- The report -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ImportProblem:
    """One problem: which file, which spreadsheet row (None: the file or the command as a whole) and which
    column ("" for the row as a whole). The message is in the language active during the import."""

    file: str
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            where = self.file or self.column
            return _("%(file)s: %(message)s") % {"file": where, "message": self.message} if where else self.message
        if self.column:
            return _("%(file)s, row %(row)s, column %(column)s: %(message)s") % {
                "file": self.file,
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("%(file)s, row %(row)s: %(message)s") % {"file": self.file, "row": self.row, "message": self.message}


@dataclass
class ParticipantImportReport:
    """What the import did, or — when there were errors and nothing was saved — what it found wrong."""

    errors: list[ImportProblem] = field(default_factory=list)
    saved: bool = False
    project: FundedProject | None = None
    project_created: bool = False
    created: int = 0
    updated: int = 0
    outcomes_created: int = 0
    outcomes_already_there: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


class _Rollback(Exception):
    """Raised inside the transaction when the import found errors, so nothing is kept."""


# --- Reading ----------------------------------------------------------------------------------------------
class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, CSV syntax)."""


def _decode(data: bytes) -> str:
    if data[:4] == b"PK\x03\x04":
        raise ImportFileError(
            _("This looks like an Excel workbook. Save it as “CSV UTF-8 (kommaavgränsad)” and use that file.")
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            _("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8 (kommaavgränsad)”.")
        ) from None


def read_rows(source: Any) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header (column names, lower case) and the data rows as (spreadsheet row number, cells); blank rows
    are skipped, a file with a header only has no rows. `source`: CSV bytes or text, an open file or a
    pathlib.Path. Comma- or semicolon-separated, whichever the header row uses more."""
    if isinstance(source, Path):
        source = source.read_bytes()
    elif hasattr(source, "read"):
        source = source.read()
    if isinstance(source, (bytes, bytearray, memoryview)):
        source = _decode(bytes(source))
    text = str(source).removeprefix("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    number = 0
    try:
        for number, cells in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            if header is None:
                header = [cell.strip().lower() for cell in cells]
            elif any(cell.strip() for cell in cells):
                rows.append((number, cells))
    except csv.Error:
        raise ImportFileError(
            _("The file is not valid CSV near row %(row)s. Check quotes and line breaks.") % {"row": number + 1}
        ) from None
    if not header or not any(header):
        raise ImportFileError(_("The file is empty. The first row must name the columns."))
    return header, rows


# --- Cells ------------------------------------------------------------------------------------------------
class _CellError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _date(value: str) -> dt.date | None:
    """ISO dates (YYYY-MM-DD) only: the model field's own parser and its translated messages."""
    if not value:
        return None
    try:
        return Participant._meta.get_field("entry_date").to_python(value)
    except ValidationError as error:
        raise _CellError(" ".join(error.messages)) from None


def _months(value: str) -> int | None:
    value = value.replace(" ", "").replace("\u00a0", "")
    if not value:
        return None
    if not re.fullmatch(r"\d+", value):
        raise _CellError(_("Enter a whole number of months, e.g. 14."))
    return int(value)


def _flag(value: str) -> bool:
    lowered = value.strip().lower()
    if not lowered or lowered in _FALSE:
        return False
    if lowered in _TRUE:
        return True
    raise _CellError(_("Write true or false (or 1 or 0, ja or nej)."))


def _kommunkod(value: str) -> str:
    # Excel drops a leading zero (0180 → 180); every kommunkod has four digits.
    return value.zfill(4) if len(value) == 3 and value.isdigit() else value


def _messages(error: ValidationError) -> list[tuple[str, str]]:
    """(field name or "", message) pairs of a model ValidationError."""
    if hasattr(error, "error_dict"):
        return [
            ("" if name == NON_FIELD_ERRORS else name, message)
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return [("", message) for message in error.messages]


# --- The import -------------------------------------------------------------------------------------------
class _Importer:
    def __init__(
        self,
        *,
        actor: Any,
        project: str,
        project_name: str,
        organisation: str,
        participants_name: str,
        outcomes_name: str,
    ) -> None:
        self.actor = actor
        self.project_dnr = (project or "").strip()
        self.project_name = (project_name or "").strip()
        self.organisation_orgnr = (organisation or "").strip()
        self.p_file = participants_name
        self.o_file = outcomes_name
        self.report = ParticipantImportReport()
        self.command = ""  # problems with the command's options: named by the option (the "column")

    def error(self, file: str, row: int | None, column: str, message: str) -> None:
        self.report.errors.append(ImportProblem(file=file, row=row, column=column, message=str(message)))

    # The file as a whole ---------------------------------------------------------------------------------
    def read(self, source: Any, file: str, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]] | None:
        try:
            header, rows = read_rows(source)
        except ImportFileError as error:
            self.error(file, None, "", str(error))
            return None
        while header and not header[-1]:  # Excel's trailing separators: empty columns at the end
            header.pop()
        problems = []
        duplicates = sorted({name for name in header if name and header.count(name) > 1})
        if duplicates:
            problems.append(_("These columns appear more than once: %(columns)s.") % {"columns": ", ".join(duplicates)})
        unknown = [name or _("(empty)") for name in header if name not in columns]
        if unknown:
            problems.append(_("Unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)})
        missing = [name for name in columns if name not in header]
        if missing:
            problems.append(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
        if problems:
            for problem in problems:
                self.error(file, None, "", problem)
            self.error(file, None, "", _("The columns must be exactly: %(columns)s.") % {"columns": ", ".join(columns)})
            return None
        records = []
        for number, cells in rows:
            if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
                self.error(file, number, "", _("The row has more cells than there are columns."))
                continue
            padded = [*cells, *[""] * (len(header) - len(cells))]
            records.append((number, {name: padded[i].strip() for i, name in enumerate(header)}))
        return records

    def resolve_organisation(self) -> Organisation | None:
        if not self.organisation_orgnr:
            return None
        try:
            orgnr = normalise_orgnr(self.organisation_orgnr)
        except ValidationError as error:
            self.error(self.command, None, "--organisation", " ".join(error.messages))
            return None
        organisation = Organisation.objects.filter(orgnr=orgnr).first()
        if organisation is None:
            self.error(
                self.command,
                None,
                "--organisation",
                _("No organisation with organisation number %(orgnr)s is registered.")
                % {"orgnr": self.organisation_orgnr},
            )
        return organisation

    def resolve_project(self) -> FundedProject | None:
        if not self.project_dnr:
            self.error(self.command, None, "--project", _("Give the project's reference number (diarienummer)."))
            return None
        project = FundedProject.objects.select_for_update().filter(diarienummer=self.project_dnr).first()
        if project is not None:
            return project
        if not self.project_name:
            self.error(
                self.command,
                None,
                "--project-name",
                _("The project %(project)s does not exist yet. Give its name with --project-name to create it.")
                % {"project": self.project_dnr},
            )
            return None
        project = FundedProject(diarienummer=self.project_dnr, name=self.project_name)
        try:
            project.full_clean()
        except ValidationError as error:
            for column, message in _messages(error):
                self.error(self.command, None, column or "--project", message)
            return None
        project.save()
        self.report.project_created = True
        return project

    # Participants ----------------------------------------------------------------------------------------
    def participants(
        self,
        rows: list[tuple[int, dict[str, str]]],
        project: FundedProject,
        organisation: Organisation | None,
    ) -> tuple[dict[str, Participant], set[str]]:
        """Check every participant row. Returns the valid participants by code (not yet saved) and the codes
        of rows that had errors (so outcomes for them are not reported as unknown)."""
        existing = {p.code: p for p in Participant.objects.select_for_update().filter(project=project)}
        existing_outcomes: dict[int, list[LabourMarketEvent]] = {}
        for outcome in LabourMarketEvent.objects.filter(participant__project=project).order_by("id"):
            existing_outcomes.setdefault(outcome.participant_id, []).append(outcome)
        municipalities: dict[str, list[Organisation]] = {}
        if organisation is None:
            for org in Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY).order_by("pk"):
                municipalities.setdefault(org.kommunkod, []).append(org)

        valid: dict[str, Participant] = {}
        failed: set[str] = set()
        first_row: dict[str, int] = {}
        for number, cells in rows:
            errors: dict[str, list[str]] = {}

            def fail(column: str, message: str, errors: dict[str, list[str]] = errors) -> None:
                errors.setdefault(column, []).append(str(message))

            code = cells["code"]
            if code and code in first_row:
                fail("code", _("The code %(code)s is already on row %(row)s.") % {"code": code, "row": first_row[code]})
            elif code:
                first_row[code] = number
            values: dict[str, Any] = {"code": code}
            for column in _LOWER_COLUMNS:
                values[column] = cells[column].lower()
            if values["status_at_entry"] and _SEVERAL.search(values["status_at_entry"]):
                fail(
                    "status_at_entry",
                    _("Give exactly one status at entry (unemployed, inactive or employed), not several."),
                )
                values["status_at_entry"] = ""
            for column in _DATE_COLUMNS:
                try:
                    values[column] = _date(cells[column])
                except _CellError as error:
                    fail(column, error.message)
                    values[column] = None
            try:
                values["unemployed_months"] = _months(cells["unemployed_months"])
            except _CellError as error:
                fail("unemployed_months", error.message)
                values["unemployed_months"] = None
            for column in ESF_FLAGS:
                try:
                    values[column] = _flag(cells[column])
                except _CellError as error:
                    fail(column, error.message)
                    values[column] = False
            values["municipality"] = _kommunkod(cells["municipality"])

            raising = organisation
            if raising is None and re.fullmatch(r"\d{4}", values["municipality"]):
                candidates = municipalities.get(values["municipality"], [])
                if len(candidates) == 1:
                    raising = candidates[0]
                elif not candidates:
                    fail(
                        "municipality",
                        _(
                            "No municipality with code %(code)s is registered as an organisation, so it is not "
                            "known who raised this participant. Register it, or give --organisation."
                        )
                        % {"code": values["municipality"]},
                    )
                else:
                    fail(
                        "municipality",
                        _(
                            "Several organisations are registered as the municipality with code %(code)s. "
                            "Give --organisation."
                        )
                        % {"code": values["municipality"]},
                    )

            participant = existing.get(code) or Participant(project=project, code=code)
            for name, value in values.items():
                setattr(participant, name, value)
            if raising is not None:
                participant.raised_by_organisation = raising
            if participant.pk is None:
                participant.raised_by = self.actor if getattr(self.actor, "is_authenticated", False) else None
            exclude = set(errors)
            if raising is None:
                exclude.add("raised_by_organisation")
            try:
                participant.full_clean(exclude=sorted(exclude))
            except ValidationError as error:
                for column, message in _messages(error):
                    if column not in errors:  # one problem per cell is enough; the parse error explains it
                        fail(column, message)
            if not errors and participant.pk is not None:
                # The participant's events already in the database must still fit the new data.
                for outcome in existing_outcomes.get(participant.pk, []):
                    outcome.participant = participant
                    try:
                        outcome.clean()
                    except ValidationError as error:
                        column = "status_at_entry" if "event" in error.message_dict else "entry_date"
                        for message in error.messages:
                            fail(
                                column,
                                _("The event %(event)s of %(date)s already recorded does not fit: %(message)s")
                                % {"event": outcome.event, "date": outcome.date.isoformat(), "message": message},
                            )
            if errors:
                failed.add(code)
                for column in PARTICIPANT_COLUMNS:  # in the file's column order
                    for message in errors.pop(column, []):
                        self.error(self.p_file, number, column, message)
                for column, messages in errors.items():
                    for message in messages:
                        self.error(self.p_file, number, column, message)
            elif code not in failed:
                valid[code] = participant
        self.existing = existing
        self.existing_outcomes = existing_outcomes
        return valid, failed

    # Outcomes --------------------------------------------------------------------------------------------
    def outcomes(
        self, rows: list[tuple[int, dict[str, str]]], valid: dict[str, Participant], failed: set[str]
    ) -> list[LabourMarketEvent]:
        """Check every outcome row; return the events to add (duplicates of existing ones left out)."""
        seen: set[tuple[str, dt.date, str]] = set()
        for code, participant in valid.items():
            if participant.pk is not None:
                for outcome in self.existing_outcomes.get(participant.pk, []):
                    seen.add((code, outcome.date, outcome.event))
        for code, participant in self.existing.items():
            if code not in valid:
                for outcome in self.existing_outcomes.get(participant.pk, []):
                    seen.add((code, outcome.date, outcome.event))
        new: list[LabourMarketEvent] = []
        for number, cells in rows:
            errors: list[tuple[str, str]] = []
            code = cells["participant_code"]
            participant = valid.get(code) or (self.existing.get(code) if code not in failed else None)
            if not code:
                errors.append(("participant_code", _("Give the participant's code.")))
            elif participant is None and code not in failed:
                errors.append(
                    (
                        "participant_code",
                        _("There is no participant with the code %(code)s in the participants file or the project.")
                        % {"code": code},
                    )
                )
            try:
                date = _date(cells["date"])
            except _CellError as error:
                errors.append(("date", error.message))
                date = None
            event = cells["event"].lower()
            outcome = LabourMarketEvent(date=date, event=event)
            if self.actor is not None and getattr(self.actor, "is_authenticated", False):
                outcome.recorded_by = self.actor
            exclude = ["participant", "recorded_by", "recorded_at", *(column for column, _m in errors)]
            try:
                if participant is not None and not any(column == "date" for column, _m in errors):
                    outcome.participant = participant
                    outcome.full_clean(exclude=exclude)
                else:
                    outcome.clean_fields(exclude=exclude)
            except ValidationError as error:
                errors.extend(_messages(error))
            if errors:
                for column, message in errors:
                    self.error(self.o_file, number, column, message)
                continue
            if participant is None:
                continue  # the participant's own row has errors; those are reported there
            key = (code, date, event)
            if key in seen:
                self.report.outcomes_already_there += 1
                continue
            seen.add(key)
            new.append(outcome)
        return new

    # Everything ------------------------------------------------------------------------------------------
    def run(self, participants_source: Any, outcomes_source: Any) -> ParticipantImportReport:
        participant_rows = self.read(participants_source, self.p_file, PARTICIPANT_COLUMNS)
        outcome_rows = self.read(outcomes_source, self.o_file, OUTCOME_COLUMNS)
        organisation = self.resolve_organisation()
        if self.report.errors:
            return self.report
        assert participant_rows is not None and outcome_rows is not None
        try:
            with transaction.atomic():
                project = self.resolve_project()
                if project is None:
                    raise _Rollback
                valid, failed = self.participants(participant_rows, project, organisation)
                new_outcomes = self.outcomes(outcome_rows, valid, failed)
                if self.report.errors:
                    raise _Rollback
                for participant in valid.values():
                    if participant.pk is None:
                        self.report.created += 1
                    else:
                        self.report.updated += 1
                    participant.save()
                # Each event's participant is saved by now; bulk_create takes its id (file order = id order,
                # so "several on one date: the one recorded last" follows the file).
                LabourMarketEvent.objects.bulk_create(new_outcomes)
                self.report.outcomes_created = len(new_outcomes)
                audit_log(
                    actor=self.actor,
                    action="participant.import",
                    target=project,
                    data={
                        "created": self.report.created,
                        "updated": self.report.updated,
                        "outcomes_created": self.report.outcomes_created,
                        "project_created": self.report.project_created,
                    },
                )
                self.report.project = project
                self.report.saved = True
        except _Rollback:
            self.report.saved = False
            self.report.project_created = False
            self.report.created = self.report.updated = self.report.outcomes_created = 0
        return self.report


def participant_import(
    *,
    actor: Any,
    project: str,
    participants: Any,
    outcomes: Any,
    project_name: str = "",
    organisation: str = "",
    file_names: tuple[str, str] = ("participants.csv", "outcomes.csv"),
) -> ParticipantImportReport:
    """Import participants and their labour-market events into the funded project with reference number
    `project` (created, named `project_name`, when it does not exist). `participants` and `outcomes`: CSV
    bytes or text, an open file or a pathlib.Path; `file_names` name them in messages. `organisation`: the
    orgnr (any written form) of the organisation that raised every participant; without it, the municipality
    organisation whose kommunkod is the row's municipality. All or nothing: see the module's docstring."""
    names = [
        source.name if isinstance(source, Path) else name
        for source, name in zip((participants, outcomes), file_names, strict=True)
    ]
    importer = _Importer(
        actor=actor,
        project=project,
        project_name=project_name,
        organisation=organisation,
        participants_name=names[0],
        outcomes_name=names[1],
    )
    return importer.run(participants, outcomes)
