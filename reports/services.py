"""Report runs: requested by a coordinator (or the quarterly schedule), computed by a Celery task that
claims the run row with a compare-and-swap, so a redelivered or duplicated task is a no-op."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from asfnet.access import is_coordinator
from asfnet.audit import audit_log
from matchmaking.models import FundedProject
from reports.models import ReportKind, ReportRun, RunStatus


@transaction.atomic
def report_run_request(
    *,
    actor: Any,
    kind: str,
    project: FundedProject | None,
    period_from: dt.date | None,
    period_to: dt.date | None,
    suppress_small_cells: bool = False,
    scheduled: bool = False,
) -> ReportRun:
    if not scheduled and not is_coordinator(actor):
        raise PermissionDenied
    if kind not in ReportKind.values:
        raise ValidationError(_("Unknown kind of report."))
    if kind in (ReportKind.ESF, ReportKind.PROJECT) and (project is None or not period_from or not period_to):
        raise ValidationError(_("Choose a project and a period."))
    if period_from and period_to and period_to < period_from:
        raise ValidationError({"period_to": _("The period must end on or after its start.")})
    if kind == ReportKind.ESF and suppress_small_cells:
        raise ValidationError(_("Small-cell suppression is for published reports, never for the funder's report."))
    run = ReportRun(
        kind=kind,
        project=project,
        period_from=period_from,
        period_to=period_to,
        suppress_small_cells=suppress_small_cells,
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
        scheduled=scheduled,
    )
    run.full_clean()
    run.save()
    audit_log(actor=actor, action="report.request", target=run, data={"kind": kind})
    from reports.tasks import run_report

    run_report.delay_on_commit(run.pk)
    return run


def claim(run_id: int) -> bool:
    """queued → running, once. A second delivery of the same task finds nothing to claim."""
    return (
        ReportRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
            status=RunStatus.RUNNING, started_at=timezone.now(), progress=0
        )
        == 1
    )


def set_progress(run_id: int, percent: int) -> None:
    ReportRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(progress=max(0, min(100, percent)))


def release_for_retry(run_id: int) -> None:
    """A transient failure: running → queued, so the retried task can claim it again."""
    ReportRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(status=RunStatus.QUEUED)


def finish(run_id: int, *, result: dict[str, Any]) -> None:
    ReportRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        status=RunStatus.SUCCEEDED, progress=100, finished_at=timezone.now(), result=result, error=""
    )


def fail(run_id: int, *, message: str) -> None:
    ReportRun.objects.filter(pk=run_id).exclude(status=RunStatus.SUCCEEDED).update(
        status=RunStatus.FAILED, finished_at=timezone.now(), error=message[:2000]
    )


def stuck_runs(older_than: dt.timedelta = dt.timedelta(minutes=10)) -> list[int]:
    """Runs still queued long after they were asked for: their task was lost (e.g. Redis restarted empty)."""
    return list(
        ReportRun.objects.filter(status=RunStatus.QUEUED, updated_at__lt=timezone.now() - older_than).values_list(
            "pk", flat=True
        )
    )


def quarter_before(day: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar quarter before the one containing `day`."""
    first_this = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    last_prev = first_this - dt.timedelta(days=1)
    first_prev = dt.date(last_prev.year, 3 * ((last_prev.month - 1) // 3) + 1, 1)
    return first_prev, last_prev
