"""Report runs: requested by a coordinator (or the quarterly schedule), computed by a Celery task that
claims the run row with a compare-and-swap and holds it under a lease, so a redelivered or duplicated
task is a no-op, a run whose worker died is taken over once, and a late worker changes nothing.

The tasks (reports/tasks.py) take a run id and call one service here; this module never imports them.
Whoever requests a run enqueues its task after commit (`run_report.delay_on_commit(run.pk)`); a run whose
task was never enqueued stays queued and the sweeper enqueues it."""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from directory.access import Actor
from directory.forbund.registry import registry
from kernel.audit import audit_log, save_audited, target_id_of
from kernel.erasure import DELETED, Erased
from kernel.replica import replica_reads
from matchmaking.models import FundedProject
from reports import exit_package, indicators, measures, outputs
from reports.finsam.selectors import structure_work
from reports.models import ReportFile, ReportKind, ReportRun, RunStatus
from reports.presentation import report_language

logger = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError)  # database errors a later attempt may not meet


@transaction.atomic
def report_run_request(
    *,
    actor: Actor | None,
    kind: str,
    project: FundedProject | None,
    period_from: dt.date | None,
    period_to: dt.date | None,
    suppress_small_cells: bool = False,
    scheduled: bool = False,
    reauthenticated: bool = False,
) -> ReportRun:
    if not scheduled and not (actor is not None and actor.is_coordinator):
        raise PermissionDenied
    # A run belongs to one förbund: the project's; a coordinator asks only in the förbund they act in.
    forbund_id = project.forbund_id if project is not None else (actor.forbund_id if actor is not None else None)
    if forbund_id is None or (actor is not None and actor.forbund_id != forbund_id):
        raise PermissionDenied
    # The exit package carries every table, with the names and e-mail addresses of the people who log in:
    # only a coordinator who has just confirmed their password may ask for it, and it is never scheduled.
    # It is the whole installation's: with several förbund no förbund's coordinator may take it (the platform
    # operator runs `manage.py export_exit_package`).
    if kind == ReportKind.EXIT_PACKAGE and (scheduled or not reauthenticated or registry().is_multi):
        raise PermissionDenied
    if kind not in ReportKind.values:
        raise ValidationError(_("Unknown kind of report."))
    needs_period = (ReportKind.ESF, ReportKind.PROJECT, ReportKind.FINSAM)
    if kind in needs_period and (project is None or not period_from or not period_to):
        raise ValidationError(_("Choose a project and a period."))
    if period_from and period_to and period_to < period_from:
        raise ValidationError({"period_to": _("The period must end on or after its start.")})
    if kind == ReportKind.ESF and suppress_small_cells:
        raise ValidationError(_("Small-cell suppression is for published reports, never for the funder's report."))
    # The same report delivered before keeps its figures; this run is marked as a new run of it.
    delivered = (
        ReportRun.objects.filter(
            kind=kind, project=project, period_from=period_from, period_to=period_to, delivered_at__isnull=False
        )
        .order_by("-delivered_at", "-pk")
        .first()
        if kind == ReportKind.ESF
        else None
    )
    run = ReportRun(
        forbund_id=forbund_id,
        kind=kind,
        project=project,
        period_from=period_from,
        period_to=period_to,
        suppress_small_cells=suppress_small_cells,
        requested_by=actor.user if actor is not None else None,
        scheduled=scheduled,
        rerun_of=delivered,
    )
    return save_audited(
        run, actor=actor.user if actor is not None else None, action="report.request", data={"kind": kind}
    )


@transaction.atomic
def report_run_deliver(*, actor: Actor, run: ReportRun) -> ReportRun:
    """A coordinator records that a finished ESF+ run was sent to the funder. Its stored result and files are
    then the delivered figures, under the rules version they were computed with; asking for the same report
    again makes a new run, marked as a re-run of this one."""
    if not actor.is_coordinator or run.forbund_id != actor.forbund_id:
        raise PermissionDenied
    if run.kind != ReportKind.ESF or run.status != RunStatus.SUCCEEDED:
        raise ValidationError(_("Only a finished ESF+ report can be marked as delivered to the funder."))
    if not ReportRun.objects.filter(pk=run.pk, delivered_at__isnull=True).update(
        delivered_at=timezone.now(), delivered_by=actor.user
    ):
        raise ValidationError(_("This report is already marked as delivered."))
    run.refresh_from_db()
    audit_log(actor=actor.user, action="report.deliver", target=run, data={"rules_version": run.rules_version})
    return run


def quarterly_runs_request(*, today: dt.date | None = None) -> list[ReportRun]:
    """The first days of a quarter: an ESF+ run for the previous quarter of every project still running
    then, unless it was scheduled already. Returns the runs created (the caller enqueues them)."""
    start, end = quarter_before(today or timezone.localdate())
    created = []
    for project in FundedProject.objects.all():
        if project.ends_on and project.ends_on < start:
            continue
        if ReportRun.objects.filter(
            project=project, kind=ReportKind.ESF, period_from=start, period_to=end, scheduled=True
        ).exists():
            continue
        created.append(
            report_run_request(
                actor=None, kind=ReportKind.ESF, project=project, period_from=start, period_to=end, scheduled=True
            )
        )
    return created


# --- Computing a run ------------------------------------------------------------------------------------------
class RetryLater(Exception):
    """A transient database error: the run was handed back (queued) for the task to retry. The error is
    the exception's __cause__."""


def report_run_execute(*, run_id: int, may_retry: bool) -> None:
    """Compute run `run_id` once: claim it, compute, write the result and the files, send the "report
    ready" e-mail. A run already claimed, finished or out of attempts is left alone. A transient database
    error hands the run back and raises RetryLater when `may_retry` (else the sweeper enqueues it again);
    any other error fails the run with a message in plain words."""
    token = claim(run_id)
    if token is None:
        logger.info("report run %s already claimed, finished or out of attempts; nothing to do", run_id)
        return
    try:
        result, files = _compute(run_id, token)
    except LeaseLost:
        logger.warning("report run %s was taken over by another worker; this one stops", run_id)
        return
    except TRANSIENT as error:
        if not release_for_retry(run_id, token):
            return  # taken over meanwhile
        if fail_exhausted(run_id) or not may_retry:
            return  # failed for good, or left queued for the sweeper (claim() counts the attempts)
        raise RetryLater(run_id) from error
    except Exception as error:
        logger.exception("report run %s failed", run_id)
        fail(run_id, token, message=str(error) or error.__class__.__name__)
        return
    if finish(run_id, token, result=result, files=files):
        notify_ready(run_id)
    else:
        logger.warning("report run %s was taken over before it finished; its result was not written", run_id)


def _compute(run_id: int, token: uuid.UUID) -> tuple[dict, dict[str, bytes]]:
    """The result and the files' contents; nothing is written here (finish() writes them, once). Every
    step renews the lease (LeaseLost when the run was taken over)."""

    def step(percent: int) -> None:
        renew(run_id, token, percent)
        if settings.REPORT_RUN_STEP_DELAY_MS:  # tests only: time to kill the worker mid-run
            time.sleep(settings.REPORT_RUN_STEP_DELAY_MS / 1000)

    run = ReportRun.objects.select_related("project", "requested_by").get(pk=run_id)
    step(10)
    if run.kind == ReportKind.EXIT_PACKAGE:
        content, result = exit_package.build(run, progress=step)
        step(95)
        return result, {"zip": content}
    if run.kind == ReportKind.ESF:
        # Warnings are sentences: written in the language the files are made in (the requester's).
        project, period_from, period_to = run.project, run.period_from, run.period_to
        if project is None or period_from is None or period_to is None:  # report_run_request refuses these
            raise ValidationError(_("Choose a project and a period."))
        # The aggregation only reads: from the replica while it answers (kernel/replica.py).
        with translation.override(report_language(run)), replica_reads() as on_replica:
            result = indicators.esf_report(project, period_from, period_to).as_result()
        step(70)
    elif run.kind == ReportKind.FINSAM:
        with replica_reads() as on_replica:
            result = structure_work(run)
    else:
        with replica_reads() as on_replica:
            result = measures.compute(run)
    # Which database the aggregation read (docs/scaling.md; `make scale-demo` checks it in the worker's log).
    logger.info("report run %s: aggregated on the %s", run.code, "replica" if on_replica else "primary")
    step(80)
    files = outputs.render_files(run, result)
    step(95)
    return result, files


# --- The lease: who computes a run ----------------------------------------------------------------------------
# A run is computed by the worker holding its lease: a claim token and an expiry, both set by a
# compare-and-swap (one UPDATE whose WHERE is the expected old state; PostgreSQL re-checks it on the row
# another transaction just changed, so of two claimers exactly one changes the row). The holder renews the
# lease at every step; writing the result and failing the run are compare-and-swaps on its token, so a
# worker that lost its lease (it was too slow, or it was presumed dead and taken over) changes nothing.


class LeaseLost(Exception):
    """The run was taken over by another worker (or finished): stop without writing anything."""


def _lease_until() -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=settings.REPORT_RUN_LEASE_SECONDS)


def claim(run_id: int) -> uuid.UUID | None:
    """queued → running, or take over a running run whose lease expired (its worker died). Returns the new
    claim token, or None when there is nothing to claim: finished, held by a live worker, or out of
    attempts (then the run is failed with a message for the coordinator)."""
    now = timezone.now()
    token = uuid.uuid4()
    claimable = Q(status=RunStatus.QUEUED) | Q(status=RunStatus.RUNNING, lease_expires_at__lt=now)
    claimed = (
        ReportRun.objects.filter(claimable, pk=run_id, attempts__lt=settings.REPORT_RUN_MAX_ATTEMPTS).update(
            status=RunStatus.RUNNING,
            claim_token=token,
            lease_expires_at=_lease_until(),
            attempts=F("attempts") + 1,
            started_at=now,
            progress=0,
        )
        == 1
    )
    if claimed:
        return token
    fail_exhausted(run_id)
    return None


def renew(run_id: int, token: uuid.UUID, percent: int | None = None) -> None:
    """Extend the lease (and record progress) while still holding it; LeaseLost when the run was taken over."""
    changes: dict[str, Any] = {"lease_expires_at": _lease_until()}
    if percent is not None:
        changes["progress"] = max(0, min(100, percent))
    if not ReportRun.objects.filter(pk=run_id, status=RunStatus.RUNNING, claim_token=token).update(**changes):
        raise LeaseLost(run_id)


def release_for_retry(run_id: int, token: uuid.UUID) -> bool:
    """A transient failure: running → queued (lease given up), so the retried task can claim it again."""
    return bool(
        ReportRun.objects.filter(pk=run_id, status=RunStatus.RUNNING, claim_token=token).update(
            status=RunStatus.QUEUED, claim_token=None, lease_expires_at=None
        )
    )


def finish(run_id: int, token: uuid.UUID, *, result: dict[str, Any], files: dict[str, bytes]) -> bool:
    """Write the files and the result, once: only while `token` still holds the run. The row stays locked
    until the commit, so a takeover waits and then finds the run succeeded. False: lease lost, nothing
    written."""
    with transaction.atomic():
        run = (
            ReportRun.objects.select_for_update(of=("self",))
            .select_related("project", "requested_by")
            .filter(pk=run_id, status=RunStatus.RUNNING, claim_token=token)
            .first()
        )
        if run is None:
            return False
        for fmt, content in files.items():
            outputs.save_file(run, fmt, content)
        ReportRun.objects.filter(pk=run_id).update(
            status=RunStatus.SUCCEEDED,
            progress=100,
            finished_at=timezone.now(),
            result=result,
            rules_version=result.get("rules_version", "") if run.kind == ReportKind.ESF else "",
            error="",
            lease_expires_at=None,
        )
    return True


def fail(run_id: int, token: uuid.UUID, *, message: str) -> bool:
    """Fail the run held by `token` (a worker that lost its lease fails nothing)."""
    return bool(
        ReportRun.objects.filter(pk=run_id, status=RunStatus.RUNNING, claim_token=token).update(
            status=RunStatus.FAILED, finished_at=timezone.now(), error=message[:2000], lease_expires_at=None
        )
    )


def fail_exhausted(run_id: int) -> bool:
    """A run that was started REPORT_RUN_MAX_ATTEMPTS times without finishing, and is not held by a live
    worker, is failed with a message for the coordinator (in the language of whoever asked for it)."""

    now = timezone.now()
    exhausted = ReportRun.objects.filter(
        Q(status=RunStatus.QUEUED) | Q(status=RunStatus.RUNNING, lease_expires_at__lt=now),
        pk=run_id,
        attempts__gte=settings.REPORT_RUN_MAX_ATTEMPTS,
    )
    run = exhausted.select_related("requested_by").first()
    if run is None:
        return False
    with translation.override(report_language(run)):
        message = ngettext(
            "The report was started %(count)s time but never finished (the server computing it stopped or "
            "the database did not answer). Request it again; if it fails again, tell the administrator.",
            "The report was started %(count)s times but never finished (the server computing it stopped or "
            "the database did not answer). Request it again; if it fails again, tell the administrator.",
            run.attempts,
        ) % {"count": run.attempts}
    return bool(exhausted.update(status=RunStatus.FAILED, finished_at=now, error=message, lease_expires_at=None))


def stuck_runs(older_than: dt.timedelta = dt.timedelta(minutes=10)) -> list[int]:
    """Runs still queued long after they were asked for: their task was lost (e.g. Redis restarted empty,
    or down when the run was requested)."""
    return list(
        ReportRun.objects.filter(status=RunStatus.QUEUED, updated_at__lt=timezone.now() - older_than).values_list(
            "pk", flat=True
        )
    )


def abandoned_runs() -> list[int]:
    """Running runs whose lease expired: their worker died (or hung) and no task is taking them over."""
    return list(
        ReportRun.objects.filter(status=RunStatus.RUNNING, lease_expires_at__lt=timezone.now()).values_list(
            "pk", flat=True
        )
    )


# --- "Report ready" e-mail, durable ---------------------------------------------------------------------------
NOTIFY_WINDOW = dt.timedelta(days=1)  # runs finished longer ago are not announced any more
NOTIFY_CLAIM = dt.timedelta(minutes=10)  # a sender that died holding a claim is presumed dead after this


def notify_ready(run_id: int) -> bool:
    """Send the "report ready" e-mail once: claimed with a compare-and-swap on notify_claimed_at (two
    sweepers never both send), marked notified only after the project's send path took the mail. When
    that raises (SMTP or broker down), the claim is given back and a later sweep sends it. True if sent
    (or nothing to send) now."""
    now = timezone.now()
    due = Q(notify_claimed_at__isnull=True) | Q(notify_claimed_at__lt=now - NOTIFY_CLAIM)
    if not ReportRun.objects.filter(due, pk=run_id, status=RunStatus.SUCCEEDED, notified_at__isnull=True).update(
        notify_claimed_at=now
    ):
        return False
    try:
        outputs.send_ready_email(run_id)
    except Exception:
        logger.warning(
            "report run %s: the ready e-mail was not handed over; the sweeper tries again", run_id, exc_info=True
        )
        ReportRun.objects.filter(pk=run_id, notify_claimed_at=now).update(notify_claimed_at=None)
        return False
    ReportRun.objects.filter(pk=run_id, notify_claimed_at=now).update(notified_at=timezone.now())
    return True


def runs_to_enqueue_again() -> list[int]:
    """For the sweeper: runs still queued long after they were asked for (their task was lost; their clock
    is reset so the next sweep leaves them to the task enqueued now) and runs whose worker died that still
    have attempts left (the others are failed with a message here). Returns the ids to enqueue."""
    stuck = stuck_runs()
    for run_id in stuck:
        ReportRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(updated_at=timezone.now())
    abandoned = [run_id for run_id in abandoned_runs() if not fail_exhausted(run_id)]
    return stuck + abandoned


def notify_ready_all() -> int:
    """For the sweeper: send the "report ready" e-mails not handed over yet. Returns how many were sent."""
    return sum(1 for run_id in unnotified_runs() if notify_ready(run_id))


def unnotified_runs() -> list[int]:
    """Runs that finished within NOTIFY_WINDOW whose ready e-mail was not handed over."""
    return list(
        ReportRun.objects.filter(
            status=RunStatus.SUCCEEDED,
            notified_at__isnull=True,
            requested_by__isnull=False,
            finished_at__gte=timezone.now() - NOTIFY_WINDOW,
        ).values_list("pk", flat=True)
    )


def quarter_before(day: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar quarter before the one containing `day`."""
    first_this = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    last_prev = first_this - dt.timedelta(days=1)
    first_prev = dt.date(last_prev.year, 3 * ((last_prev.month - 1) // 3) + 1, 1)
    return first_prev, last_prev


# --- Retention -------------------------------------------------------------------------------------------
def report_files_erase_due(*, now: dt.datetime | None = None, dry_run: bool = False) -> list[Erased]:
    """Delete the files of report runs older than REPORT_FILES_KEEP_DAYS (an exit package holds participant
    data). A run delivered to the funder keeps its files: they are the figures delivered and hold counts only,
    never a participant. The run itself and its stored result stay."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.REPORT_FILES_KEEP_DAYS)
    erased = []
    due = ReportFile.objects.filter(created_at__lt=cutoff, run__delivered_at__isnull=True).select_related("run")
    with transaction.atomic():
        by_run: dict[int, list[ReportFile]] = {}
        for report_file in due.select_for_update(of=("self",), skip_locked=True).order_by("pk"):
            by_run.setdefault(report_file.run_id, []).append(report_file)
        for files in by_run.values():
            erased.append(Erased("reports.reportrun", target_id_of(files[0].run), DELETED, len(files)))
            if dry_run:
                continue
            storage = files[0].file.storage
            for report_file in files:
                report_file.delete()
                transaction.on_commit(partial(storage.delete, report_file.file.name))
    return erased
