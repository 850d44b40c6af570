"""Report pages: coordinators only (others 403; anonymous → login). Downloads need a recent
re-authentication and are audited; files are never served from a public media path."""

from __future__ import annotations

from typing import Any

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from directory.access import coordinator_required, request_actor
from kernel import tabular
from kernel.audit import audit_log
from kernel.decorators import checked_first
from kernel.downloads import attachment, stored_file
from kernel.forms import act, posted, submit
from kernel.pagination import paginate
from matchmaking.models import FundedProject
from reports import services
from reports.forms import ReportRunForm, SupportFilterForm, SupportImportForm, SupportRecordForm
from reports.models import ReportFile, ReportKind, ReportRun, RunStatus, SupportKind, SupportRecord
from reports.outputs import download_name
from reports.presentation import present
from reports.support import import_support, require_support_recorder, support_record_create
from reports.tasks import enqueue_report_run

CONTENT_TYPES = {
    **tabular.CONTENT_TYPES,
    "pdf": "application/pdf",
    "zip": "application/zip",
}


def _asks_for_exit_package(request: HttpRequest) -> bool:
    """The exit package carries every table (with the names and e-mail addresses of the people who log in):
    asking for it needs a recent re-authentication, like every download."""
    return request.method == "POST" and request.POST.get("kind") == ReportKind.EXIT_PACKAGE


@never_cache
@coordinator_required
@reauthentication_required(enabled=_asks_for_exit_package)
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    form = ReportRunForm(posted(request), projects=FundedProject.objects.visible_to(request.actor))
    # Past the decorator, a request for the exit package comes from a coordinator who has just re-authenticated.
    reauthenticated = _asks_for_exit_package(request)
    # "Queued" is said whether or not the broker took the task: a run that could not be enqueued stays
    # queued and the sweeper enqueues it (kernel/queue.py).
    if saved := submit(
        request,
        form,
        lambda: services.report_run_request(actor=request.actor, reauthenticated=reauthenticated, **form.cleaned_data),
        success=_("The report is queued. This page shows when it is ready."),
    ):
        enqueue_report_run(saved.value)
        return redirect("reports:run_detail", code=saved.value.code)
    runs = (
        ReportRun.objects.filter(forbund_id=request.actor.forbund_id)
        .select_related("project", "requested_by")
        .prefetch_related("files")[:50]
    )
    return render(request, "reports/index.html", {"form": form, "runs": runs})


def _run(request: HttpRequest, code: str) -> ReportRun:
    """A run of the förbund the coordinator acts in; another förbund's is 404."""
    runs = ReportRun.objects.filter(forbund_id=request_actor(request).forbund_id)
    return get_object_or_404(runs.select_related("project", "requested_by", "rerun_of"), code=code)


@never_cache
@coordinator_required
@require_GET
def run_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The run's page; for HTMX polling only the progress region (which holds the result once ready)."""
    run = _run(request, code)
    template = "reports/_progress.html" if request.htmx else "reports/run_detail.html"
    succeeded = run.status == RunStatus.SUCCEEDED
    context = {
        "run": run,
        "files": run.files.order_by("format") if succeeded else [],
        "done": run.status in (RunStatus.SUCCEEDED, RunStatus.FAILED),
        "report_view": present(run) if succeeded else None,
    }
    return render(request, template, context)


@never_cache
@coordinator_required
@require_POST
def run_deliver(request: HttpRequest, code: str) -> HttpResponse:
    """Mark a finished ESF+ run as delivered to the funder: its figures then stay as delivered."""
    run = _run(request, code)
    act(
        request,
        lambda: services.report_run_deliver(actor=request.actor, run=run),
        success=_("The report is marked as delivered to the funder."),
    )
    return redirect("reports:run_detail", code=run.code)


@never_cache
@coordinator_required
@reauthentication_required
@require_GET
def download(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise Http404
    run = _run(request, code)
    report_file = ReportFile.objects.filter(run=run, format=fmt).first()
    if report_file is None:
        raise Http404
    handle = stored_file(report_file.file)
    audit_log(actor=request.user, action="report.download", target=run, data={"format": fmt})
    return attachment(
        handle,
        filename=download_name(run, fmt),
        content_type=CONTENT_TYPES[fmt],
    )


# --- Support records -------------------------------------------------------------------------------------
@never_cache
@coordinator_required
@require_GET
def support_list(request: HttpRequest) -> HttpResponse:
    projects = FundedProject.objects.visible_to(request.actor)
    form = SupportFilterForm(request.GET or None, projects=projects)
    records = SupportRecord.objects.filter(project__in=projects).select_related("project", "organisation")
    project = None
    if form.is_valid() and form.cleaned_data["project"]:
        project = form.cleaned_data["project"]
        records = records.filter(project=project)
    page = paginate(request, records, 50, keep=("project",))
    query = urlencode({"project": project.diarienummer}) if project else ""
    return render(
        request,
        "reports/support_list.html",
        {"form": form, "page_obj": page, "records": page.object_list, "project": project, "query": query},
    )


def _back_to_list(project: Any) -> HttpResponse:
    return redirect(reverse("reports:support_list") + "?" + urlencode({"project": project.diarienummer}))


def _project_choice(request: HttpRequest) -> dict[str, Any]:
    """How the support forms start: the projects the person may choose from and, on a GET, the one the link
    named (?project=, as the list of one project's records links here)."""
    return {
        "initial": {"project": request.GET.get("project", "")} if request.method == "GET" else None,
        "projects": FundedProject.objects.visible_to(request.actor),
    }


# Anonymous → the login page; anyone who may not record support records (the one rule,
# reports.support.require_support_recorder, also applied by the service and the import) → 403.
_support_recorder_required = checked_first(lambda request: require_support_recorder(request.actor), login=True)


@never_cache
@_support_recorder_required
@require_http_methods(["GET", "POST"])
def support_create(request: HttpRequest) -> HttpResponse:
    form = SupportRecordForm(posted(request), **_project_choice(request))
    if submit(request, form, lambda: support_record_create(actor=request.actor, **form.record_data())):
        data = form.cleaned_data
        messages.success(
            request,
            _("Support to %(organisation)s on %(date)s was recorded.")
            % {"organisation": data["organisation"].name, "date": data["date"].isoformat()},
        )
        return _back_to_list(data["project"])
    return render(request, "reports/support_form.html", {"form": form})


@never_cache
@_support_recorder_required
@require_http_methods(["GET", "POST"])
def support_import(request: HttpRequest) -> HttpResponse:
    """CSV upload, all or nothing: one bad row saves nothing, and every problem is listed by row and column."""
    form = SupportImportForm(posted(request), request.FILES or None, **_project_choice(request))
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        project = form.cleaned_data["project"]
        result = import_support(project=project, source=form.cleaned_data["file"], actor=request.actor)
        if not result.errors:
            messages.success(
                request,
                ngettext(
                    "%(count)s support record was imported.", "%(count)s support records were imported.", result.created
                )
                % {"count": result.created},
            )
            return _back_to_list(project)
        errors = [str(error) for error in result.errors]
    return render(request, "reports/support_import.html", {"form": form, "errors": errors, "kinds": SupportKind.values})
