"""Import of existing participant data (ESF+ spreadsheets) into a funded project: `participant_import`,
used by `manage.py import_participants` (docs/import-participants.md).

Two CSV files, read by kernel/tabular.py (UTF-8 with or without a BOM; comma- or semicolon-separated):

* participants — exactly the columns of PARTICIPANT_COLUMNS (docs/esf-indicators.md);
* outcomes — participant_code, date, event and, for `improved`, criterion (a file without that column is
  accepted when it has no `improved` row).

All or nothing: every row is checked (the models' own `full_clean`, so the import refuses exactly what the
forms refuse), every problem is reported with its file, spreadsheet row (the header is row 1) and column in
the active language, and when there is any problem nothing is saved — not even a newly created project.

Re-importing is safe: a participant is found again by project + code and updated; a labour-market event
that already exists for the participant with the same date and event is not added twice (and repeated rows
within the file are added once), except that an `improved` event recorded without a criterion is completed
by a row that gives one. Nothing is ever deleted by an import.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from directory.access import Actor
from directory.forbund.registry import default_forbund
from directory.models import Forbund, Municipality, Organisation, OrganisationKind
from kernel import tabular
from kernel.audit import audit_log
from kernel.identifiers import normalise_orgnr
from kernel.tabular import Column, RowError, lazy_message
from matchmaking.models import (
    ESF_FLAGS,
    FundedProject,
    Gender,
    ImprovementCriterion,
    Isced,
    LabourMarketEvent,
    LabourStatus,
    OutcomeEvent,
    Participant,
)

# "unemployed;inactive", "unemployed, inactive", "unemployed/inactive", "unemployed inactive" …
_SEVERAL = re.compile(r"[;,/|+&]|\s")
_status_choice = tabular.parse_choice(LabourStatus)


def _status(value: str) -> str:
    try:
        return _status_choice(value)
    except ValidationError:
        if _SEVERAL.search(value):
            raise ValidationError(
                _("Give exactly one status at entry (unemployed, inactive or employed), not several."), code="several"
            ) from None
        raise


PARTICIPANT_SPEC: tuple[Column, ...] = (
    Column("code", required=True),
    Column("gender", tabular.parse_choice(Gender), required=True),
    Column("birth_date", tabular.parse_date, required=True),
    Column("entry_date", tabular.parse_date, required=True),
    Column("exit_date", tabular.parse_date, required=True),
    Column("status_at_entry", _status, required=True),
    Column("unemployed_months", tabular.parse_integer, required=True),
    Column("isced", tabular.parse_choice(Isced), required=True),
    *(Column(flag, tabular.parse_boolean, required=True, default=False) for flag in ESF_FLAGS),
    # Checked against the municipality reference at import time (participants(): parse_municipality).
    Column("municipality", tabular.parse_kommunkod, required=True, blank=False),
)
OUTCOME_SPEC: tuple[Column, ...] = (
    Column("participant_code", required=True),
    Column("date", tabular.parse_date, required=True),
    Column("event", tabular.parse_choice(OutcomeEvent), required=True),
    Column("criterion", tabular.parse_choice(ImprovementCriterion)),
)
PARTICIPANT_COLUMNS: tuple[str, ...] = tuple(column.name for column in PARTICIPANT_SPEC)
OUTCOME_COLUMNS: tuple[str, ...] = tuple(column.name for column in OUTCOME_SPEC)
_ORDER = {name: index for index, name in enumerate(PARTICIPANT_COLUMNS)}


# --- The report -------------------------------------------------------------------------------------------
@dataclass
class ParticipantImportReport:
    """What the import did, or — when there were errors and nothing was saved — what it found wrong."""

    errors: list[RowError] = field(default_factory=list)
    saved: bool = False
    project: FundedProject | None = None
    project_created: bool = False
    created: int = 0
    updated: int = 0
    outcomes_created: int = 0
    outcomes_already_there: int = 0
    outcomes_completed: int = 0  # `improved` events recorded without a criterion, given one now

    @property
    def ok(self) -> bool:
        return not self.errors


# --- The import -------------------------------------------------------------------------------------------
class _Importer:
    def __init__(
        self,
        *,
        actor: Actor | None,
        project: str,
        project_name: str,
        organisation: str,
        participants_name: str,
        outcomes_name: str,
        forbund: Forbund | None = None,
    ) -> None:
        self.actor = actor
        # The förbund the project is found in (and created in): the coordinator's; for the command line the
        # one named, else the installation's only förbund.
        self.forbund = actor.forbund if actor is not None else (forbund or default_forbund())
        self.user = actor.user if actor is not None else None
        self.project_dnr = (project or "").strip()
        self.project_name = (project_name or "").strip()
        self.organisation_orgnr = (organisation or "").strip()
        self.p_file = participants_name
        self.o_file = outcomes_name
        self.report = ParticipantImportReport()

    def option_error(self, option: str, message: Any, code: str = "invalid") -> None:
        """A problem with one of the command's options: named by the option."""
        self.report.errors.append(RowError(None, option, message, code))

    # The file as a whole ---------------------------------------------------------------------------------
    def read(self, source: Any, file: str, spec: tuple[Column, ...]) -> tabular.Table | None:
        try:
            table = tabular.read_table(source, spec, file=file)
        except tabular.FileError as error:
            self.report.errors.extend(error.errors)
            return None
        self.report.errors.extend(table.errors)  # rows that could not be read
        return table

    def resolve_organisation(self) -> Organisation | None:
        if not self.organisation_orgnr:
            return None
        try:
            orgnr = normalise_orgnr(self.organisation_orgnr)
        except ValidationError as error:
            self.report.errors.extend(tabular.row_errors(error, row=None, column="--organisation"))
            return None
        organisation = Organisation.objects.filter(orgnr=orgnr).first()
        if organisation is None:
            self.option_error(
                "--organisation",
                lazy_message(
                    _("No organisation with organisation number %(orgnr)s is registered."),
                    {"orgnr": self.organisation_orgnr},
                ),
                "unknown",
            )
        return organisation

    def resolve_project(self) -> FundedProject | None:
        if not self.project_dnr:
            self.option_error("--project", _("Give the project's reference number (diarienummer)."), "required")
            return None
        if self.forbund is None:
            self.option_error("--forbund", _("Name the förbund with --forbund (its identifier)."), "required")
            return None
        found = FundedProject.objects.select_for_update().filter(diarienummer=self.project_dnr).first()
        if found is not None and found.forbund_id != self.forbund.pk:
            message = _("The project %(project)s belongs to another förbund.")
            self.option_error("--project", lazy_message(message, {"project": self.project_dnr}), "invalid")
            return None
        if found is not None:
            return found
        if not self.project_name:
            message = _("The project %(project)s does not exist yet. Give its name with --project-name to create it.")
            self.option_error("--project-name", lazy_message(message, {"project": self.project_dnr}), "required")
            return None
        project = FundedProject(forbund=self.forbund, diarienummer=self.project_dnr, name=self.project_name)
        try:
            project.full_clean()
        except ValidationError as error:
            for problem in tabular.row_errors(error, row=None):
                self.option_error(problem.column or "--project", problem.message, problem.code)
            return None
        project.save()
        self.report.project_created = True
        return project

    # Participants ----------------------------------------------------------------------------------------
    def participants(
        self,
        table: tabular.Table,
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
                if org.kommunkod_id is not None:
                    municipalities.setdefault(org.kommunkod_id, []).append(org)
        spec = tabular.with_parser(
            PARTICIPANT_SPEC,
            "municipality",
            tabular.parse_municipality(Municipality.objects.only("code", "name").in_bulk()),
        )

        valid: dict[str, Participant] = {}
        failed: set[str] = set()
        first_row: dict[str, int] = {}
        for row in table.rows:
            number = row.number
            values, errors = tabular.parse_row(row, spec, file=self.p_file)

            def fail(
                column: str, message: Any, code: str = "invalid", errors: list[RowError] = errors, number: int = number
            ) -> None:
                errors.append(RowError(number, column, message, code, self.p_file))

            code = row.cells["code"]
            if code and code in first_row:
                duplicate = _("The code %(code)s is already on row %(row)s.")
                fail("code", lazy_message(duplicate, {"code": code, "row": first_row[code]}), "duplicate")
            elif code:
                first_row[code] = number

            raising = organisation
            kommunkod = values["municipality"].code if values.get("municipality") else ""
            if raising is None and kommunkod:
                candidates = municipalities.get(kommunkod, [])
                if len(candidates) == 1:
                    raising = candidates[0]
                elif not candidates:
                    message = _(
                        "No municipality with code %(code)s is registered as an organisation, so it is not "
                        "known who raised this participant. Register it, or give --organisation."
                    )
                    fail("municipality", lazy_message(message, {"code": kommunkod}), "unknown")
                else:
                    message = _(
                        "Several organisations are registered as the municipality with code %(code)s. "
                        "Give --organisation."
                    )
                    fail("municipality", lazy_message(message, {"code": kommunkod}), "ambiguous")

            participant = existing.get(code) or Participant(project=project, code=code)
            for name, value in values.items():
                setattr(participant, name, value)
            if raising is not None:
                participant.raised_by_organisation = raising
            if participant.pk is None:
                participant.raised_by = self.user
            # The municipality was checked against the reference when the cell was read.
            exclude = ["municipality"] if raising is not None else ["municipality", "raised_by_organisation"]
            errors.extend(
                tabular.full_clean_row(participant, row=number, file=self.p_file, errors=errors, exclude=exclude)
            )
            if not errors and participant.pk is not None:
                # The participant's events already in the database must still fit the new data.
                for outcome in existing_outcomes.get(participant.pk, []):
                    outcome.participant = participant
                    try:
                        outcome.clean()
                    except ValidationError as error:
                        column = "status_at_entry" if "event" in error.message_dict else "entry_date"
                        message = _("The event %(event)s of %(date)s already recorded does not fit: %(message)s")
                        for problem in tabular.row_errors(error, row=number):
                            params = {
                                "event": outcome.event,
                                "date": outcome.date.isoformat(),
                                "message": problem.message,
                            }
                            fail(column, lazy_message(message, params), problem.code)
            if errors:
                failed.add(code)
                errors.sort(key=lambda error: _ORDER.get(error.column, len(_ORDER)))  # the file's column order
                self.report.errors.extend(errors)
            elif code not in failed:
                valid[code] = participant
        self.existing = existing
        self.existing_outcomes = existing_outcomes
        return valid, failed

    # Outcomes --------------------------------------------------------------------------------------------
    def outcomes(
        self, table: tabular.Table, valid: dict[str, Participant], failed: set[str]
    ) -> tuple[list[LabourMarketEvent], list[LabourMarketEvent]]:
        """Check every outcome row; return the events to add (duplicates of existing ones left out) and the
        existing `improved` events without a criterion that a row completes."""
        seen: set[tuple[str, dt.date, str]] = set()
        incomplete: dict[tuple[str, dt.date], LabourMarketEvent] = {}
        for code, known in self.existing.items():
            for outcome in self.existing_outcomes.get(known.pk, []):
                seen.add((code, outcome.date, outcome.event))
                if outcome.criterion_missing:
                    incomplete.setdefault((code, outcome.date), outcome)
        has_criterion_column = "criterion" in table.columns
        new: list[LabourMarketEvent] = []
        completed: list[LabourMarketEvent] = []
        for row in table.rows:
            number = row.number
            values, errors = tabular.parse_row(row, OUTCOME_SPEC, file=self.o_file)
            code = row.cells["participant_code"]
            participant = valid.get(code) or (self.existing.get(code) if code not in failed else None)
            if not code:
                errors.append(
                    RowError(number, "participant_code", _("Give the participant's code."), "required", self.o_file)
                )
            elif participant is None and code not in failed:
                message = _("There is no participant with the code %(code)s in the participants file or the project.")
                errors.append(
                    RowError(number, "participant_code", lazy_message(message, {"code": code}), "unknown", self.o_file)
                )
            if values.get("event") == OutcomeEvent.IMPROVED and not has_criterion_column:
                message = _(
                    "An improved situation needs a criterion, and this file has no criterion column. Add the column "
                    "with one of: %(choices)s."
                )
                params = {"choices": ", ".join(ImprovementCriterion.values)}
                errors.append(RowError(number, "criterion", lazy_message(message, params), "required", self.o_file))
            cells: dict[str, Any] = {
                "date": values.get("date"),
                "event": values.get("event", ""),
                "criterion": values.get("criterion", ""),
            }  # None: did not parse
            outcome = LabourMarketEvent(**cells)
            if self.user is not None:
                outcome.recorded_by = self.user
            exclude = ["participant", "recorded_by", "recorded_at"]
            in_error = {error.column for error in errors}
            if participant is not None and "date" not in in_error:
                outcome.participant = participant
                errors.extend(
                    tabular.full_clean_row(outcome, row=number, file=self.o_file, errors=errors, exclude=exclude)
                )
            else:  # without its participant, an event's own rules cannot be checked; its cells can
                try:
                    outcome.clean_fields(exclude=[*exclude, *in_error])
                except ValidationError as error:
                    errors.extend(tabular.row_errors(error, row=number, file=self.o_file))
            if errors:
                self.report.errors.extend(errors)
                continue
            if participant is None:
                continue  # the participant's own row has errors; those are reported there
            key = (code, outcome.date, outcome.event)
            if key in seen:
                earlier = incomplete.pop((code, outcome.date), None) if outcome.criterion else None
                if earlier is not None:
                    earlier.criterion = outcome.criterion
                    completed.append(earlier)
                else:
                    self.report.outcomes_already_there += 1
                continue
            seen.add(key)
            new.append(outcome)
        return new, completed

    # Everything ------------------------------------------------------------------------------------------
    def run(self, participants_source: Any, outcomes_source: Any) -> ParticipantImportReport:
        participant_table = self.read(participants_source, self.p_file, PARTICIPANT_SPEC)
        outcome_table = self.read(outcomes_source, self.o_file, OUTCOME_SPEC)
        before = len(self.report.errors)
        organisation = self.resolve_organisation()
        if participant_table is None or outcome_table is None or len(self.report.errors) > before:
            return self.report  # a file that cannot be read, or a wrong option: nothing to check rows against
        with tabular.atomic_import(self.report.errors):
            project = self.resolve_project()
            if project is not None:
                valid, failed = self.participants(participant_table, project, organisation)
                new_outcomes, completed = self.outcomes(outcome_table, valid, failed)
                if not self.report.errors:
                    self.save(project, valid, new_outcomes, completed)
        if self.report.errors:  # rolled back
            self.report.saved = self.report.project_created = False
            self.report.created = self.report.updated = self.report.outcomes_created = 0
            self.report.outcomes_completed = 0
        return self.report

    def save(
        self,
        project: FundedProject,
        valid: dict[str, Participant],
        new_outcomes: list[LabourMarketEvent],
        completed: list[LabourMarketEvent],
    ) -> None:
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
        LabourMarketEvent.objects.bulk_update(completed, ["criterion"])
        self.report.outcomes_completed = len(completed)
        audit_log(
            actor=self.user,
            action="participant.import",
            target=project,
            data={
                "created": self.report.created,
                "updated": self.report.updated,
                "outcomes_created": self.report.outcomes_created,
                "outcomes_completed": self.report.outcomes_completed,
                "project_created": self.report.project_created,
            },
        )
        self.report.project = project
        self.report.saved = True


def participant_import(
    *,
    actor: Actor | None,
    project: str,
    participants: Any,
    outcomes: Any,
    project_name: str = "",
    organisation: str = "",
    file_names: tuple[str, str] = ("participants.csv", "outcomes.csv"),
    forbund: Forbund | None = None,
) -> ParticipantImportReport:
    """Import participants and their labour-market events into the funded project with reference number
    `project` (created, named `project_name`, when it does not exist). `participants` and `outcomes`: CSV
    bytes or text, an open file or a pathlib.Path; `file_names` name them in messages. `organisation`: the
    orgnr (any written form) of the organisation that raised every participant; without it, the municipality
    organisation whose kommunkod is the row's municipality. All or nothing: see the module's docstring.

    `actor`: None for the command line; a person must be a coordinator — the import creates funded projects
    (coordinators do, in the admin) and raises participants for any organisation (only coordinators may,
    matchmaking.services.participant_create)."""
    if actor is not None and not actor.is_coordinator:
        raise PermissionDenied
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
        forbund=forbund,
    )
    return importer.run(participants, outcomes)
