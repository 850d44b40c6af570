"""Report pages: coordinators only (others 403; anonymous → login). Downloads need a recent
re-authentication and are audited; files are never served from a public media path."""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from asfnet.access import coordinator_required
from asfnet.audit import audit_log
from reports import services
from reports.forms import ReportRunForm
from reports.models import ReportFile, ReportRun, RunStatus

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "zip": "application/zip",
}


@never_cache
@coordinator_required
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    form = ReportRunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = services.report_run_request(
                actor=request.user,
                kind=data["kind"],
                project=data["project"],
                period_from=data["period_from"],
                period_to=data["period_to"],
                suppress_small_cells=data["suppress_small_cells"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("reports:run_detail", code=run.code)
    runs = ReportRun.objects.select_related("project", "requested_by").prefetch_related("files")[:50]
    return render(request, "reports/index.html", {"form": form, "runs": runs})


def _run(code: str) -> ReportRun:
    return get_object_or_404(ReportRun.objects.select_related("project", "requested_by"), code=code)


@never_cache
@coordinator_required
@require_GET
def run_detail(request: HttpRequest, code: str) -> HttpResponse:
    run = _run(code)
    template = "reports/_progress.html" if request.htmx else "reports/run_detail.html"
    return render(
        request,
        template,
        {"run": run, "files": run.files.all(), "done": run.status in (RunStatus.SUCCEEDED, RunStatus.FAILED)},
    )


@never_cache
@coordinator_required
@reauthentication_required
@require_GET
def download(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    run = _run(code)
    report_file = ReportFile.objects.filter(run=run, format=fmt).first()
    if report_file is None or fmt not in CONTENT_TYPES:
        raise Http404
    audit_log(actor=request.user, action="report.download", target=run, data={"format": fmt})
    response = FileResponse(report_file.file.open("rb"), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = (
        f'attachment; filename="asfnet-{run.kind}-{run.period_from or run.created_at:%Y%m%d}.{fmt}"'
    )
    response["Cache-Control"] = "no-store"
    return response
