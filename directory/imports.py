"""Import of organisations from CSV. The same columns are exported by directory/exports.py, so an export
can be imported again.

The columns are documented in docs/import-organisations.md. Import reads CSV (UTF-8 with or without a
BOM; comma or semicolon — Swedish Excel writes semicolons). Row numbers in
error messages are spreadsheet row numbers: the header is row 1, the first organisation row 2.

`organisation_import` is the service: all-or-nothing by default, `partial=True` saves the valid rows,
`dry_run=True` saves nothing and reports what would happen. Lookups are done once for the whole file
(existing orgnrs, services, municipalities), writes with bulk_create/bulk_update, so 10,000 rows take a
few seconds, not 10,000 queries.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from asfnet.access import is_coordinator
from asfnet.audit import audit_log
from asfnet.identifiers import format_orgnr, normalise_orgnr, normalise_sni
from directory.models import Municipality, Organisation, OrganisationChange, OrganisationKind, ServiceCategory
from directory.search import reindex
from directory.services import _as_text

REQUIRED_COLUMNS: tuple[str, ...] = ("orgnr", "name", "kind", "kommunkod", "employees")
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "legal_name",
    "website",
    "phone",
    "email",
    "street_address",
    "postal_code",
    "city",
    "latitude",
    "longitude",
    "description_sv",
    "description_en",
    "summary_easy_sv",
    "takes_placements",
    "placement_capacity",
    "services",
    "municipalities_served",
    "sni_codes",
    "published",
)
COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

_INTEGER_COLUMNS = frozenset({"employees", "placement_capacity"})
_DECIMAL_COLUMNS = frozenset({"latitude", "longitude"})
_BOOLEAN_COLUMNS = frozenset({"takes_placements", "published"})
_KINDS = tuple(OrganisationKind.values)
_M2M_COLUMNS = ("services", "municipalities_served")
LIST_SEPARATOR = "|"

_TRUE = frozenset({"true", "ja", "yes", "1", "sant", "j", "y"})
_FALSE = frozenset({"false", "nej", "no", "0", "falskt", "n"})
_COORDINATE_STEP = Decimal("0.000001")  # the model keeps six decimals (about 10 cm)

# Cells that a spreadsheet would run as a formula (security-checks E28). Exports prefix them with a
# single quote; imports remove that quote again, so an export can be imported unchanged.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
_BATCH = 1000


# --- The report -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RowError:
    """One problem: `row` is the spreadsheet row number (None for the file as a whole), `column` the
    column's name ("" for the row as a whole). The message is in the language active during the import."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        if self.column:
            return _("row %(row)s, %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("row %(row)s: %(message)s") % {"row": self.row, "message": self.message}


class RowAction:
    CREATE = "create"
    UPDATE = "update"
    ERROR = "error"
    LABELS = {
        CREATE: gettext_lazy("New"),
        UPDATE: gettext_lazy("Update"),
        ERROR: gettext_lazy("Error"),
    }


@dataclass
class RowOutcome:
    row: int
    orgnr: str
    name: str
    action: str

    @property
    def action_label(self) -> str:
        return str(RowAction.LABELS[self.action])


@dataclass
class ImportReport:
    """What an import did (or, for a dry run or a refused all-or-nothing import, would do)."""

    dry_run: bool = False
    partial: bool = False
    saved: bool = False
    rows: list[RowOutcome] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    organisation_ids: list[int] = field(default_factory=list)

    @property
    def created(self) -> int:
        return sum(1 for r in self.rows if r.action == RowAction.CREATE)

    @property
    def updated(self) -> int:
        return sum(1 for r in self.rows if r.action == RowAction.UPDATE)

    @property
    def failed_rows(self) -> int:
        return sum(1 for r in self.rows if r.action == RowAction.ERROR)

    @property
    def file_errors(self) -> list[RowError]:
        return [e for e in self.errors if e.row is None]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def can_save(self) -> bool:
        """Whether importing this file for real would save something."""
        if self.file_errors or not (self.created or self.updated):
            return False
        return self.partial or not self.errors


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, CSV syntax, columns)."""


# --- Reading ----------------------------------------------------------------------------------------------
def _unneutralise(value: str) -> str:
    if value[:1] == "'" and value[1:2] and value[1] in FORMULA_START:
        return value[1:]
    return value


def _decode(data: bytes) -> str:
    if data[:4] == b"PK\x03\x04":
        raise ImportFileError(
            _("This looks like an Excel workbook. Save it as “CSV UTF-8 (kommaavgränsad)” and upload that file.")
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            _("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8 (kommaavgränsad)”.")
        ) from error


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def read_rows(source: Any) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header (column names, lower case) and the data rows as (spreadsheet row number, cells).

    `source`: CSV text (str), CSV bytes, a pathlib.Path, an open file (text or binary), or an iterable of
    mappings (column → value), e.g. rows already parsed by another tool. Blank rows are skipped."""
    if isinstance(source, Path):
        source = source.read_bytes()
    elif hasattr(source, "read"):
        source = source.read()
    if isinstance(source, (bytes, bytearray, memoryview)):
        source = _decode(bytes(source))
    if isinstance(source, str):
        return _read_csv(source.removeprefix("\ufeff"))
    header: list[str] = []
    records: list[dict[str, Any]] = []
    for record in source:
        if not isinstance(record, Mapping):
            raise ImportFileError(_("Each row must map column names to values."))
        records.append(record)
        header.extend(str(key) for key in record if str(key) not in header)
    rows = [(number, [_cell(record.get(name)) for name in header]) for number, record in enumerate(records, start=2)]
    return [name.strip().lower() for name in header], rows


def _read_csv(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    end = text.find("\n")
    first_line = text[: end if end >= 0 else None]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if header is None:
                header = [cell.strip().lower() for cell in cells]
                continue
            if any(cell.strip() for cell in cells):
                rows.append((number, cells))
    except csv.Error as error:
        raise ImportFileError(
            _("The file is not valid CSV near row %(row)s. Check quotes and line breaks.") % {"row": number + 1}
        ) from error
    if not header or not any(header):
        raise ImportFileError(_("The file is empty. The first row must name the columns."))
    if not rows:
        raise ImportFileError(_("The file has no organisations: there are no rows after the header."))
    return header, rows


def check_columns(header: list[str]) -> list[str]:
    """Problems with the header row, each one sentence."""
    problems = []
    duplicates = sorted({name for name in header if header.count(name) > 1 and name})
    if duplicates:
        problems.append(_("These columns appear more than once: %(columns)s.") % {"columns": ", ".join(duplicates)})
    unknown = [name or "(empty)" for name in header if name not in COLUMNS]
    if unknown:
        problems.append(
            _("Unknown columns: %(columns)s. The columns are: %(known)s.")
            % {"columns": ", ".join(unknown), "known": ", ".join(COLUMNS)}
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        problems.append(_("Required columns are missing: %(columns)s.") % {"columns": ", ".join(missing)})
    return problems


# --- Parsing one row --------------------------------------------------------------------------------------
class _CellError(Exception):
    pass


def _parse_int(value: str) -> int | None:
    value = value.replace(" ", "").replace("\u00a0", "")
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise _CellError(_("Enter a whole number.")) from None


def _parse_decimal(value: str) -> Decimal | None:
    value = value.replace(" ", "").replace("\u00a0", "").replace(",", ".")
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise _CellError(_("Enter a number.")) from None
    try:
        if not number.is_finite():
            raise InvalidOperation
        return number.quantize(_COORDINATE_STEP)
    except InvalidOperation:  # NaN, Infinity, or too many digits to round
        raise _CellError(_("Enter a number.")) from None


def _parse_bool(value: str) -> bool | None:
    lowered = value.lower()
    if not lowered:
        return None
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise _CellError(_("Write true or false (or ja or nej)."))


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(LIST_SEPARATOR) if item.strip()]


def _kommunkod(value: str) -> str:
    # Excel drops a leading zero (0180 → 180); every kommunkod has four digits.
    return value.zfill(4) if len(value) == 3 and value.isdigit() else value


@dataclass
class _Lookups:
    existing: dict[str, Organisation]
    service_ids: dict[str, int]
    municipality_codes: set[str]
    current_links: dict[str, dict[int, list[str]]]

    def current_text(self, organisation: Organisation, name: str) -> str:
        """A field's current value as the history shows it (many-to-many: sorted slugs or codes)."""
        if name in self.current_links:
            return ", ".join(sorted(self.current_links[name].get(organisation.pk, [])))
        return _as_text(getattr(organisation, name))

    @property
    def service_slugs(self) -> dict[int, str]:
        return {pk: slug for slug, pk in self.service_ids.items()}


@dataclass
class _ValidRow:
    number: int
    organisation: Organisation
    is_new: bool
    m2m: dict[str, list[Any]]
    before: dict[str, str]


def _parse_cells(
    values: dict[str, str], lookups: _Lookups
) -> tuple[dict[str, Any], dict[str, list[Any]], list[tuple[str, str]]]:
    """Convert the cells of one row to model values. Returns (scalar values, m2m values, errors)."""
    scalars: dict[str, Any] = {}
    m2m: dict[str, list[Any]] = {}
    errors: list[tuple[str, str]] = []
    for column, value in values.items():
        try:
            if column == "orgnr":
                continue  # handled by the caller
            if column in _INTEGER_COLUMNS:
                scalars[column] = _parse_int(value)
            elif column in _DECIMAL_COLUMNS:
                scalars[column] = _parse_decimal(value)
            elif column in _BOOLEAN_COLUMNS:
                parsed = _parse_bool(value)
                if parsed is not None:  # empty: the default for a new organisation, unchanged for an existing one
                    scalars[column] = parsed
            elif column == "services":
                slugs = _split(value)
                unknown = [slug for slug in slugs if slug not in lookups.service_ids]
                if unknown:
                    raise _CellError(_("Unknown services: %(values)s.") % {"values": ", ".join(unknown)})
                m2m[column] = sorted({lookups.service_ids[slug] for slug in slugs})
            elif column == "municipalities_served":
                codes = [_kommunkod(code) for code in _split(value)]
                unknown = [code for code in codes if code not in lookups.municipality_codes]
                if unknown:
                    raise _CellError(_("Unknown municipality codes: %(values)s.") % {"values": ", ".join(unknown)})
                m2m[column] = sorted(set(codes))
            elif column == "sni_codes":
                codes = []
                for code in _split(value):
                    try:
                        codes.append(normalise_sni(code))
                    except ValidationError as error:
                        raise _CellError(" ".join(error.messages)) from None
                scalars[column] = list(dict.fromkeys(codes))
            elif column == "kind":
                kind = value.lower()
                if kind and kind not in _KINDS:
                    raise _CellError(
                        _("Unknown type “%(value)s”. Use one of: %(choices)s.")
                        % {"value": value, "choices": ", ".join(_KINDS)}
                    )
                scalars[column] = kind
            elif column == "kommunkod":
                scalars[column] = _kommunkod(value)
            elif column == "website":
                # Like the profile form: a bare domain means https (anything with a scheme is left to the validator).
                scalars[column] = f"https://{value}" if value and ":" not in value else value
            else:
                scalars[column] = value
        except _CellError as error:
            errors.append((column, str(error)))
    return scalars, m2m, errors


def _validation_errors(error: ValidationError) -> list[tuple[str, str]]:
    if not hasattr(error, "error_dict"):
        return [("", message) for message in error.messages]
    found = []
    for name, field_errors in error.message_dict.items():
        column = "" if name == NON_FIELD_ERRORS else name
        found.extend((column, message) for message in field_errors)
    return found


# Never validated by the import (not in the file, and validating the users would be a query per row).
_NOT_VALIDATED = ["confirmed_by", "verified_by", "logo"]


def _validate(
    header: list[str], rows: list[tuple[int, list[str]]], lookups: _Lookups, report: ImportReport
) -> list[_ValidRow]:
    valid: list[_ValidRow] = []
    first_row_of: dict[str, int] = {}
    for number, cells in rows:
        if len(cells) > len(header):
            report.errors.append(RowError(number, "", _("This row has more cells than there are columns.")))
            report.rows.append(RowOutcome(number, "", "", RowAction.ERROR))
            continue
        padded = cells + [""] * (len(header) - len(cells))
        values = {name: _unneutralise(cell.strip()).strip() for name, cell in zip(header, padded, strict=True)}
        errors: list[tuple[str, str]] = []
        orgnr = ""
        try:
            orgnr = normalise_orgnr(values["orgnr"])
        except ValidationError as error:
            errors.append(("orgnr", " ".join(error.messages)))
        if orgnr and orgnr in first_row_of:
            errors.append(
                (
                    "orgnr",
                    _("The organisation number %(orgnr)s is also on row %(row)s.")
                    % {"orgnr": format_orgnr(orgnr), "row": first_row_of[orgnr]},
                )
            )
        elif orgnr:
            first_row_of[orgnr] = number
        null_columns = [name for name, value in values.items() if "\x00" in value]
        errors.extend((name, _("Null characters are not allowed.")) for name in null_columns)
        scalars, m2m, cell_errors = _parse_cells(
            {name: value for name, value in values.items() if name not in null_columns}, lookups
        )
        errors.extend(cell_errors)

        # A later row with the same orgnr is validated on a copy, so it never touches the first row's object.
        duplicate = bool(orgnr) and first_row_of.get(orgnr) != number
        existing = lookups.existing.get(orgnr) if orgnr and not duplicate else None
        organisation = existing if existing is not None else Organisation(orgnr=orgnr)
        before = {name: lookups.current_text(organisation, name) for name in [*scalars, *m2m]} if existing else {}
        for name, value in scalars.items():
            setattr(organisation, name, value)
        exclude = [*_NOT_VALIDATED, *(column for column, _message in errors)]
        if existing is not None:  # only the columns in the file change, so only they are checked
            exclude.extend(f.name for f in Organisation._meta.concrete_fields if f.name not in header)
        if not orgnr or duplicate:
            exclude.append("orgnr")
        try:
            organisation.full_clean(exclude=exclude, validate_unique=False)
        except ValidationError as error:
            # A rule across fields ("both latitude and longitude") is often only the echo of a cell that
            # could not be read; it is reported once the cells are right.
            errors.extend(e for e in _validation_errors(error) if e[0] or not errors)

        display_orgnr = format_orgnr(orgnr) if orgnr else values["orgnr"]
        if errors:
            report.errors.extend(RowError(number, column, message) for column, message in errors)
            name = values.get("name", "").replace("\x00", "")
            report.rows.append(RowOutcome(number, display_orgnr.replace("\x00", ""), name, RowAction.ERROR))
            continue
        action = RowAction.UPDATE if existing else RowAction.CREATE
        report.rows.append(RowOutcome(number, display_orgnr, organisation.name, action))
        valid.append(_ValidRow(number, organisation, existing is None, m2m, before))
    return valid


# --- Saving -----------------------------------------------------------------------------------------------
def _update_rows(organisations: list[Organisation], names: list[str]) -> None:
    """Write `names` of these organisations. On PostgreSQL one `UPDATE … FROM (VALUES …)` per batch:
    Django's bulk_update builds a CASE expression per column and row, which for 10,000 rows spends most
    of a minute in Python. Elsewhere (the SQLite embedded default) bulk_update."""
    if connection.vendor != "postgresql":
        Organisation.objects.bulk_update(organisations, names, batch_size=100)
        return
    fields = [Organisation._meta.get_field(name) for name in names]
    table = connection.ops.quote_name(Organisation._meta.db_table)
    columns = [connection.ops.quote_name(f.column) for f in fields]
    casts = ", ".join(["%s::integer", *(f"%s::{f.db_type(connection)}" for f in fields)])
    assignments = ", ".join(f"{column} = v.{column}" for column in columns)
    batch = max(1, 30_000 // (len(fields) + 1))
    with connection.cursor() as cursor:
        for start in range(0, len(organisations), batch):
            chunk = organisations[start : start + batch]
            params: list[Any] = []
            for organisation in chunk:
                params.append(organisation.pk)
                params.extend(f.get_db_prep_save(getattr(organisation, f.attname), connection) for f in fields)
            values = ", ".join([f"({casts})"] * len(chunk))
            cursor.execute(
                f"UPDATE {table} AS o SET {assignments} FROM (VALUES {values}) AS v(id, {', '.join(columns)}) "  # noqa: S608 - names from model metadata, values are parameters
                "WHERE o.id = v.id",
                params,
            )


def _save(*, actor: Any, header: list[str], valid: list[_ValidRow], lookups: _Lookups) -> list[int]:
    now = timezone.now()
    new = [row.organisation for row in valid if row.is_new]
    changed = [row for row in valid if not row.is_new]
    Organisation.objects.bulk_create(new, batch_size=_BATCH)

    scalar_columns = [name for name in header if name not in _M2M_COLUMNS and name != "orgnr"]
    if changed:
        for row in changed:
            row.organisation.updated_at = now
        _update_rows([row.organisation for row in changed], [*scalar_columns, "updated_at"])

    for column, target in (("services", "servicecategory_id"), ("municipalities_served", "municipality_id")):
        if column not in header:
            continue
        through = getattr(Organisation, column).through
        through.objects.filter(organisation_id__in=[row.organisation.pk for row in changed]).delete()
        through.objects.bulk_create(
            [
                through(organisation_id=row.organisation.pk, **{target: value})
                for row in valid
                for value in row.m2m.get(column, [])
            ],
            batch_size=_BATCH * 5,
        )

    slugs = lookups.service_slugs
    history = []
    for row in changed:
        for name, old in row.before.items():
            if name in row.m2m:
                items = row.m2m[name]
                new_text = ", ".join(sorted(slugs[i] if name == "services" else str(i) for i in items))
            else:
                new_text = _as_text(getattr(row.organisation, name))
            if new_text != old:
                history.append(
                    OrganisationChange(
                        organisation=row.organisation,
                        changed_at=now,
                        changed_by=actor if getattr(actor, "is_authenticated", False) else None,
                        field=name,
                        old_value=old,
                        new_value=new_text,
                    )
                )
    OrganisationChange.objects.bulk_create(history, batch_size=_BATCH)
    return [row.organisation.pk for row in valid]


def _lookups(*, header: list[str], rows: list[tuple[int, list[str]]], lock: bool) -> _Lookups:
    orgnrs = set()
    position = header.index("orgnr")
    for _number, cells in rows:
        if position < len(cells):
            try:
                orgnrs.add(normalise_orgnr(_unneutralise(cells[position].strip())))
            except ValidationError:
                continue
    existing = Organisation.objects.filter(orgnr__in=orgnrs)
    if lock:
        existing = existing.select_for_update(of=("self",))
    existing_by_orgnr = {org.orgnr: org for org in existing}
    services = dict(ServiceCategory.objects.values_list("slug", "pk")) if "services" in header else {}
    municipalities = (
        set(Municipality.objects.values_list("code", flat=True)) if "municipalities_served" in header else set()
    )
    # The current services and municipalities served of the organisations to update, as slugs and codes
    # (for the history), read as plain values: far cheaper than prefetching model instances.
    links: dict[str, dict[int, list[str]]] = {}
    ids = [org.pk for org in existing_by_orgnr.values()]
    for column, value in (("services", "servicecategory__slug"), ("municipalities_served", "municipality_id")):
        if column in header:
            links[column] = {}
            through = getattr(Organisation, column).through.objects.filter(organisation_id__in=ids)
            for organisation_id, item in through.values_list("organisation_id", value):
                links[column].setdefault(organisation_id, []).append(str(item))
    return _Lookups(
        existing=existing_by_orgnr, service_ids=services, municipality_codes=municipalities, current_links=links
    )


# --- The service ------------------------------------------------------------------------------------------
def organisation_import(*, actor: Any, rows_or_file: Any, partial: bool = False, dry_run: bool = False) -> ImportReport:
    """Create or update organisations from CSV (see `read_rows` for what `rows_or_file` may be).

    Every row is validated with the model's full_clean(); orgnr is normalised, so 222000-2204, 2220002204
    and 16222000-2204 are one organisation. An orgnr already in the database updates that organisation
    (only the columns in the file change; an empty true/false cell leaves it as it is); the same orgnr
    twice in the file is an error on the later row.

    All-or-nothing by default: any error and nothing is saved. `partial=True` saves the valid rows and
    reports the others. `dry_run=True` saves nothing and reports what would happen. `actor` is a
    coordinator, or None for the command line. One audit row per import that is not a dry run (counts,
    never data); the search index is updated once for every saved organisation."""
    if actor is not None and not is_coordinator(actor):
        raise PermissionDenied
    report = ImportReport(dry_run=dry_run, partial=partial)
    try:
        header, rows = read_rows(rows_or_file)
    except ImportFileError as error:
        report.errors.append(RowError(None, "", str(error)))
        return report
    problems = check_columns(header)
    if problems:
        report.errors.extend(RowError(None, "", problem) for problem in problems)
        return report
    try:
        with transaction.atomic():
            lookups = _lookups(header=header, rows=rows, lock=not dry_run)
            valid = _validate(header, rows, lookups, report)
            if dry_run:
                return report
            if valid and (partial or not report.errors):
                report.organisation_ids = _save(actor=actor, header=header, valid=valid, lookups=lookups)
                report.saved = True
                reindex(report.organisation_ids)
            audit_log(
                actor=actor,
                action="organisation.import",
                data={
                    "created": report.created if report.saved else 0,
                    "updated": report.updated if report.saved else 0,
                    "refused_rows": report.failed_rows,
                    "rows": len(rows),
                    "partial": partial,
                    "saved": report.saved,
                },
            )
    except IntegrityError:
        report.saved = False
        report.organisation_ids = []
        report.errors.append(
            RowError(
                None,
                "",
                _("Someone changed the same organisations at the same time, so nothing was saved. Try again."),
            )
        )
    return report
