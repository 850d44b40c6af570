"""Report files: CSV, XLSX and PDF (reports/pdf.py) of a run's result, and the exit package's ZIP
(reports/exit_package.py), stored under generated names and served only through the authorised download
view. CSV and XLSX are written by kernel/tabular.py, which neutralises cells a spreadsheet would take for a
formula (docs/security-checks.md E28).

The CSV is the machine-readable form: one header row, then the code in the first column (the indicator code
or the measure key, the same in every language: funders match on it) with its name in the report's language
next to it; an ESF+ CSV ends with rows whose code is `note`: what the report says about itself and its
warnings, one sentence a row in the second column. Headers, names and notes are in the report's language
(the requester's, presentation.report_language). The XLSX and the PDF are for people, in the same language,
built from the same presentation as the HTML page (reports/presentation.py); the XLSX has a native bar chart
next to each table, drawn from the table's own cells. Small cells are suppressed in all of them when the run
asks for it.

Every file is downloaded under a name saying what it is: kind, project and period
(`asfnet-esf-23-051-S06-2025-01-01_2025-03-31.xlsx`, see download_name)."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font

from directory.forbund.links import site_url
from kernel import tabular
from kernel.mail import send_templated
from reports.models import ReportFile, ReportKind, ReportRun
from reports.presentation import (
    Section,
    esf_texts,
    gender_labels,
    group_labeller,
    indicator_name,
    measure_title,
    present,
    report_language,
    shown,
    suppresses,
)

logger = logging.getLogger(__name__)


NOTE = "note"  # the code of an ESF+ CSV's rows of text


def rows(result: dict[str, Any], *, suppress: bool = False, notes: Sequence[str] = ()) -> list[list[Any]]:
    """A result as a table in the active language, header first. ESF results: code, indicator name, women,
    men, non-binary, total — one row per indicator, then one `note` row per sentence of `notes`. Other
    results (the project's measures, Finsam/SUS): measure key, its title, group key, its label, number —
    one row per measure line."""
    if "indicators" in result:
        table: list[list[Any]] = [[_("Code"), _("Indicator"), *gender_labels(), _("Total")]]
        for code, cells in result["indicators"].items():
            table.append(
                [
                    code,
                    indicator_name(code),
                    cells.get("women", ""),
                    cells.get("men", ""),
                    cells.get("non_binary", ""),
                    cells["total"],
                ]
            )
        table.extend([NOTE, sentence, "", "", "", ""] for sentence in notes)
        return table
    table = [[_("Code"), _("Measure"), _("Group code"), _("Group"), _("Number")]]
    for measure, groups in result.get("measures", {}).items():
        title, label = measure_title(measure), group_labeller(measure)
        for group, value in groups.items():
            table.append([measure, title, group, label(group), shown(value, suppress)])
    return table


def to_csv(result: dict[str, Any], *, suppress: bool = False, notes: Sequence[str] = ()) -> bytes:
    header, *table = rows(result, suppress=suppress, notes=notes)
    return tabular.write_csv(header, table)  # with a BOM: Excel opens å/ä/ö correctly


CHART_COLUMN = "H"  # the charts stand right of the tables (columns A–F)
CHART_ROWS = 22  # rows a chart covers (10 cm at the default row height), so two never overlap


def _chart(sheet: Any, section: Section, header_row: int, last_row: int) -> Any:
    """A native bar chart of one section's table: the categories are the first column (codes or groups),
    the series the charted value columns with their headings as names (the total is not charted)."""
    chart = BarChart()
    chart.type = "bar"  # horizontal, like the page's charts
    chart.title = section.title
    chart.x_axis.title = _("Indicator") if section.name_column else _("Group")
    chart.y_axis.title = section.axis
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.x_axis.scaling.orientation = "maxMin"  # the first row of the table at the top
    chart.height, chart.width = 10, 18
    first = 3 if section.name_column else 2
    data = Reference(sheet, min_col=first, max_col=first + section.charted - 1, min_row=header_row, max_row=last_row)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=header_row + 1, max_row=last_row))
    return chart


def to_xlsx(run: ReportRun, result: dict[str, Any]) -> bytes:
    """One sheet: what the report is (kind, project, period), then each section's table with its
    headings and a native bar chart beside it, then the warnings — in the requester's language. Numbers
    stay numbers."""

    bold = Font(bold=True)
    with translation.override(report_language(run)):
        view = present(run, result)
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = tabular.sheet_title(view.project or "asfnet")

        def append(values: list[Any], *, strong: bool = False) -> None:
            sheet.append(tabular.xlsx_row(values))
            if strong:
                for cell in sheet[sheet.max_row]:
                    cell.font = bold

        append([view.title], strong=True)
        append([_("Project"), view.project])
        append([_("Project name"), view.project_name])
        append([_("From (inclusive)"), view.period_from])
        append([_("To (inclusive)"), view.period_to])
        append([_("Created"), timezone.localtime().strftime("%Y-%m-%d %H:%M")])
        if view.suppressed:
            append([_("Counts from 1 to 4 are shown as <5.")])
        for mark in view.marks:
            append([mark])
        if view.about:
            append([])
            append([_("About these figures")], strong=True)
            for sentence in view.about:
                append([sentence])
        next_chart_row = 1
        for section in view.sections:
            append([])
            append([section.title], strong=True)
            title_row = sheet.max_row
            if section.name_column:
                append([_("Code"), _("Indicator"), *section.columns], strong=True)
                header_row = sheet.max_row
                for row in section.rows:
                    append([row.header, row.name, *row.values])
            else:
                append([_("Group"), *section.columns], strong=True)
                header_row = sheet.max_row
                for row in section.rows:
                    append([row.header, *row.values])
            if section.rows:
                anchor = max(title_row, next_chart_row)
                sheet.add_chart(_chart(sheet, section, header_row, sheet.max_row), f"{CHART_COLUMN}{anchor}")
                next_chart_row = anchor + CHART_ROWS
        if view.warnings:
            append([])
            append([_("Warnings")], strong=True)
            for warning in view.warnings:
                append([warning])
        sheet.column_dimensions["A"].width = 18
        sheet.column_dimensions["B"].width = 60
    return tabular.workbook_bytes(workbook)


def save_file(run: ReportRun, fmt: str, content: bytes) -> ReportFile:
    """Store (or replace) the run's file of one format under a generated name."""
    existing = ReportFile.objects.filter(run=run, format=fmt).first()
    if existing is not None:
        existing.file.delete(save=False)
        existing.delete()
    report_file = ReportFile(run=run, format=fmt, size=len(content))
    report_file.file.save(f"{run.code}.{fmt}", ContentFile(content), save=False)
    report_file.save()
    return report_file


def render_files(run: ReportRun, result: dict[str, Any]) -> dict[str, bytes]:
    """The contents of the run's files by format (CSV, XLSX and, where WeasyPrint works, PDF)."""
    notes: list[str] = []
    if run.kind == ReportKind.ESF and "indicators" in result:
        with translation.override(report_language(run)):
            marks, about, warnings = esf_texts(run, result)
        notes = [*marks, *about, *warnings]
    with translation.override(report_language(run)):
        csv = to_csv(result, suppress=suppresses(run), notes=notes)
    outputs = {"csv": csv, "xlsx": to_xlsx(run, result)}
    try:
        from reports.pdf import to_pdf
    except (ImportError, OSError):  # WeasyPrint or Debian's pango missing: scripts/ensure-system-packages.sh
        logger.exception("PDF output is not available; the run has CSV and XLSX only")
        to_pdf = None
    if to_pdf is not None:
        outputs["pdf"] = to_pdf(run, result)
    return outputs


KIND_SLUGS: dict[str, str] = {
    ReportKind.ESF: "esf",
    ReportKind.PROJECT: "measures",
    ReportKind.EXIT_PACKAGE: "exit-package",
    ReportKind.FINSAM: "finsam",
}


def _file_part(text: str) -> str:
    """Text safe in a file name on every system: ASCII letters, digits and single hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-")


def download_name(run: ReportRun, fmt: str) -> str:
    """What the file is, in its name: `asfnet-<kind>[-<diarienummer>]-<from>_<to>.<fmt>`; a run without a
    period (the exit package) is named by the day it was asked for."""
    parts = ["asfnet", KIND_SLUGS.get(run.kind, _file_part(run.kind))]
    if run.project is not None and (diarienummer := _file_part(run.project.diarienummer)):
        parts.append(diarienummer)
    if run.period_from and run.period_to:
        parts.append(f"{run.period_from.isoformat()}_{run.period_to.isoformat()}")
    else:
        parts.append(timezone.localdate(run.created_at).isoformat())
    return "-".join(parts) + "." + _file_part(fmt).lower()


def send_ready_email(run_id: int) -> None:
    run = ReportRun.objects.select_related("requested_by", "project").filter(pk=run_id).first()
    if run is None or run.requested_by is None:
        return
    link = site_url(run.forbund_id) + reverse("reports:run_detail", kwargs={"code": run.code})
    send_templated("reports/ready", to=run.requested_by, context={"run": run, "link": link})
