"""Report runs as Celery jobs on the real Redis with a real worker: idempotent claims, redelivery, the
sweeper, progress, failures in plain words (docs/security-checks.md I44–I48)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from celery.contrib.testing.worker import start_worker

from asfnet.celery import app as celery_app
from directory.access import actor_for
from directory.factories import ForbundFactory
from matchmaking.models import FundedProject
from reports import services
from reports.models import ReportFile, ReportKind, ReportRun, RunStatus
from reports.tasks import enqueue_report_run, run_report, schedule_quarterly_reports, sweep_stuck_runs


@pytest.fixture
def project(db):
    return FundedProject.objects.create(forbund=ForbundFactory(), diarienummer="23-051-S06", name="Projekt")


def _queued(project, **extra) -> ReportRun:
    return ReportRun.objects.create(
        kind=ReportKind.ESF, project=project, period_from=dt.date(2024, 1, 1), period_to=dt.date(2024, 3, 31), **extra
    )


def _wait(predicate, timeout=30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_the_task_body_claims_computes_and_writes_one_file_per_format(project, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    run = _queued(project)
    run_report.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    assert run.progress == 100
    assert run.result["indicators"]["EECO01"] == {"women": 0, "men": 0, "non_binary": 0, "total": 0}
    assert set(run.files.values_list("format", flat=True)) >= {"csv", "xlsx"}


@pytest.mark.security("I45")
def test_a_second_delivery_of_the_same_task_is_a_no_op(project, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    run = _queued(project)
    run_report.apply(args=[run.pk])
    finished_at = ReportRun.objects.get(pk=run.pk).finished_at
    files = list(ReportFile.objects.filter(run=run).values_list("pk", flat=True))
    run_report.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.finished_at == finished_at
    assert list(ReportFile.objects.filter(run=run).values_list("pk", flat=True)) == files


def test_a_failure_is_recorded_in_plain_words(project, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    from reports import indicators

    def broken(*args, **kwargs):
        raise indicators.InvariantViolation("EECO01 ≠ EECO02 + EECO04 + EECO05 (total)")

    monkeypatch.setattr(indicators, "esf_report", broken)
    run = _queued(project)
    run_report.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "EECO01" in run.error


def test_esf_report_refuses_small_cell_suppression(project, world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.report_run_request(
            actor=actor_for(world.coordinator),
            kind=ReportKind.ESF,
            project=project,
            period_from=dt.date(2024, 1, 1),
            period_to=dt.date(2024, 3, 31),
            suppress_small_cells=True,
        )


def test_only_coordinators_request_runs_and_the_requester_enqueues_the_task_after_commit(
    project, world, django_capture_on_commit_callbacks, monkeypatch
):
    from django.core.exceptions import PermissionDenied

    sent = []
    monkeypatch.setattr(run_report, "apply_async", lambda args=None, kwargs=None, **kw: sent.append(args))
    with pytest.raises(PermissionDenied):
        services.report_run_request(
            actor=actor_for(world.officer_x),
            kind="esf",
            project=project,
            period_from=dt.date(2024, 1, 1),
            period_to=dt.date(2024, 3, 31),
        )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = services.report_run_request(
            actor=actor_for(world.coordinator),
            kind="esf",
            project=project,
            period_from=dt.date(2024, 1, 1),
            period_to=dt.date(2024, 3, 31),
        )
        assert callbacks == []  # the service enqueues nothing: it imports no task (no cycle)
        enqueue_report_run(run)
        assert sent == []  # not before the commit
    assert sent == [(run.pk,)]


def test_quarterly_schedule_creates_one_run_per_project_and_quarter(project, monkeypatch):
    monkeypatch.setattr(run_report, "delay_on_commit", lambda *args: None)
    assert services.quarter_before(dt.date(2026, 1, 5)) == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    assert services.quarter_before(dt.date(2026, 5, 20)) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert schedule_quarterly_reports() == 1
    assert schedule_quarterly_reports() == 0
    assert ReportRun.objects.filter(scheduled=True).count() == 1


@pytest.fixture
def worker(transactional_db):
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING") as w:
        yield w


@pytest.mark.security("I45")
@pytest.mark.celery_worker
def test_run_completes_on_a_real_worker_and_redelivery_changes_nothing(worker, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    project = FundedProject.objects.create(forbund=ForbundFactory(), diarienummer="23-051-S06", name="Projekt")
    run = _queued(project)
    run_report.delay(run.pk)
    run_report.delay(run.pk)  # a duplicate delivery
    assert _wait(lambda: ReportRun.objects.get(pk=run.pk).status == RunStatus.SUCCEEDED)
    time.sleep(0.5)
    assert ReportFile.objects.filter(run=run, format="csv").count() == 1
    assert ReportRun.objects.get(pk=run.pk).attempts == 1


@pytest.mark.security("I48")
@pytest.mark.celery_worker
@pytest.mark.chaos
def test_the_sweeper_requeues_a_run_whose_task_was_lost(worker, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    project = FundedProject.objects.create(forbund=ForbundFactory(), diarienummer="23-051-S06", name="Projekt")
    run = _queued(project)  # never enqueued: as if Redis had restarted empty
    ReportRun.objects.filter(pk=run.pk).update(updated_at=run.updated_at - dt.timedelta(minutes=30))
    assert sweep_stuck_runs() == 1
    assert _wait(lambda: ReportRun.objects.get(pk=run.pk).status == RunStatus.SUCCEEDED)
    assert sweep_stuck_runs() == 0
