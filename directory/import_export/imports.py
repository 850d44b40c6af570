"""Import of organisations from CSV. The same columns are exported by directory/import_export/exports.py, so an export
can be imported again.

The columns are documented in docs/import-organisations.md. Reading, the file policy (UTF-8, comma or
semicolon, size), the cells' parsing and the error type are kernel/tabular.py's, shared by every import. Row
numbers in error messages are spreadsheet row numbers: the header is row 1, the first organisation row 2.

`organisation_import` is the service: all-or-nothing by default, `partial=True` saves the valid rows,
`dry_run=True` saves nothing and reports what would happen. Lookups are done once for the whole file
(existing orgnrs, services, municipalities). On PostgreSQL new rows are written with COPY and updates with
one `UPDATE … FROM (VALUES …)` per batch, the search text computed in Python as the rows are written (no
second pass), so 10,000 rows take seconds, not 10,000 queries; elsewhere (the SQLite embedded default)
bulk_create/bulk_update.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from directory.access import Actor
from directory.models import Municipality, Organisation, OrganisationChange, OrganisationKind, ServiceCategory
from directory.search import reindex_vectors, search_text
from directory.services import _as_text
from kernel import bulk, tabular
from kernel.audit import audit_log
from kernel.identifiers import format_orgnr, normalise_orgnr, normalise_sni
from kernel.models import concrete_field
from kernel.tabular import Column, RowError, lazy_message


def _website(value: str) -> str:
    # Like the profile form: a bare domain means https (anything with a scheme is left to the validator).
    return f"https://{value}" if value and ":" not in value else value


SPEC: tuple[Column, ...] = (
    Column("orgnr", normalise_orgnr, required=True),
    Column("name", required=True),
    Column("kind", tabular.parse_choice(OrganisationKind), required=True),
    # Checked against the municipality reference at import time (organisation_import: parse_municipality).
    Column("kommunkod", tabular.parse_kommunkod, required=True, blank=False),
    Column("employees", tabular.parse_integer, required=True),
    Column("legal_name"),
    Column("website", _website),
    Column("phone"),
    Column("email"),
    Column("street_address"),
    Column("postal_code"),
    Column("city"),
    Column("latitude", tabular.parse_decimal(6)),  # the model keeps six decimals (about 10 cm)
    Column("longitude", tabular.parse_decimal(6)),
    Column("description_sv"),
    Column("description_en"),
    Column("summary_easy_sv"),
    Column("takes_placements", tabular.parse_boolean),
    Column("placement_capacity", tabular.parse_integer),
    Column("services", tabular.parse_list()),
    Column("municipalities_served", tabular.parse_list(tabular.parse_kommunkod)),
    Column("sni_codes", tabular.parse_list(normalise_sni)),
    Column("published", tabular.parse_boolean),
)
COLUMNS: tuple[str, ...] = tuple(column.name for column in SPEC)
REQUIRED_COLUMNS: tuple[str, ...] = tuple(column.name for column in SPEC if column.required)
OPTIONAL_COLUMNS: tuple[str, ...] = tuple(column.name for column in SPEC if not column.required)

_BOOLEAN_COLUMNS = ("takes_placements", "published")
_M2M_COLUMNS = ("services", "municipalities_served")
LIST_SEPARATOR = tabular.LIST_SEPARATOR
_BATCH = 1000


# --- The report -------------------------------------------------------------------------------------------
class RowAction:
    CREATE = "create"
    UPDATE = "update"
    ERROR = "error"
    LABELS = {
        CREATE: _("New"),
        UPDATE: _("Update"),
        ERROR: _("Error"),
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

    def summary(self) -> str:
        """The counts in whole sentences, each noun in the number its count needs ("1 organisation", never
        "1 organisations"), for the import page and the command alike."""
        created, updated, failed = self.created, self.updated, self.failed_rows
        if self.dry_run:
            text = [
                ngettext(
                    "%(count)s organisation would be created.", "%(count)s organisations would be created.", created
                )
                % {"count": created},
                ngettext(
                    "%(count)s organisation would be updated.", "%(count)s organisations would be updated.", updated
                )
                % {"count": updated},
            ]
        elif self.saved:
            text = [
                ngettext("%(count)s organisation was created.", "%(count)s organisations were created.", created)
                % {"count": created},
                ngettext("%(count)s organisation was updated.", "%(count)s organisations were updated.", updated)
                % {"count": updated},
            ]
        else:
            text = [str(_("Nothing was saved."))]
        if failed and self.saved:
            text.append(
                ngettext("%(count)s row was skipped.", "%(count)s rows were skipped.", failed) % {"count": failed}
            )
        elif failed:
            text.append(
                ngettext("%(count)s row has errors.", "%(count)s rows have errors.", failed) % {"count": failed}
            )
        return " ".join(text)

    @property
    def can_save(self) -> bool:
        """Whether importing this file for real would save something."""
        if self.file_errors or not (self.created or self.updated):
            return False
        return self.partial or not self.errors


# --- Checking the rows ------------------------------------------------------------------------------------
@dataclass
class _Lookups:
    existing: dict[str, Organisation]
    service_ids: dict[str, int]
    municipality_codes: set[str]
    current_links: dict[str, dict[int, list[str]]]
    # For the search text: every service's names in the services' order, and the current services of the
    # organisations to update.
    service_names: dict[int, tuple[str, str]]
    current_services: dict[int, list[int]]

    def current_text(self, organisation: Organisation, name: str) -> str:
        """A field's current value as the history shows it (many-to-many: sorted slugs or codes)."""
        if name in self.current_links:
            return ", ".join(sorted(self.current_links[name].get(organisation.pk, [])))
        return _as_text(getattr(organisation, _attname(name)))

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


def _links(number: int, values: dict[str, Any], lookups: _Lookups) -> tuple[dict[str, list[Any]], list[RowError]]:
    """The services and municipalities served of a row as ids and codes; unknown ones are errors."""
    m2m: dict[str, list[Any]] = {}
    errors: list[RowError] = []
    known_in = {"services": lookups.service_ids, "municipalities_served": lookups.municipality_codes}
    messages = {
        "services": _("Unknown services: %(values)s."),
        "municipalities_served": _("Unknown municipality codes: %(values)s."),
    }
    for column in _M2M_COLUMNS:
        if column not in values:
            continue
        items = values.pop(column)
        unknown = [item for item in items if item not in known_in[column]]
        if unknown:
            errors.append(
                RowError(number, column, lazy_message(messages[column], {"values": ", ".join(unknown)}), "unknown")
            )
        elif column == "services":
            m2m[column] = sorted({lookups.service_ids[slug] for slug in items})
        else:
            m2m[column] = sorted(items)
    return m2m, errors


# Never validated by the import (not in the file, and validating the users would be a query per row;
# kommunkod is checked against the municipality reference when the cell is read).
_NOT_VALIDATED = ["confirmed_by", "verified_by", "logo", "kommunkod"]


def _attname(name: str) -> str:
    """The attribute holding a field's stored value: the code for the municipality (kommunkod_id), so the
    history records codes as before, without loading the Municipality."""
    return concrete_field(Organisation, name).attname


def _validate(
    table: tabular.Table, parsed: list[tuple[dict[str, Any], list[RowError]]], lookups: _Lookups, report: ImportReport
) -> list[_ValidRow]:
    header = table.columns
    valid: list[_ValidRow] = []
    first_row_of: dict[str, int] = {}
    for error in table.errors:  # rows that could not be read
        report.errors.append(error)
        report.rows.append(RowOutcome(error.row or 0, "", "", RowAction.ERROR))
    for row, (values, cell_errors) in zip(table.rows, parsed, strict=True):
        number = row.number
        values = dict(values)
        errors = list(cell_errors)
        orgnr = values.pop("orgnr", "")
        if orgnr and orgnr in first_row_of:
            message = _("The organisation number %(orgnr)s is also on row %(row)s.")
            params = {"orgnr": format_orgnr(orgnr), "row": first_row_of[orgnr]}
            errors.append(RowError(number, "orgnr", lazy_message(message, params), "duplicate"))
        elif orgnr:
            first_row_of[orgnr] = number
        m2m, link_errors = _links(number, values, lookups)
        errors.extend(link_errors)
        for column in _BOOLEAN_COLUMNS:  # empty: the default for a new organisation, unchanged for an existing one
            if column in values and values[column] is None:
                del values[column]

        # A later row with the same orgnr is validated on a copy, so it never touches the first row's object.
        duplicate = bool(orgnr) and first_row_of.get(orgnr) != number
        existing = lookups.existing.get(orgnr) if orgnr and not duplicate else None
        organisation = existing if existing is not None else Organisation(orgnr=orgnr)
        before = {name: lookups.current_text(organisation, name) for name in [*values, *m2m]} if existing else {}
        for name, value in values.items():
            setattr(organisation, name, value)
        exclude = list(_NOT_VALIDATED)
        if existing is not None:  # only the columns in the file change, so only they are checked
            exclude.extend(f.name for f in Organisation._meta.concrete_fields if f.name not in header)
        if not orgnr or duplicate:
            exclude.append("orgnr")
        errors.extend(
            tabular.full_clean_row(organisation, row=number, errors=errors, exclude=exclude, validate_unique=False)
        )

        display_orgnr = format_orgnr(orgnr) if orgnr else row.cells["orgnr"].replace("\x00", "")
        if errors:
            report.errors.extend(errors)
            name = row.cells.get("name", "").replace("\x00", "")
            report.rows.append(RowOutcome(number, display_orgnr, name, RowAction.ERROR))
            continue
        action = RowAction.UPDATE if existing else RowAction.CREATE
        report.rows.append(RowOutcome(number, display_orgnr, organisation.name, action))
        valid.append(_ValidRow(number, organisation, existing is None, m2m, before))
    report.rows.sort(key=lambda outcome: outcome.row)
    report.errors.sort(key=lambda error: error.row or 0)
    return valid


# --- Saving -----------------------------------------------------------------------------------------------
def _column_field(name: str) -> models.Field[Any, Any]:
    field = Organisation._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.concrete:
        raise ValueError(f"{name} is not a column of the organisation table")
    return field


def _update_rows(organisations: list[Organisation], names: list[str]) -> None:
    """Write `names` of these organisations. On PostgreSQL one `UPDATE … FROM (VALUES …)` per batch:
    Django's bulk_update builds a CASE expression per column and row, which for 10,000 rows spends most
    of a minute in Python. Elsewhere (the SQLite embedded default) bulk_update."""
    if connection.vendor != "postgresql":
        Organisation.objects.bulk_update(organisations, names, batch_size=100)
        return
    fields = [_column_field(name) for name in names]
    table = connection.ops.quote_name(Organisation._meta.db_table)
    columns = [connection.ops.quote_name(f.get_attname_column()[1]) for f in fields]
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


def _row_search_text(row: _ValidRow, lookups: _Lookups, order: dict[int, int]) -> str:
    """The search text of a row as directory.search.reindex would compute it once saved (`order`: each
    service's position in the services' order)."""
    organisation = row.organisation
    if "services" in row.m2m:
        service_ids = row.m2m["services"]
    elif row.is_new:
        service_ids = []
    else:
        service_ids = lookups.current_services.get(organisation.pk, [])
    return search_text(
        name=organisation.name,
        legal_name=organisation.legal_name,
        city=organisation.city,
        services=[lookups.service_names[pk] for pk in sorted(service_ids, key=order.__getitem__)],
    )


def _save(*, actor: Actor | None, header: list[str], valid: list[_ValidRow], lookups: _Lookups) -> list[int]:
    now = timezone.now()
    order = {pk: position for position, pk in enumerate(lookups.service_names)}
    for row in valid:  # computed as the rows are written, so the index needs no second pass over them
        row.organisation.search_text = _row_search_text(row, lookups, order)
    new = [row.organisation for row in valid if row.is_new]
    changed = [row for row in valid if not row.is_new]
    bulk.insert(Organisation, new, skip=["search_vector"])  # the tsvector is computed in SQL afterwards

    scalar_columns = [name for name in header if name not in _M2M_COLUMNS and name != "orgnr"]
    if changed:
        for row in changed:
            row.organisation.updated_at = now
        _update_rows([row.organisation for row in changed], [*scalar_columns, "updated_at", "search_text"])

    for column, target in (("services", "servicecategory_id"), ("municipalities_served", "municipality_id")):
        if column not in header:
            continue
        through = getattr(Organisation, column).through
        through.objects.filter(organisation_id__in=[row.organisation.pk for row in changed]).delete()
        bulk.insert_links(
            through,
            ("organisation_id", target),
            [(row.organisation.pk, value) for row in valid for value in row.m2m.get(column, [])],
        )

    slugs = lookups.service_slugs
    history = []
    for row in changed:
        for name, old in row.before.items():
            if name in row.m2m:
                items = row.m2m[name]
                new_text = ", ".join(sorted(slugs[i] if name == "services" else str(i) for i in items))
            else:
                new_text = _as_text(getattr(row.organisation, _attname(name)))
            if new_text != old:
                history.append(
                    OrganisationChange(
                        organisation=row.organisation,
                        changed_at=now,
                        changed_by=actor.user if actor is not None else None,
                        field=name,
                        old_value=old,
                        new_value=new_text,
                    )
                )
    OrganisationChange.objects.bulk_create(history, batch_size=_BATCH)
    return [row.organisation.pk for row in valid]


def _lookups(*, header: list[str], orgnrs: set[str], lock: bool, municipality_codes: set[str]) -> _Lookups:
    existing = Organisation.objects.filter(orgnr__in=orgnrs)
    if lock:
        existing = existing.select_for_update(of=("self",))
    existing_by_orgnr = {org.orgnr: org for org in existing}
    services = dict(ServiceCategory.objects.values_list("slug", "pk")) if "services" in header else {}
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
    names = {
        pk: (name_sv, name_en)
        for pk, name_sv, name_en in ServiceCategory.objects.values_list("pk", "name_sv", "name_en")
    }
    current_services: dict[int, list[int]] = {}
    if "services" not in header and ids:
        through = Organisation.services.through.objects.filter(organisation_id__in=ids)
        for organisation_id, service_id in through.values_list("organisation_id", "servicecategory_id"):
            current_services.setdefault(organisation_id, []).append(service_id)
    return _Lookups(
        existing=existing_by_orgnr,
        service_ids=services,
        municipality_codes=municipality_codes,
        current_links=links,
        service_names=names,
        current_services=current_services,
    )


# --- The service ------------------------------------------------------------------------------------------
def organisation_import(
    *, actor: Actor | None, rows_or_file: Any, partial: bool = False, dry_run: bool = False
) -> ImportReport:
    """Create or update organisations from CSV (see kernel.tabular.read_table for what `rows_or_file` may be).

    Every row is validated with the model's full_clean(); orgnr is normalised, so 222000-2204, 2220002204
    and 16222000-2204 are one organisation. An orgnr already in the database updates that organisation
    (only the columns in the file change; an empty true/false cell leaves it as it is); the same orgnr
    twice in the file is an error on the later row.

    All-or-nothing by default: any error and nothing is saved. `partial=True` saves the valid rows and
    reports the others. `dry_run=True` saves nothing and reports what would happen. `actor` is a
    coordinator, or None for the command line. One audit row per import that is not a dry run (counts,
    never data); the search text is written with the rows, the tsvector once for every saved organisation."""
    if actor is not None and not actor.is_coordinator:
        raise PermissionDenied
    report = ImportReport(dry_run=dry_run, partial=partial)
    try:
        table = tabular.read_table(rows_or_file, SPEC)
    except tabular.FileError as error:
        report.errors.extend(error.errors)
        return report
    if not table.rows and not table.errors:
        message = _("The file has no organisations: there are no rows after the header.")
        report.errors.append(RowError(None, "", message, "no_rows"))
        return report
    municipalities = Municipality.objects.only("code", "name").in_bulk()
    spec = tabular.with_parser(SPEC, "kommunkod", tabular.parse_municipality(municipalities))
    parsed = [tabular.parse_row(row, spec) for row in table.rows]
    orgnrs = {values["orgnr"] for values, _errors in parsed if values.get("orgnr")}
    header = table.columns
    try:
        with transaction.atomic():
            lookups = _lookups(header=header, orgnrs=orgnrs, lock=not dry_run, municipality_codes=set(municipalities))
            valid = _validate(table, parsed, lookups, report)
            if dry_run:
                return report
            if valid and (partial or not report.errors):
                report.organisation_ids = _save(actor=actor, header=header, valid=valid, lookups=lookups)
                report.saved = True
                reindex_vectors(report.organisation_ids)
            audit_log(
                actor=actor.user if actor is not None else None,
                action="organisation.import",
                data={
                    "created": report.created if report.saved else 0,
                    "updated": report.updated if report.saved else 0,
                    "refused_rows": report.failed_rows,
                    "rows": len(table.rows) + len(table.errors),
                    "partial": partial,
                    "saved": report.saved,
                },
            )
    except IntegrityError:
        report.saved = False
        report.organisation_ids = []
        message = _("Someone changed the same organisations at the same time, so nothing was saved. Try again.")
        report.errors.append(RowError(None, "", message, "conflict"))
    return report
