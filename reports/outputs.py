"""Report files: CSV, XLSX and PDF (reports/pdf.py) of a run's result, and the exit package's ZIP
(reports/exit_package.py), stored under generated names and served only through the authorised download
view. CSV and XLSX are written by kernel/tabular.py, which neutralises cells a spreadsheet would take for a
formula (docs/security-checks.md E28).

The CSV is the machine-readable form (indicator codes and measure keys, the same in every language; an ESF+
CSV ends with rows whose code is `note`: what the report says about itself and its warnings, one sentence a
row in the second column, in the requester's language); the XLSX and the PDF are for people, in the language
of whoever asked for the run, built from the same presentation as the HTML page (reports/presentation.py).
Small cells are suppressed in all of them when the run asks for it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kernel import tabular
from kernel.mail import send_templated
from reports.models import ReportFile, ReportKind, ReportRun
from reports.presentation import esf_texts, present, report_language, shown, suppresses

logger = logging.getLogger(__name__)


NOTE = "note"  # the code of an ESF+ CSV's rows of text


def rows(result: dict[str, Any], *, suppress: bool = False, notes: Sequence[str] = ()) -> list[list[Any]]:
    """A result as a table: ESF results one row per indicator, then one `note` row per sentence of `notes`;
    other results one row per measure line."""
    if "indicators" in result:
        table: list[list[Any]] = [["code", "women", "men", "non_binary", "total"]]
        for code, cells in result["indicators"].items():
            table.append(
                [code, cells.get("women", ""), cells.get("men", ""), cells.get("non_binary", ""), cells["total"]]
            )
        table.extend([NOTE, sentence, "", "", ""] for sentence in notes)
        return table
    table = [["measure", "group", "value"]]
    for measure, groups in result.get("measures", {}).items():
        for group, value in groups.items():
            table.append([measure, group, shown(value, suppress)])
    return table


def to_csv(result: dict[str, Any], *, suppress: bool = False, notes: Sequence[str] = ()) -> bytes:
    header, *table = rows(result, suppress=suppress, notes=notes)
    return tabular.write_csv(header, table)  # with a BOM: Excel opens å/ä/ö correctly


def to_xlsx(run: ReportRun, result: dict[str, Any]) -> bytes:
    """One sheet: what the report is (kind, project, period), then each section's table with its
    headings, then the warnings — in the requester's language. Numbers stay numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

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
        for section in view.sections:
            append([])
            append([section.title], strong=True)
            if section.name_column:
                append([_("Code"), _("Indicator"), *section.columns], strong=True)
                for row in section.rows:
                    append([row.header, row.name, *row.values])
            else:
                append([_("Group"), *section.columns], strong=True)
                for row in section.rows:
                    append([row.header, *row.values])
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
    outputs = {"csv": to_csv(result, suppress=suppresses(run), notes=notes), "xlsx": to_xlsx(run, result)}
    try:
        from reports.pdf import to_pdf
    except (ImportError, OSError):  # WeasyPrint or Debian's pango missing: scripts/ensure-system-packages.sh
        logger.exception("PDF output is not available; the run has CSV and XLSX only")
        to_pdf = None
    if to_pdf is not None:
        outputs["pdf"] = to_pdf(run, result)
    return outputs


def send_ready_email(run_id: int) -> None:
    run = ReportRun.objects.select_related("requested_by", "project").filter(pk=run_id).first()
    if run is None or run.requested_by is None:
        return
    link = settings.SITE_URL + reverse("reports:run_detail", kwargs={"code": run.code})
    send_templated("reports/ready", to=run.requested_by, context={"run": run, "link": link})
