"""Export of a directory search as CSV or XLSX, in the import's columns (directory/imports.py), so an export
can be imported again. Cells a spreadsheet would run as a formula are neutralised (security-checks E28)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from directory.imports import COLUMNS, FORMULA_START, LIST_SEPARATOR
from directory.models import Organisation

EXPORT_MAX_ROWS = 10_000


def neutralise(value: str) -> str:
    """Prefix a cell a spreadsheet would run as a formula with a single quote (security-checks E28)."""
    return f"'{value}" if value.startswith(FORMULA_START) else value


def _joined(values: Iterable[str]) -> str:
    return LIST_SEPARATOR.join(sorted(values))


def export_values(organisation: Organisation) -> list[Any]:
    """One organisation as the import's columns, typed (int, Decimal, bool, str) and not yet neutralised.
    Expects services and municipalities_served prefetched."""
    values: dict[str, Any] = {
        "orgnr": organisation.orgnr_display,
        "services": _joined(s.slug for s in organisation.services.all()),
        "municipalities_served": _joined(m.code for m in organisation.municipalities_served.all()),
        "sni_codes": LIST_SEPARATOR.join(organisation.sni_codes or []),
    }
    return [values[name] if name in values else getattr(organisation, name) for name in COLUMNS]


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    return neutralise(str(value))


def export_rows(organisations: Iterable[Organisation]) -> Iterator[list[Any]]:
    """The header row, then one row per organisation, typed."""
    yield list(COLUMNS)
    for organisation in organisations:
        yield export_values(organisation)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(organisations: Iterable[Organisation]) -> Iterator[str]:
    """The export as CSV text, line by line (for a streaming response): UTF-8 BOM, comma-separated."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in export_rows(organisations):
        yield writer.writerow([_csv_cell(value) for value in row])


def write_csv(organisations: Iterable[Organisation], stream: IO[str]) -> None:
    for line in csv_lines(organisations):
        stream.write(line)


def xlsx_bytes(organisations: Iterable[Organisation]) -> bytes:
    """The export as an XLSX workbook. Numbers stay numbers; text is neutralised and stripped of the
    control characters XLSX cannot hold."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(_("Organisations"))[:31])
    for index, row in enumerate(export_rows(organisations)):
        cells: list[Any] = []
        for value in row:
            if index == 0 or value is None:
                cells.append(value)
            elif isinstance(value, bool):
                cells.append("true" if value else "false")
            elif isinstance(value, (int, Decimal)):
                cells.append(value)
            else:
                cells.append(neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value))))
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_filename(fmt: str) -> str:
    return f"organisations-{timezone.localdate():%Y-%m-%d}.{fmt}"
