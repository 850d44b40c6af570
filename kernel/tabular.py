"""Tabular input and output: the one module every importer and exporter uses.

Reading (an import):

* the file policy: UTF-8 with or without a byte-order mark (anything else, and Excel workbooks, are refused
  with a message saying how to save the file), comma- or semicolon-separated (whichever the header row uses
  more: Swedish Excel writes semicolons), at most MAX_ROWS rows; uploads at most
  settings.TABULAR_MAX_UPLOAD_BYTES (`UploadField`, checked before the file is read);
* declared columns (`Column`: name, header aliases, required, a parse function that returns the clean value
  or raises a coded ValidationError), with parse helpers shared by every importer: one true/false vocabulary,
  dates, whole numbers, decimals with a Swedish decimal comma, choices by code or label, kommunkod (and a
  municipality checked against the reference the importer passes in), lists;
* one error type (`RowError`: file, spreadsheet row, column, message in the user's language, code);
* `full_clean_row`: the model's own validation for every row, its errors as RowErrors;
* `atomic_import`: one transaction for the whole import that keeps nothing when any row has an error.

Writing (an export): `csv_lines`/`write_csv` and `write_xlsx` (openpyxl), and `neutralise`, the one guard
against spreadsheet formula injection: a text cell starting with = + - @, tab or carriage return is written
with a leading single quote, so a spreadsheet shows it instead of running it. The import removes such a quote
again (`unneutralise`), so an export can be imported unchanged.

This module imports no app of the project: only Django, the standard library and openpyxl.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils import translation
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# --- Messages ---------------------------------------------------------------------------------------------


def _render(message: Any, params: Any) -> str:
    # `message % params` (not str(message) % params): a lazy plural picks its form from the count in params.
    return str(message % params) if params else str(message)


# A message with its parameters, translated only when it is shown (str()), in the language active then.
lazy_message: Callable[[Any, Any], str] = lazy(_render, str)


@dataclass(frozen=True)
class RowError:
    """One problem in an import. `row` is the spreadsheet row number (the header is row 1; None: the file
    or the command as a whole); `column` the column's name ("" for the row as a whole; for a problem with
    a command's option, the option); `file` the file's name where an import reads several files. `message`
    is lazy: it is translated when shown. `code` says what kind of problem it is, for programs."""

    row: int | None
    column: str
    message: str | Promise
    code: str = "invalid"
    file: str = ""

    def __str__(self) -> str:
        message = str(self.message)
        if self.row is None:
            where = self.file or self.column
            return gettext("%(file)s: %(message)s") % {"file": where, "message": message} if where else message
        if self.file:
            if self.column:
                return gettext("%(file)s, row %(row)s, column %(column)s: %(message)s") % {
                    "file": self.file,
                    "row": self.row,
                    "column": self.column,
                    "message": message,
                }
            return gettext("%(file)s, row %(row)s: %(message)s") % {
                "file": self.file,
                "row": self.row,
                "message": message,
            }
        if self.column:
            return gettext("row %(row)s, %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": message,
            }
        return gettext("row %(row)s: %(message)s") % {"row": self.row, "message": message}


def row_errors(error: ValidationError, *, row: int | None, column: str = "", file: str = "") -> list[RowError]:
    """A ValidationError as RowErrors, messages kept lazy. A model's error dict names the columns (its
    field names; NON_FIELD_ERRORS: the row as a whole); otherwise every message is on `column`."""
    by_column = error.error_dict if hasattr(error, "error_dict") else {column: error.error_list}
    return [
        RowError(
            row=row,
            column="" if name == NON_FIELD_ERRORS else name,
            message=lazy_message(item.message, item.params),
            code=item.code or "invalid",
            file=file,
        )
        for name, items in by_column.items()
        for item in items
    ]


class FileError(Exception):
    """The file as a whole cannot be imported (encoding, CSV syntax, columns, size): `errors` says why."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def _file_error(message: Any, code: str, params: Any = None, *, file: str = "") -> FileError:
    return FileError([RowError(None, "", lazy_message(message, params), code, file)])


# --- Parse helpers (a Column's `parse`): the clean value, or a ValidationError with a code -----------------

# The one true/false vocabulary of every import: English and Swedish words, their first letters, 1/0 and
# Excel's Swedish SANT/FALSKT. Any case; surrounding whitespace ignored.
TRUE_WORDS = frozenset({"true", "yes", "y", "ja", "j", "sant", "1"})
FALSE_WORDS = frozenset({"false", "no", "n", "nej", "falskt", "0"})

_SPACES = re.compile(r"[\s\u00a0\u202f]+")  # also the (narrow) no-break space Swedish Excel puts in 1 000


def parse_text(value: str) -> str:
    return value


def parse_boolean(value: str) -> bool | None:
    """True or False; None for an empty cell."""
    word = value.strip().casefold()
    if not word:
        return None
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValidationError(_("Write true or false (or 1 or 0, ja or nej)."), code="boolean")


def parse_integer(value: str) -> int | None:
    """A whole number, spaces between the digits allowed (1 000); None for an empty cell."""
    digits = _SPACES.sub("", value)
    if not digits:
        return None
    if not re.fullmatch(r"[+-]?[0-9]+", digits):
        raise ValidationError(_("Enter a whole number."), code="integer")
    try:
        return int(digits)
    except ValueError:  # more digits than Python converts
        raise ValidationError(_("Enter a whole number."), code="integer") from None


def parse_decimal(places: int | None = None) -> Callable[[str], Decimal | None]:
    """A parser of decimal numbers with a point or a Swedish decimal comma (65,3167), rounded to `places`
    decimals; None for an empty cell."""
    step = Decimal(1).scaleb(-places) if places is not None else None

    def parse(value: str) -> Decimal | None:
        text = _SPACES.sub("", value).replace(",", ".")
        if not text:
            return None
        try:
            number = Decimal(text)
            if not number.is_finite():
                raise InvalidOperation
            return number.quantize(step) if step is not None else number
        except InvalidOperation:  # not a number, NaN, Infinity, or too many digits to round
            raise ValidationError(_("Enter a number."), code="decimal") from None

    return parse


_DATE: models.DateField[str, dt.date] = models.DateField()


def parse_date(value: str) -> dt.date | None:
    """A date written YYYY-MM-DD (Swedish standard and ISO 8601); None for an empty cell. The messages are
    Django's own, so they read as the forms' do."""
    if not value.strip():
        return None
    return _DATE.to_python(value.strip())


def parse_kommunkod(value: str) -> str:
    """A municipality code as four digits: Excel drops a leading zero (0180 → 180), so it is put back.
    Whether the code is a real one is for `parse_municipality` (or the caller) to check."""
    value = value.strip()
    return value.zfill(4) if len(value) == 3 and value.isdigit() else value


def parse_municipality(municipalities: Mapping[str, Any]) -> Callable[[str], Any]:
    """A parser for a municipality column whose value must be a real municipality: `municipalities` maps
    each code to what the column sets (the importer reads the reference table once per import, as
    `Municipality.objects.in_bulk()`: this module imports no app). The cell is a code as parse_kommunkod
    reads it; one that is not four digits, or four digits that are no municipality (9999), is an error on
    the row. None for an empty cell."""

    def parse(value: str) -> Any:
        code = parse_kommunkod(value)
        if not code:
            return None
        if not (len(code) == 4 and code.isdigit()):  # the message of kernel.identifiers.validate_kommunkod
            raise ValidationError(_("A municipality code has exactly four digits, e.g. 2580."), code="kommunkod")
        if code not in municipalities:
            raise ValidationError(
                _("%(code)s is not a Swedish municipality code."), code="unknown", params={"code": code}
            )
        return municipalities[code]

    return parse


def _fold(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def parse_choice(choices: type[models.Choices]) -> Callable[[str], str]:
    """A parser for one of `choices`, written as its code or as its label in any of the site's languages
    (any case): `business`, `Företag` and `business` are one. "" for an empty cell (the model decides
    whether that is allowed)."""

    @functools.cache
    def lookup() -> dict[str, str]:
        found: dict[str, str] = {_fold(code): str(code) for code in choices.values}
        labels: dict[str, set[str]] = {}
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                for code, label in choices.choices:
                    labels.setdefault(_fold(label), set()).add(str(code))
        for label, codes in labels.items():
            if len(codes) == 1 and label not in found:  # a label shared by two choices means neither
                found[label] = codes.pop()
        return found

    def parse(value: str) -> str:
        key = _fold(value)
        if not key:
            return ""
        code = lookup().get(key)
        if code is None:
            raise ValidationError(
                _("Value %(value)r is not a valid choice. Use one of: %(choices)s."),
                code="invalid_choice",
                params={"value": value.strip(), "choices": ", ".join(str(c) for c in choices.values)},
            )
        return code

    return parse


LIST_SEPARATOR = "|"


def parse_list(item: Callable[[str], Any] = parse_text, separator: str = LIST_SEPARATOR) -> Callable[[str], list[Any]]:
    """A parser for several values in one cell (`a|b|c`), each parsed by `item`; repeats are dropped, the
    order kept. [] for an empty cell."""

    def parse(value: str) -> list[Any]:
        parsed = [item(part.strip()) for part in value.split(separator) if part.strip()]
        return list(dict.fromkeys(parsed))

    return parse


# --- Columns ----------------------------------------------------------------------------------------------
class _Nothing:
    def __repr__(self) -> str:
        return "NOTHING"


NOTHING: Any = _Nothing()


@dataclass(frozen=True)
class Column:
    """One column an import reads.

    `name`: the column's name (lower case), also the model field it fills where they are the same;
    `aliases`: other header names accepted for it; `required`: the header must have it; `blank`: an empty
    cell is allowed (False: an empty cell is an error); `default`: the value of an empty cell (by default
    what `parse` makes of ""); `parse`: the cell's text (stripped) → the clean value, or a ValidationError."""

    name: str
    parse: Callable[[str], Any] = parse_text
    required: bool = False
    aliases: tuple[str, ...] = ()
    blank: bool = True
    default: Any = NOTHING

    def clean(self, value: str) -> Any:
        if not value:
            if not self.blank:
                raise ValidationError(_("This cell must not be empty."), code="required")
            if self.default is not NOTHING:
                return self.default
        return self.parse(value)


def with_parser(columns: Sequence[Column], name: str, parse: Callable[[str], Any]) -> tuple[Column, ...]:
    """`columns` with the column `name` parsed by `parse` instead: for a parser that needs data read at import
    time (parse_municipality)."""
    return tuple(replace(column, parse=parse) if column.name == name else column for column in columns)


# --- Reading ----------------------------------------------------------------------------------------------
MAX_ROWS = 50_000

# A cell a spreadsheet would run as a formula starts with one of these (CSV/formula injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """A text cell as an export writes it: prefixed with a single quote when a spreadsheet would run it as
    a formula."""
    return f"'{value}" if value.startswith(FORMULA_START) else value


def unneutralise(value: str) -> str:
    """The reverse of `neutralise`, for reading an export back in."""
    if value[:1] == "'" and value[1:2] and value[1] in FORMULA_START:
        return value[1:]
    return value


def decode(data: bytes, *, file: str = "") -> str:
    """The text of an uploaded file: UTF-8, with or without a byte-order mark. Anything else raises
    FileError with advice on how to save the file from Excel."""
    if data[:4] == b"PK\x03\x04":
        raise _file_error(
            _("This looks like an Excel workbook. Save it as “CSV UTF-8 (kommaavgränsad)” and use that file."),
            "excel_workbook",
            file=file,
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _file_error(
            _("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8 (kommaavgränsad)”."), "encoding", file=file
        ) from None


def sniff_delimiter(text: str) -> str:
    """`;` when the first line has more semicolons than commas (Swedish Excel), else `,`."""
    first_line = text.split("\n", 1)[0]
    return ";" if first_line.count(";") > first_line.count(",") else ","


@dataclass
class Row:
    """One data row: its spreadsheet row number and its cells by column name (stripped, a neutralising
    quote removed); only the columns the file has."""

    number: int
    cells: dict[str, str]


@dataclass
class Table:
    """A file as read: `columns` its columns' names in the file's order, `rows` the rows that could be
    read, `errors` the rows that could not (with their row numbers)."""

    columns: list[str]
    rows: list[Row]
    errors: list[RowError] = field(default_factory=list)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _raw_rows(source: Any, *, file: str, max_rows: int) -> tuple[list[str], list[tuple[int, list[str]]]]:
    if isinstance(source, Path):
        source = source.read_bytes()
    elif hasattr(source, "read"):
        source = source.read()
    if isinstance(source, (bytes, bytearray, memoryview)):
        source = decode(bytes(source), file=file)
    if not isinstance(source, str):  # rows already parsed by another tool: mappings of column → value
        records = list(source)
        if not all(isinstance(record, Mapping) for record in records):
            raise _file_error(_("Each row must map column names to values."), "not_mappings", file=file)
        header: list[str] = []
        for record in records:
            header.extend(str(key) for key in record if str(key) not in header)
        rows = [(n, [_as_text(r.get(name)) for name in header]) for n, r in enumerate(records, start=2)]
        if len(rows) > max_rows:
            raise _too_many_rows(max_rows, file)
        return header, rows
    text = source.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text), strict=True)
    header_cells: list[str] | None = None
    data: list[tuple[int, list[str]]] = []
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if header_cells is None:
                header_cells = cells
            elif any(cell.strip() for cell in cells):
                if len(data) >= max_rows:
                    raise _too_many_rows(max_rows, file)
                data.append((number, cells))
    except csv.Error:
        raise _file_error(
            _("The file is not valid CSV near row %(row)s. Check quotes and line breaks."),
            "csv_syntax",
            {"row": number + 1},
            file=file,
        ) from None
    return header_cells or [], data


def _too_many_rows(max_rows: int, file: str) -> FileError:
    return _file_error(
        ngettext_lazy(
            "The file has more than %(count)s row. Split it into smaller files.",
            "The file has more than %(count)s rows. Split it into smaller files.",
            "count",
        ),
        "too_many_rows",
        {"count": max_rows},
        file=file,
    )


def read_table(
    source: Any,
    columns: Sequence[Column],
    *,
    file: str = "",
    ignore_unknown_columns: bool = False,
    max_rows: int = MAX_ROWS,
) -> Table:
    """Read `source` — CSV bytes or text, an open file (binary or text), a pathlib.Path, or an iterable of
    mappings (column → value) — as a table of `columns`. Blank rows are skipped; a header-only file has no
    rows. Raises FileError, with every problem with the file as a whole (all reported at once), when the
    file cannot be read or its columns are wrong: repeated, missing (required ones) or unknown (unless
    `ignore_unknown_columns`)."""
    header, raw = _raw_rows(source, file=file, max_rows=max_rows)
    names = [" ".join(cell.split()).lower() for cell in header]
    while names and not names[-1]:  # Excel's trailing separators: empty columns at the end
        names.pop()
    if not names:
        raise _file_error(_("The file is empty. The first row must name the columns."), "empty", file=file)
    by_header = {alias.lower(): column.name for column in columns for alias in (column.name, *column.aliases)}
    canonical = [by_header.get(name, name) for name in names]

    known_names = set(by_header.values())
    problems: list[tuple[Any, str, Any]] = []
    duplicates = sorted({name for name in canonical if name in known_names and canonical.count(name) > 1})
    if duplicates:
        problems.append(
            (
                _("These columns appear more than once: %(columns)s."),
                "duplicate_columns",
                {"columns": ", ".join(duplicates)},
            )
        )
    unknown = [
        header_name or gettext("(empty)")
        for header_name, name in zip(names, canonical, strict=True)
        if name not in known_names
    ]
    if unknown and not ignore_unknown_columns:
        problems.append(
            (
                _("Unknown columns: %(columns)s. The columns are: %(known)s."),
                "unknown_columns",
                {"columns": ", ".join(unknown), "known": ", ".join(c.name for c in columns)},
            )
        )
    missing = [column.name for column in columns if column.required and column.name not in canonical]
    if missing:
        problems.append(
            (_("Required columns are missing: %(columns)s."), "missing_columns", {"columns": ", ".join(missing)})
        )
    if problems:
        raise FileError([RowError(None, "", lazy_message(m, p), code, file) for m, code, p in problems])

    known = [(i, name) for i, name in enumerate(canonical) if name in known_names]
    table = Table(columns=[name for _i, name in known], rows=[])
    for number, cells in raw:
        if any(cell.strip() for cell in cells[len(names) :]):
            table.errors.append(
                RowError(number, "", _("This row has more cells than there are columns."), "too_many_cells", file)
            )
            continue
        padded = [*cells, *[""] * (len(names) - len(cells))]
        table.rows.append(Row(number, {name: unneutralise(padded[i].strip()).strip() for i, name in known}))
    return table


def parse_row(
    row: Row, columns: Sequence[Column], *, file: str = "", skip: Collection[str] = ()
) -> tuple[dict[str, Any], list[RowError]]:
    """Parse the cells of one row (only the columns the file has, except `skip`): their clean values by
    column name, and a RowError for every cell that could not be parsed (its column is then left out)."""
    values: dict[str, Any] = {}
    errors: list[RowError] = []
    for column in columns:
        if column.name not in row.cells or column.name in skip:
            continue
        text = row.cells[column.name]
        if "\x00" in text:
            errors.append(RowError(row.number, column.name, _("Null characters are not allowed."), "null", file))
            continue
        try:
            values[column.name] = column.clean(text)
        except ValidationError as error:
            errors.extend(row_errors(error, row=row.number, column=column.name, file=file))
    return values, errors


def full_clean_row(
    instance: models.Model,
    *,
    row: int,
    file: str = "",
    errors: Sequence[RowError] = (),
    exclude: Collection[str] = (),
    validate_unique: bool = True,
) -> list[RowError]:
    """Run the model's full_clean() on the instance a row made, before anything is saved, and return its
    problems as RowErrors. `errors`: the row's problems found so far — their columns are not validated again
    (one problem per cell is enough), and a rule across fields is reported only once the cells are right
    (it is often only the echo of a cell that could not be read)."""
    in_error = {error.column for error in errors}
    try:
        instance.full_clean(exclude=sorted({*exclude, *in_error} - {""}), validate_unique=validate_unique)
    except ValidationError as error:
        found = row_errors(error, row=row, file=file)
        return [e for e in found if e.column not in in_error and (e.column or not errors)]
    return []


class _Rollback(Exception):
    pass


@contextmanager
def atomic_import(errors: list[RowError]) -> Iterator[None]:
    """One transaction for a whole import: when the block ends with any problem in `errors`, everything it
    wrote is rolled back. The block validates every row (so every problem is reported) and saves only when
    there is none."""
    try:
        with transaction.atomic():
            yield
            if errors:
                raise _Rollback
    except _Rollback:
        pass


# --- Uploads ----------------------------------------------------------------------------------------------
def max_upload_megabytes() -> str:
    return f"{settings.TABULAR_MAX_UPLOAD_BYTES / (1024 * 1024):g}"


def validate_upload_size(upload: Any) -> None:
    if upload.size > settings.TABULAR_MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is larger than %(size)s MB. Split it into smaller files, or use the import command."),
            code="too_large",
            params={"size": max_upload_megabytes()},
        )


class UploadField(forms.FileField):
    """A CSV upload field: at most settings.TABULAR_MAX_UPLOAD_BYTES, checked before the file is read."""

    default_validators = [validate_upload_size]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}))
        super().__init__(**kwargs)


def upload_help(message: Any) -> str:
    """A help text with the upload limit in it (`%(size)s`, in MB), translated and filled in when shown."""
    return lazy(lambda: str(message) % {"size": max_upload_megabytes()}, str)()


# --- Writing ----------------------------------------------------------------------------------------------
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

_NUMBERS = (int, float, Decimal)


def csv_cell(value: Any, *, raw: bool = False) -> str:
    """A value as CSV text: empty for None, true/false, numbers as they are, dates ISO 8601, other text
    neutralised (unless `raw`: a column of a machine-readable format, e.g. telephone numbers)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _NUMBERS):
        return str(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value) if raw else neutralise(str(value))


def csv_lines(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool = True, raw_columns: Collection[str] = ()
) -> Iterator[str]:
    """A CSV file line by line (for a streaming response or an archive): comma-separated, CRLF line ends,
    quoted where needed; with a UTF-8 byte-order mark by default (Excel reads UTF-8 only with one)."""
    writer = csv.writer(_Echo())
    raw = {index for index, name in enumerate(header) if name in raw_columns}
    if bom:
        yield "\ufeff"
    yield writer.writerow([csv_cell(name) for name in header])
    for row in rows:
        yield writer.writerow([csv_cell(value, raw=index in raw) for index, value in enumerate(row)])


def write_csv(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool = True, raw_columns: Collection[str] = ()
) -> bytes:
    """A CSV file (see csv_lines) as UTF-8 bytes."""
    return "".join(csv_lines(header, rows, bom=bom, raw_columns=raw_columns)).encode("utf-8")


class _Echo:
    def write(self, value: str) -> str:
        return value


def xlsx_cell(value: Any) -> Any:
    """A value for an XLSX cell: numbers and dates stay numbers and dates, true/false as text, other text
    stripped of the control characters XLSX cannot hold and neutralised."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or isinstance(value, _NUMBERS):
        return value
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.isoformat()  # XLSX has no time zones
    if isinstance(value, (dt.date, dt.time)):
        return value
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def xlsx_row(values: Iterable[Any]) -> list[Any]:
    return [xlsx_cell(value) for value in values]


def sheet_title(title: str) -> str:
    """A worksheet name XLSX accepts: at most 31 characters, none of []:*?/\\."""
    return (str(title) or "Sheet")[:31].translate(str.maketrans("[]:*?/\\", "_______"))


def workbook_bytes(workbook: Any) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str) -> bytes:
    """One worksheet named `title`: the header row, then the rows (see xlsx_cell)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title(title))
    sheet.append(xlsx_row(header))
    for row in rows:
        sheet.append(xlsx_row(row))
    return workbook_bytes(workbook)
