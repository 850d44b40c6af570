"""Report tasks: each takes a run id and calls one service (reports/services.py), which never imports
this module. The ReportRun row is the truth: the service claims it (queued → running, or a takeover of a
run whose lease expired) with a compare-and-swap and holds it under a lease renewed at every step, so a
redelivered task is a no-op, a run whose worker died is completed once by another, and a worker that lost
its lease writes nothing. Transient database errors are retried a bounded number of times; anything else
fails the run with a message in plain words. The "report ready" e-mail is sent from the worker and, if
that fails, by the sweeper."""

from __future__ import annotations

from celery import shared_task

from kernel.queue import publish
from reports import services
from reports.models import ReportRun


# recovered_by_sweeper: a run that could not be enqueued stays queued and sweep_stuck_runs enqueues it.
@shared_task(bind=True, max_retries=5, acks_late=True, recovered_by_sweeper=True)
def run_report(self, run_id: int) -> None:  # type: ignore[no-untyped-def]
    try:
        services.report_run_execute(run_id=run_id, may_retry=self.request.retries < self.max_retries)
    except services.RetryLater as later:
        raise self.retry(exc=later.__cause__, countdown=min(60, 5 * 2**self.request.retries)) from later


def enqueue_report_run(run: ReportRun) -> None:
    """After the requesting transaction commits, and safe with the broker down: the run stays queued and
    the sweeper enqueues it."""
    run_report.delay_on_commit(run.pk)


@shared_task
def notify_ready(run_id: int) -> None:
    """Kept for messages already queued under this name: the same durable send as the worker's."""
    services.notify_ready(run_id)


@shared_task
def sweep_stuck_runs() -> int:
    """Every 5 minutes: re-enqueue runs whose task was lost (queued for more than ten minutes) and runs
    whose worker died (lease expired; the claim takes them over, or fails them after the last attempt);
    send the "report ready" e-mails not handed over yet. Returns the number of runs enqueued."""
    run_ids = services.runs_to_enqueue_again()
    for run_id in run_ids:
        publish(run_report, run_id)
    services.notify_ready_all()
    return len(run_ids)


@shared_task
def schedule_quarterly_reports() -> int:
    """The first days of a quarter: an ESF+ run for the previous quarter of every active project."""
    runs = services.quarterly_runs_request()
    for run in runs:
        enqueue_report_run(run)
    return len(runs)
