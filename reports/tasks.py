"""Report tasks. The ReportRun row is the truth: the task claims it (queued → running, or a takeover of a
run whose lease expired) with a compare-and-swap and holds it under a lease renewed at every step, so a
redelivered task is a no-op, a run whose worker died is completed once by another, and a worker that
lost its lease writes nothing. Transient database errors are retried a bounded number of times; anything
else fails the run with a message in plain words. The "report ready" e-mail is sent from the worker and,
if that fails, by the sweeper."""

from __future__ import annotations

import logging
import time
import uuid

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from kernel.queue import publish
from reports import services
from reports.models import ReportKind, ReportRun, RunStatus

logger = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError)


# recovered_by_sweeper: a run that could not be enqueued stays queued and sweep_stuck_runs enqueues it.
@shared_task(bind=True, max_retries=5, acks_late=True, recovered_by_sweeper=True)
def run_report(self, run_id: int) -> None:  # type: ignore[no-untyped-def]
    token = services.claim(run_id)
    if token is None:
        logger.info("report run %s already claimed, finished or out of attempts; nothing to do", run_id)
        return
    try:
        result, files = compute(run_id, token)
    except services.LeaseLost:
        logger.warning("report run %s was taken over by another worker; this one stops", run_id)
        return
    except TRANSIENT as error:
        if not services.release_for_retry(run_id, token):
            return  # taken over meanwhile
        if services.fail_exhausted(run_id) or self.request.retries >= self.max_retries:
            return  # failed for good, or left queued for the sweeper (claim() counts the attempts)
        raise self.retry(exc=error, countdown=min(60, 5 * 2**self.request.retries)) from error
    except Exception as error:
        logger.exception("report run %s failed", run_id)
        services.fail(run_id, token, message=str(error) or error.__class__.__name__)
        return
    if services.finish(run_id, token, result=result, files=files):
        services.notify_ready(run_id)
    else:
        logger.warning("report run %s was taken over before it finished; its result was not written", run_id)


def compute(run_id: int, token: uuid.UUID) -> tuple[dict, dict[str, bytes]]:
    """The result and the files' contents; nothing is written here (services.finish writes them, once).
    Every step renews the lease (LeaseLost when the run was taken over)."""
    from reports.indicators import esf_report

    def step(percent: int) -> None:
        services.renew(run_id, token, percent)
        if settings.REPORT_RUN_STEP_DELAY_MS:  # tests only: time to kill the worker mid-run
            time.sleep(settings.REPORT_RUN_STEP_DELAY_MS / 1000)

    run = ReportRun.objects.select_related("project", "requested_by").get(pk=run_id)
    step(10)
    if run.kind == ReportKind.EXIT_PACKAGE:
        from reports import exit_package

        content, result = exit_package.build(run, progress=step)
        step(95)
        return result, {"zip": content}
    if run.kind == ReportKind.ESF:
        from django.utils import translation

        from reports.presentation import report_language

        # Warnings are sentences: written in the language the files are made in (the requester's).
        with translation.override(report_language(run)):
            report = esf_report(run.project, run.period_from, run.period_to)
        step(70)
        result = report.as_json()
    else:
        from reports import measures

        result = measures.compute(run)
    step(80)
    from reports import outputs

    files = outputs.render_files(run, result)
    step(95)
    return result, files


@shared_task
def notify_ready(run_id: int) -> None:
    """Kept for messages already queued under this name: the same durable send as the worker's."""
    services.notify_ready(run_id)


@shared_task
def sweep_stuck_runs() -> int:
    """Every 5 minutes: re-enqueue runs whose task was lost (queued for more than ten minutes) and runs
    whose worker died (lease expired; claim() takes them over, or fails them after the last attempt);
    send the "report ready" e-mails not handed over yet. Returns the number of runs enqueued."""
    stuck = services.stuck_runs()
    for run_id in stuck:
        ReportRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(updated_at=timezone.now())
        publish(run_report, run_id)
    abandoned = [run_id for run_id in services.abandoned_runs() if not services.fail_exhausted(run_id)]
    for run_id in abandoned:
        publish(run_report, run_id)
    for run_id in services.unnotified_runs():
        services.notify_ready(run_id)
    return len(stuck) + len(abandoned)


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
