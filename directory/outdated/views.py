"""The report form on every public profile (anyone, no account; published organisations only, others 404;
limited per client by ACCOUNT_RATE_LIMITS["directory_outdated_report"], 429 beyond it), and the list of open
reports that the organisation's members and coordinators close (anyone else: 404)."""

from __future__ import annotations

from allauth.core import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from directory.access import organisation_for_user
from directory.models import OutdatedReport, ReportStatus
from directory.outdated import services
from directory.outdated.forms import OutdatedReportCloseForm, OutdatedReportForm
from kernel.forms import act, form_page, posted, valid_or_flash

RATE_LIMIT = "directory_outdated_report"
CLOSED_SHOWN = 20


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, code: str) -> HttpResponse:
    organisation = services.reportable_organisation(code=code)
    form = OutdatedReportForm(posted(request))
    if request.method == "POST" and not ratelimit.consume(request, action=RATE_LIMIT):
        return render(request, "directory/outdated/too_many.html", {"organisation": organisation}, status=429)
    if request.method == "POST" and form.is_valid() and form.is_bot:
        # Looks like success to the bot; nothing is stored and nobody is told.
        messages.success(request, _("Thank you. The organisation has been told."))
        return redirect(organisation)
    return form_page(
        request,
        form,
        lambda: services.outdated_report_create(
            actor=request.actor,
            organisation=organisation,
            what_is_wrong=form.cleaned_data["what_is_wrong"],
            contact_email=form.cleaned_data["contact_email"],
        ),
        success=_("Thank you. The organisation has been told."),
        then=lambda outdated: redirect(outdated.organisation),
        template="directory/outdated/report.html",
        context={"organisation": organisation, "contact_keep_days": settings.OUTDATED_REPORT_CONTACT_KEEP_DAYS},
    )


@login_required
@require_GET
def report_list(request: HttpRequest, code: str) -> HttpResponse:
    organisation = organisation_for_user(actor=request.actor, code=code, write=True)
    context = {
        "organisation": organisation,
        "open_reports": services.report_list(organisation=organisation),
        "closed_reports": services.report_list(organisation=organisation, status=ReportStatus.CLOSED)[:CLOSED_SHOWN],
        "form": OutdatedReportCloseForm(),
    }
    return render(request, "directory/outdated/list.html", context)


@login_required
@require_POST
def report_close(request: HttpRequest, code: str, report: str) -> HttpResponse:
    organisation = organisation_for_user(actor=request.actor, code=code, write=True)
    outdated = get_object_or_404(
        OutdatedReport.objects.select_related("organisation"), organisation=organisation, code=report
    )
    form = OutdatedReportCloseForm(request.POST)
    if not valid_or_flash(request, form):
        return redirect("directory:outdated_reports", code=organisation.code)
    if not outdated.is_open:
        messages.info(request, _("This report has already been closed."))
        return redirect("directory:outdated_reports", code=organisation.code)
    act(
        request,
        lambda: services.outdated_report_close(actor=request.actor, report=outdated, note=form.cleaned_data["note"]),
        success=_("The report was closed."),
    )
    return redirect("directory:outdated_reports", code=organisation.code)
