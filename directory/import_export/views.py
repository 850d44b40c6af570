"""Import of organisations from CSV (coordinators only) and export of a directory search as CSV/XLSX
(anyone who can search, exactly what they see). Columns: docs/import-organisations.md."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from directory import selectors
from directory.access import coordinator_required
from directory.forbund.middleware import request_forbund
from directory.import_export import exports
from directory.import_export.imports import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, ImportReport, organisation_import
from kernel import tabular
from kernel.downloads import attachment
from kernel.forms import posted

# How long a preview may be confirmed, and how many of its rows and problems the page shows.
PREVIEW_MAX_AGE = 60 * 60
PREVIEW_ROWS = 500
PREVIEW_ERRORS = 1000


class ImportUploadForm(forms.Form):
    file = tabular.UploadField(
        label=gettext_lazy("CSV file"),
        help_text=tabular.upload_help(gettext_lazy("UTF-8, separated by commas or semicolons, at most %(size)s MB.")),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Show a preview first (nothing is saved until you confirm)"),
        required=False,
        initial=True,
    )
    partial = forms.BooleanField(
        label=gettext_lazy("Save the rows without errors even when other rows have errors"),
        required=False,
    )


def _salt(request: HttpRequest) -> str:
    # Bound to the coordinator: a preview cannot be confirmed by anyone else.
    return f"directory.import:{request.user.pk}"


def _context(report: ImportReport | None, form: ImportUploadForm, payload: str = "") -> dict[str, Any]:
    context: dict[str, Any] = {
        "form": form,
        "payload": payload,
        "required_columns": REQUIRED_COLUMNS,
        "optional_columns": OPTIONAL_COLUMNS,
        "report": report,
    }
    if report is not None:
        by_row: dict[int, list[str]] = {}
        for error in report.errors:
            if error.row is not None:
                by_row.setdefault(error.row, []).append(
                    f"{error.column}: {error.message}" if error.column else error.message
                )
        context.update(
            preview_rows=[(outcome, by_row.get(outcome.row, [])) for outcome in report.rows[:PREVIEW_ROWS]],
            hidden_rows=max(0, len(report.rows) - PREVIEW_ROWS),
            shown_errors=report.errors[:PREVIEW_ERRORS],
            hidden_errors=max(0, len(report.errors) - PREVIEW_ERRORS),
        )
    return context


def _finished(request: HttpRequest, report: ImportReport) -> HttpResponse:
    if report.saved:
        messages.success(
            request,
            _("Import done. %(summary)s") % {"summary": report.summary()},
        )
        return redirect("directory:import")
    return render(request, "directory/import_export/import.html", _context(report, ImportUploadForm()))


@coordinator_required
@require_http_methods(["GET", "POST"])
def import_organisations(request: HttpRequest) -> HttpResponse:
    """Upload → preview (a dry run: what would be created or updated, and every problem per row and
    column) → confirm. The previewed file travels in a signed, time-limited hidden field, so the
    confirmation imports exactly what was previewed."""
    if request.method == "POST" and "payload" in request.POST:
        return _confirm(request)
    form = ImportUploadForm(posted(request), request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return render(request, "directory/import_export/import.html", _context(None, form))
    data = form.cleaned_data["file"].read()
    partial = form.cleaned_data["partial"]
    if not form.cleaned_data["dry_run"]:
        return _finished(request, organisation_import(actor=request.actor, rows_or_file=data, partial=partial))
    report = organisation_import(actor=request.actor, rows_or_file=data, partial=partial, dry_run=True)
    payload = ""
    if report.can_save:
        text = tabular.decode(data)  # can_save: the file was read, so it is UTF-8
        payload = signing.dumps({"csv": text, "partial": partial}, salt=_salt(request), compress=True)
        if len(payload) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE - 64 * 1024:
            payload = ""
            messages.error(
                request,
                _("This file is too large to confirm from the preview. Split it, or untick the preview."),
            )
    return render(request, "directory/import_export/import.html", _context(report, ImportUploadForm(), payload))


def _confirm(request: HttpRequest) -> HttpResponse:
    try:
        content = signing.loads(request.POST["payload"], salt=_salt(request), max_age=PREVIEW_MAX_AGE)
        text, partial = str(content["csv"]), bool(content["partial"])
    except (signing.BadSignature, KeyError, TypeError):
        messages.error(request, _("The preview has expired or is not valid. Upload the file again."))
        return render(request, "directory/import_export/import.html", _context(None, ImportUploadForm()), status=400)
    return _finished(request, organisation_import(actor=request.actor, rows_or_file=text, partial=partial))


@require_GET
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The directory search (same query parameters as the search page) as CSV or XLSX: exactly the
    organisations this user may see, at most EXPORT_MAX_ROWS, in the import's columns. On a förbund's host
    within the same area as the search page (`?area=all`: the whole country)."""
    area = selectors.search_area(request_forbund(request), request.GET)
    result = selectors.organisation_search(actor=request.actor, params=request.GET, with_facets=False, area=area.codes)
    organisations = result.organisations.prefetch_related("services", "municipalities_served")[
        : exports.EXPORT_MAX_ROWS
    ]
    rows = organisations.iterator(chunk_size=1000)
    content = exports.xlsx_bytes(rows) if fmt == "xlsx" else exports.csv_lines(rows)
    return attachment(content, filename=exports.export_filename(fmt), content_type=tabular.CONTENT_TYPES[fmt])
