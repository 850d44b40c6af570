"""Report runs under faults (docs/security-checks.md K58, K59): the lease that lets another worker take over a run
whose worker died (exactly once, bounded), a worker that lost its lease writing nothing, a request made
while Redis is down, and the "report ready" e-mail that could not be handed over when the run finished."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from asfnet.celery import app as celery_app
from directory.factories import ForbundFactory
from kernel.models import PendingTask
from matchmaking.models import FundedProject
from reports import indicators, outputs, services
from reports.models import ReportFile, ReportKind, ReportRun, RunStatus
from reports.tasks import run_report, sweep_stuck_runs
from tests.faults import OwnRedis, WorkerProcess, celery_broker, free_port, wait_for


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _project() -> FundedProject:
    return FundedProject.objects.create(forbund=ForbundFactory(), diarienummer="23-051-S06", name="Projekt")


def _queued(project, **extra) -> ReportRun:
    return ReportRun.objects.create(
        kind=ReportKind.ESF, project=project, period_from=dt.date(2024, 1, 1), period_to=dt.date(2024, 3, 31), **extra
    )


def _expire_lease(run_id: int) -> None:
    ReportRun.objects.filter(pk=run_id).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))


def _snapshot(run_id: int) -> tuple:
    run = ReportRun.objects.get(pk=run_id)
    files = sorted(ReportFile.objects.filter(run_id=run_id).values_list("pk", "format", "file"))
    return (run.status, run.claim_token, run.attempts, run.result, run.error, run.finished_at, run.progress, files)


# --- The lease, unit level --------------------------------------------------------------------------------------
@pytest.mark.security("K59")
def test_a_live_lease_is_not_taken_over_and_an_expired_one_is_taken_over_once(db):
    run = _queued(_project())
    first = services.claim(run.pk)
    assert first is not None
    assert services.claim(run.pk) is None  # a duplicate delivery while the worker is alive: nothing
    run.refresh_from_db()
    assert (run.status, run.claim_token, run.attempts) == (RunStatus.RUNNING, first, 1)
    assert run.lease_expires_at > timezone.now()

    _expire_lease(run.pk)
    second = services.claim(run.pk)
    assert second is not None and second != first
    assert services.claim(run.pk) is None  # the takeover holds a fresh lease
    run.refresh_from_db()
    assert (run.claim_token, run.attempts) == (second, 2)


@pytest.mark.parametrize("expired", [False, True], ids=["queued", "lease-expired"])
def test_of_concurrent_claimers_exactly_one_wins(transactional_db, expired):
    """Eight threads, each with its own database connection, claim at the same instant."""
    run = _queued(_project())
    if expired:
        assert services.claim(run.pk)
        _expire_lease(run.pk)
    barrier = threading.Barrier(8)
    tokens = []

    def claimer() -> None:
        try:
            barrier.wait(timeout=10)
            tokens.append(services.claim(run.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=claimer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    winners = [token for token in tokens if token is not None]
    assert len(tokens) == 8 and len(winners) == 1
    run.refresh_from_db()
    assert run.claim_token == winners[0]
    assert run.attempts == (2 if expired else 1)


def test_a_stale_worker_changes_nothing_after_the_takeover(db, settings):
    run = _queued(_project())
    stale = services.claim(run.pk)
    _expire_lease(run.pk)
    fresh = services.claim(run.pk)
    before = _snapshot(run.pk)

    with pytest.raises(services.LeaseLost):
        services.renew(run.pk, stale, 50)
    assert not services.finish(run.pk, stale, result={"stale": True}, files={"csv": b"stale"})
    assert not services.fail(run.pk, stale, message="stale")
    assert not services.release_for_retry(run.pk, stale)
    assert _snapshot(run.pk) == before

    assert services.finish(run.pk, fresh, result={"fresh": True}, files={"csv": b"fresh"})
    done = _snapshot(run.pk)
    assert done[0] == RunStatus.SUCCEEDED and done[3] == {"fresh": True}
    # late, after the run succeeded: the stale worker and a second finish of the fresh one change nothing
    assert not services.finish(run.pk, stale, result={"stale": True}, files={"csv": b"stale"})
    assert not services.finish(run.pk, fresh, result={"again": True}, files={"csv": b"again"})
    assert not services.fail(run.pk, stale, message="stale")
    assert _snapshot(run.pk) == done
    assert ReportFile.objects.get(run_id=run.pk).file.read() == b"fresh"


def _take_over(run_id: int) -> None:
    """What another worker does once this one's lease expired."""
    _expire_lease(run_id)
    assert services.claim(run_id) is not None


@pytest.mark.parametrize("when", ["during-the-computation", "after-the-last-step"])
def test_a_worker_that_lost_its_lease_mid_task_writes_nothing_and_sends_nothing(db, world, monkeypatch, when):
    """The real task body, with the run taken over by another worker while it computes."""
    run = _queued(_project(), requested_by=world.coordinator)
    if when == "during-the-computation":
        real = indicators.esf_report

        def esf_report(*args, **kwargs):
            _take_over(run.pk)
            return real(*args, **kwargs)

        monkeypatch.setattr(indicators, "esf_report", esf_report)
    else:
        real = outputs.render_files

        def render_files(*args, **kwargs):
            files = real(*args, **kwargs)
            _take_over(run.pk)
            return files

        monkeypatch.setattr(outputs, "render_files", render_files)
    run_report.apply(args=[run.pk])
    run.refresh_from_db()
    assert (run.status, run.attempts, run.result, run.finished_at) == (RunStatus.RUNNING, 2, None, None)
    assert not ReportFile.objects.filter(run=run).exists()
    assert mail.outbox == []


def test_takeovers_are_bounded_then_the_run_fails_with_a_message_for_the_coordinator(db, settings, world):
    settings.REPORT_RUN_MAX_ATTEMPTS = 3
    world.coordinator.preferred_language = "en"
    world.coordinator.save()
    run = _queued(_project(), requested_by=world.coordinator)
    for _attempt in range(3):
        assert services.claim(run.pk) is not None
        _expire_lease(run.pk)  # the worker died each time
    assert services.claim(run.pk) is None
    run.refresh_from_db()
    assert (run.status, run.attempts) == (RunStatus.FAILED, 3)
    assert "started 3 times" in run.error and run.finished_at is not None


def test_the_sweeper_fails_an_abandoned_run_out_of_attempts_and_enqueues_the_others(db, settings, monkeypatch):
    settings.REPORT_RUN_MAX_ATTEMPTS = 2
    sent = []
    monkeypatch.setattr(run_report, "apply_async", lambda args=None, kwargs=None, **kw: sent.append(tuple(args)))
    project = _project()
    once, twice, alive = _queued(project), _queued(project), _queued(project)
    for run, claims in ((once, 1), (twice, 2), (alive, 1)):
        for _claim in range(claims):
            _expire_lease(run.pk)
            assert services.claim(run.pk) is not None
    _expire_lease(once.pk)
    _expire_lease(twice.pk)
    assert sweep_stuck_runs() == 1
    assert sent == [(once.pk,)]
    assert ReportRun.objects.get(pk=twice.pk).status == RunStatus.FAILED
    assert ReportRun.objects.get(pk=alive.pk).status == RunStatus.RUNNING


# --- A worker process killed mid-run -----------------------------------------------------------------------------
@pytest.fixture
def own_redis(tmp_path):
    redis = OwnRedis(free_port(), tmp_path)
    yield redis
    redis.stop()


@pytest.fixture
def worker_processes(tmp_path):
    started: list[WorkerProcess] = []

    def start(name: str, redis: OwnRedis, **env: str) -> WorkerProcess:
        worker = WorkerProcess(name, redis, tmp_path, {"MEDIA_ROOT": str(tmp_path / "media"), **env})
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def _mails_in(*workers: WorkerProcess) -> int:
    """The console e-mail backend prints each message; one "Subject:" header per mail."""
    return sum(worker.output().count("\nSubject: ") for worker in workers)


@pytest.mark.security("K59")
@pytest.mark.chaos
@pytest.mark.celery_worker
def test_a_worker_killed_mid_run_is_taken_over_and_the_run_completes_once(
    transactional_db, settings, tmp_path, own_redis, worker_processes, world
):
    lease = {"REPORT_RUN_LEASE_SECONDS": "4", "REPORT_RUN_STEP_DELAY_MS": "1000"}
    settings.REPORT_RUN_LEASE_SECONDS = 4
    run = _queued(_project(), requested_by=world.coordinator)
    own_redis.start()
    with celery_broker(own_redis.url(settings.CELERY_BROKER_URL)):
        first = worker_processes("first", own_redis, **lease)
        first.wait_ready()
        run_report.delay(run.pk)
        assert wait_for(lambda: ReportRun.objects.get(pk=run.pk).progress >= 10, timeout=60), first.output()[-3000:]
        first.sigkill()  # mid-run: claimed, computing, nothing written
        run.refresh_from_db()
        assert (run.status, run.attempts, run.finished_at) == (RunStatus.RUNNING, 1, None)
        assert not ReportFile.objects.filter(run=run).exists()

        second = worker_processes("second", own_redis, **lease)
        second.wait_ready()
        assert wait_for(lambda: ReportRun.objects.get(pk=run.pk).lease_expires_at < timezone.now(), timeout=10)
        assert sweep_stuck_runs() == 1  # the sweeper finds the abandoned run; the second worker takes it over
        assert wait_for(lambda: ReportRun.objects.get(pk=run.pk).status == RunStatus.SUCCEEDED, timeout=90), (
            second.output()[-3000:]
        )
        assert wait_for(lambda: _mails_in(first, second) >= 1, timeout=10)

        assert sweep_stuck_runs() == 0  # and again later: nothing more to do
        time.sleep(2)

    run.refresh_from_db()
    assert (run.status, run.attempts, run.progress) == (RunStatus.SUCCEEDED, 2, 100)
    assert run.notified_at is not None
    formats = list(ReportFile.objects.filter(run=run).values_list("format", flat=True))
    assert sorted(formats) == sorted(set(formats)) and {"csv", "xlsx"} <= set(formats)
    stored = sorted(path.name for path in (tmp_path / "media" / "reports").iterdir())
    assert stored == sorted(f"{run.code}.{fmt}" for fmt in formats)  # no second copy, no orphan
    assert _mails_in(first) == 0 and _mails_in(second) == 1


@pytest.mark.security("K59")
@pytest.mark.chaos
@pytest.mark.celery_worker
def test_a_frozen_worker_that_wakes_after_the_takeover_writes_nothing(
    transactional_db, settings, tmp_path, own_redis, worker_processes, world
):
    """SIGSTOP instead of SIGKILL: the first worker is presumed dead, the run is taken over and completed,
    then the first wakes up in the middle of its computation — and must change nothing."""
    lease = {"REPORT_RUN_LEASE_SECONDS": "4", "REPORT_RUN_STEP_DELAY_MS": "1000"}
    settings.REPORT_RUN_LEASE_SECONDS = 4
    run = _queued(_project(), requested_by=world.coordinator)
    own_redis.start()
    with celery_broker(own_redis.url(settings.CELERY_BROKER_URL)):
        holder = worker_processes("first", own_redis, **lease)
        holder.wait_ready()
        run_report.delay(run.pk)
        assert wait_for(lambda: ReportRun.objects.get(pk=run.pk).progress >= 10, timeout=60)
        holder.freeze()
        other = worker_processes("second", own_redis, **lease)
        other.wait_ready()
        assert wait_for(lambda: ReportRun.objects.get(pk=run.pk).lease_expires_at < timezone.now(), timeout=10)
        assert sweep_stuck_runs() == 1
        assert wait_for(lambda: ReportRun.objects.get(pk=run.pk).status == RunStatus.SUCCEEDED, timeout=90)
        assert wait_for(lambda: _mails_in(holder, other) >= 1, timeout=10)
        done = _snapshot(run.pk)
        stored = sorted((tmp_path / "media" / "reports").iterdir())
        holder.thaw()
        assert wait_for(lambda: "was taken over" in holder.output(), timeout=30), holder.output()[-3000:]
        time.sleep(1)
    assert _snapshot(run.pk) == done
    assert done[2] == 2  # attempts
    assert sorted((tmp_path / "media" / "reports").iterdir()) == stored
    assert _mails_in(holder) == 0 and _mails_in(other) == 1


# --- Redis down when the report is requested (K58) -------------------------------------------------------------
@pytest.mark.security("I47", "K58")
@pytest.mark.chaos
@pytest.mark.celery_worker
def test_a_report_requested_with_redis_down_is_queued_and_done_once_it_is_back(
    transactional_db, client, settings, own_redis, world
):
    project = _project()
    client.force_login(world.coordinator)
    with celery_broker(own_redis.url(settings.CELERY_BROKER_URL)):  # nothing listens there yet
        started = time.monotonic()
        response = client.post(
            reverse("reports:index"),
            {"kind": "esf", "project": project.diarienummer, "period_from": "2025-01-01", "period_to": "2025-03-31"},
            HTTP_ACCEPT_LANGUAGE="en",
            follow=True,
        )
        elapsed = time.monotonic() - started
        run = ReportRun.objects.get()
        assert response.status_code == 200
        assert response.redirect_chain == [(reverse("reports:run_detail", kwargs={"code": run.code}), 302)]
        assert "The report is queued" in response.content.decode()
        assert elapsed < 5, f"the request waited {elapsed:.1f} s for the broker"
        assert (run.status, run.attempts) == (RunStatus.QUEUED, 0)
        assert not PendingTask.objects.exists()  # the sweeper, not the outbox, recovers a run

        own_redis.start()
        with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            ReportRun.objects.filter(pk=run.pk).update(updated_at=timezone.now() - dt.timedelta(minutes=11))
            assert sweep_stuck_runs() == 1
            assert wait_for(lambda: ReportRun.objects.get(pk=run.pk).status == RunStatus.SUCCEEDED, timeout=60)
            assert sweep_stuck_runs() == 0
    run.refresh_from_db()
    assert run.attempts == 1
    assert len(mail.outbox) == 1


# --- The "report ready" e-mail (durable) --------------------------------------------------------------------------
def test_a_ready_mail_that_could_not_be_handed_over_is_sent_once_by_a_later_sweep(db, settings, world):
    run = _queued(_project(), requested_by=world.coordinator)
    # SMTP refuses connections: a port nothing listens on.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = (
        "127.0.0.1",
        free_port(),
        False,
        2,
    )
    run_report.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    assert (run.notified_at, run.notify_claimed_at) == (None, None)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sweep_stuck_runs()
    sweep_stuck_runs()
    run.refresh_from_db()
    assert run.notified_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [world.coordinator.email]
    assert str(run.code) in mail.outbox[0].body


def test_the_ready_mail_claimed_by_another_sender_is_not_sent_twice(db, world):
    run = _queued(_project(), requested_by=world.coordinator)
    ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.SUCCEEDED, finished_at=timezone.now())
    claimed_at = timezone.now()
    ReportRun.objects.filter(pk=run.pk).update(notify_claimed_at=claimed_at)  # another sweeper is sending it
    assert not services.notify_ready(run.pk)
    sweep_stuck_runs()
    assert mail.outbox == []
    # that sender died holding the claim: after NOTIFY_CLAIM the mail is sent, once
    ReportRun.objects.filter(pk=run.pk).update(notify_claimed_at=claimed_at - services.NOTIFY_CLAIM)
    sweep_stuck_runs()
    sweep_stuck_runs()
    assert len(mail.outbox) == 1


def test_runs_finished_long_ago_are_not_announced_by_the_sweeper(db, world):
    run = _queued(_project(), requested_by=world.coordinator)
    ReportRun.objects.filter(pk=run.pk).update(
        status=RunStatus.SUCCEEDED, finished_at=timezone.now() - services.NOTIFY_WINDOW - dt.timedelta(minutes=1)
    )
    sweep_stuck_runs()
    assert mail.outbox == []


@pytest.mark.security("I46")
@pytest.mark.chaos
@pytest.mark.celery_worker
def test_a_task_whose_worker_was_sigkilled_is_redelivered_by_the_broker_to_another_worker_and_completes_once(
    transactional_db, settings, tmp_path, own_redis, worker_processes, world
):
    """No sweeper here: the message itself comes back. The task is acknowledged only after it ran
    (acks_late), so the killed worker leaves it unacknowledged in Redis; once the visibility timeout has passed
    the other worker restores it, takes over the run (its lease expired first) and completes it once."""
    redelivery = {
        "REPORT_RUN_LEASE_SECONDS": "3",
        "REPORT_RUN_STEP_DELAY_MS": "1000",
        "CELERY_VISIBILITY_TIMEOUT": "10",  # longer than the lease: the run is free when the message returns
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    }
    settings.REPORT_RUN_LEASE_SECONDS = 3
    run = _queued(_project(), requested_by=world.coordinator)
    own_redis.start()
    with celery_broker(own_redis.url(settings.CELERY_BROKER_URL)):
        first = worker_processes("first", own_redis, **redelivery)
        first.wait_ready()
        run_report.delay(run.pk)
        assert wait_for(lambda: ReportRun.objects.get(pk=run.pk).progress >= 10, timeout=60), first.output()[-3000:]
        first.sigkill()
        run.refresh_from_db()
        assert (run.status, run.attempts) == (RunStatus.RUNNING, 1)
        with celery_app.connection_for_write() as connection:
            client = connection.default_channel.client
            assert client.hlen("unacked") == 1, "the killed worker's message waits, unacknowledged"
            assert client.llen("celery") == 0

        second = worker_processes("second", own_redis, **redelivery)
        second.wait_ready()
        assert wait_for(lambda: ReportRun.objects.get(pk=run.pk).status == RunStatus.SUCCEEDED, timeout=120), (
            second.output()[-3000:]
        )
        assert wait_for(lambda: _mails_in(second) >= 1, timeout=10)
        with celery_app.connection_for_write() as connection:
            client = connection.default_channel.client
            assert wait_for(lambda: client.hlen("unacked") == 0, timeout=10), "acknowledged once it ran"
            assert client.llen("celery") == 0
        time.sleep(2)  # a second delivery, if there were one, would show in the rows below

    assert "reports.tasks.run_report" in second.output()
    run.refresh_from_db()
    assert (run.status, run.attempts, run.progress) == (RunStatus.SUCCEEDED, 2, 100)
    formats = list(ReportFile.objects.filter(run=run).values_list("format", flat=True))
    assert sorted(formats) == sorted(set(formats)) and {"csv", "xlsx"} <= set(formats)
    stored = sorted(path.name for path in (tmp_path / "media" / "reports").iterdir())
    assert stored == sorted(f"{run.code}.{fmt}" for fmt in formats)
    assert _mails_in(first) == 0 and _mails_in(second) == 1
