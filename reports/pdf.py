"""The PDF of a run, laid out for the quarterly report to the funder: title, project, period, the tables,
warnings and the same SVG charts as the HTML page. WeasyPrint renders templates/reports/pdf.html; it may
fetch nothing (no URL, no file): everything the document needs is inline."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import HTML  # needs Debian's pango/harfbuzz: scripts/ensure-system-packages.sh
from weasyprint.urls import URLFetcher

from reports.models import ReportRun
from reports.presentation import present, report_language

# WeasyPrint logs every layout step at INFO; the worker's log needs its warnings only.


def to_pdf(run: ReportRun, result: dict[str, Any]) -> bytes:
    language = report_language(run)
    with translation.override(language):
        html = render_to_string(
            "reports/pdf.html",
            {
                "run": run,
                "view": present(run, result),
                "language": language,
                "created": timezone.localtime(),
            },
        )
    # The document is self-contained: no protocol is allowed, so nothing is fetched (no file:// reads, no
    # requests from the worker), whatever the data contains.
    # Tagged as PDF/UA-1 (ISO 14289-1): a structure tree, the document's language and its title, so a
    # screen reader reads the headings and tables in order (EN 301 549, 10.x for non-web documents).
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf(
        pdf_variant="pdf/ua-1", pdf_tags=True
    )
