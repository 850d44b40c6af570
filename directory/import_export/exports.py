"""Export of a directory search as CSV or XLSX, in the import's columns (directory/import_export/imports.py),
so an export can be imported again. Written by kernel/tabular.py, which neutralises cells a spreadsheet would run as a
formula (docs/security-checks.md E28)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from directory.import_export.imports import COLUMNS, LIST_SEPARATOR
from directory.models import Organisation
from kernel import tabular

EXPORT_MAX_ROWS = 10_000


def _joined(values: Iterable[str]) -> str:
    return LIST_SEPARATOR.join(sorted(values))


def export_values(organisation: Organisation) -> list[Any]:
    """One organisation as the import's columns, typed (int, Decimal, bool, str) and not yet neutralised.
    Expects services and municipalities_served prefetched."""
    values: dict[str, Any] = {
        "orgnr": organisation.orgnr_display,
        "kommunkod": organisation.kommunkod_id or "",  # the code, as the import reads it
        "services": _joined(s.slug for s in organisation.services.all()),
        "municipalities_served": _joined(m.code for m in organisation.municipalities_served.all()),
        "sni_codes": LIST_SEPARATOR.join(organisation.sni_codes or []),
    }
    return [values[name] if name in values else getattr(organisation, name) for name in COLUMNS]


def csv_lines(organisations: Iterable[Organisation]) -> Iterator[str]:
    """The export as CSV text, line by line (for a streaming response): UTF-8 BOM, comma-separated."""
    return tabular.csv_lines(COLUMNS, (export_values(o) for o in organisations))


def xlsx_bytes(organisations: Iterable[Organisation]) -> bytes:
    """The export as an XLSX workbook. Numbers stay numbers."""
    return tabular.write_xlsx(COLUMNS, (export_values(o) for o in organisations), title=_("Organisations"))


def export_filename(fmt: str) -> str:
    return f"organisations-{timezone.localdate():%Y-%m-%d}.{fmt}"
