"""Report files: CSV and XLSX (and PDF, see pdf.py) of a run's result, stored under generated names and
served only through the authorised download view. Cells that a spreadsheet would take for a formula are
neutralised."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from reports.models import ReportFile, ReportRun

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def rows(result: dict[str, Any]) -> list[list[Any]]:
    """A result as a table: ESF results one row per indicator; other results one row per measure line."""
    if "indicators" in result:
        table: list[list[Any]] = [["code", "women", "men", "non_binary", "total"]]
        for code, cells in result["indicators"].items():
            table.append(
                [code, cells.get("women", ""), cells.get("men", ""), cells.get("non_binary", ""), cells["total"]]
            )
        return table
    table = [["measure", "group", "value"]]
    for measure, groups in result.get("measures", {}).items():
        for group, value in groups.items():
            table.append([measure, group, value])
    return table


def to_csv(result: dict[str, Any]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows(result):
        writer.writerow([neutralise(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel opens å/ä/ö correctly


def to_xlsx(result: dict[str, Any], title: str = "asfnet") -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    for row in rows(result):
        sheet.append([neutralise(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_files(run: ReportRun, result: dict[str, Any]) -> None:
    """Write (or replace) the run's files; a second run of the task leaves one file per format."""
    outputs = {"csv": to_csv(result), "xlsx": to_xlsx(result)}
    try:
        from reports.pdf import to_pdf
    except ImportError:  # pragma: no cover - WeasyPrint is an optional system dependency
        to_pdf = None
    if to_pdf is not None:
        outputs["pdf"] = to_pdf(run, result)
    for fmt, content in outputs.items():
        existing = ReportFile.objects.filter(run=run, format=fmt).first()
        if existing is not None:
            existing.file.delete(save=False)
            existing.delete()
        report_file = ReportFile(run=run, format=fmt, size=len(content))
        report_file.file.save(f"{run.code}.{fmt}", ContentFile(content), save=False)
        report_file.save()


def send_ready_email(run_id: int) -> None:
    run = ReportRun.objects.select_related("requested_by", "project").filter(pk=run_id).first()
    if run is None or run.requested_by is None:
        return
    user = run.requested_by
    link = settings.SITE_URL + reverse("reports:run_detail", kwargs={"code": run.code})
    with translation.override(user.preferred_language or "sv"):
        subject = _("Your report is ready")
        body = _("The report you asked for is ready: %(link)s") % {"link": link}
    send_mail(subject, body, None, [user.email])
