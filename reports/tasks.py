"""Report tasks. The ReportRun row is the truth: the task claims it (queued → running) with a
compare-and-swap, so a redelivered task is a no-op; transient database errors are retried a bounded
number of times; anything else fails the run with a message in plain words."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from reports import services
from reports.models import ReportKind, ReportRun, RunStatus

logger = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError)


@shared_task(bind=True, max_retries=5, acks_late=True)
def run_report(self, run_id: int) -> None:  # type: ignore[no-untyped-def]
    if not services.claim(run_id):
        logger.info("report run %s already claimed or finished; nothing to do", run_id)
        return
    ReportRun.objects.filter(pk=run_id).update(attempts=self.request.retries + 1)
    try:
        result = compute(run_id)
    except TRANSIENT as error:
        services.release_for_retry(run_id)
        if self.request.retries >= self.max_retries:
            services.fail(run_id, message="The database did not answer; the report was tried several times.")
            return
        raise self.retry(exc=error, countdown=min(60, 5 * 2**self.request.retries)) from error
    except Exception as error:
        logger.exception("report run %s failed", run_id)
        services.fail(run_id, message=str(error) or error.__class__.__name__)
        return
    services.finish(run_id, result=result)
    notify_ready.delay(run_id)


def compute(run_id: int) -> dict:
    from reports.indicators import esf_report

    run = ReportRun.objects.select_related("project", "requested_by").get(pk=run_id)
    services.set_progress(run_id, 10)
    if run.kind == ReportKind.EXIT_PACKAGE:
        from reports import exit_package, outputs

        content, result = exit_package.build(run, progress=lambda percent: services.set_progress(run_id, percent))
        services.set_progress(run_id, 85)
        outputs.save_file(run, "zip", content)
        services.set_progress(run_id, 95)
        return result
    if run.kind == ReportKind.ESF:
        from django.utils import translation

        from reports.presentation import report_language

        # Warnings are sentences: written in the language the files are made in (the requester's).
        with translation.override(report_language(run)):
            report = esf_report(run.project, run.period_from, run.period_to)
        services.set_progress(run_id, 70)
        result = report.as_json()
    else:
        from reports import measures

        result = measures.compute(run)
    services.set_progress(run_id, 80)
    from reports import outputs

    outputs.write_files(run, result)
    services.set_progress(run_id, 95)
    return result


@shared_task
def notify_ready(run_id: int) -> None:
    from reports import outputs

    outputs.send_ready_email(run_id)


@shared_task
def sweep_stuck_runs() -> int:
    """Re-enqueue runs whose task was lost (queued for more than ten minutes)."""
    stuck = services.stuck_runs()
    for run_id in stuck:
        ReportRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(updated_at=timezone.now())
        run_report.delay(run_id)
    return len(stuck)


@shared_task
def schedule_quarterly_reports() -> int:
    """The first days of a quarter: an ESF+ run for the previous quarter of every active project."""
    from matchmaking.models import FundedProject

    start, end = services.quarter_before(timezone.localdate())
    created = 0
    for project in FundedProject.objects.all():
        if project.ends_on and project.ends_on < start:
            continue
        if ReportRun.objects.filter(
            project=project, kind=ReportKind.ESF, period_from=start, period_to=end, scheduled=True
        ).exists():
            continue
        services.report_run_request(
            actor=None, kind=ReportKind.ESF, project=project, period_from=start, period_to=end, scheduled=True
        )
        created += 1
    return created
