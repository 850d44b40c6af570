"""Enqueueing with the broker down (docs/security-checks.md K58): the request answers, the work is kept (or left to
a sweeper) and done once the broker is back, exactly once. Real Redis of the test's own, stopped and
started, and a real worker."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction

from asfnet.celery import app as celery_app
from directory.access import actor_for
from kernel.models import AuditLog, PendingTask
from kernel.queue import SafeTask, flush
from kernel.tasks import record_canary
from tests.faults import OwnRedis, celery_broker, free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def own_redis(tmp_path):
    redis = OwnRedis(free_port(), tmp_path)
    yield redis
    redis.stop()


@pytest.mark.security("K58")
@pytest.mark.chaos
@pytest.mark.celery_worker
def test_a_task_enqueued_while_redis_is_down_is_kept_and_runs_once_when_it_is_back(
    transactional_db, settings, own_redis
):
    with celery_broker(own_redis.url(settings.CELERY_BROKER_URL)):  # nothing listens there yet
        with transaction.atomic():
            record_canary.delay_on_commit("kept while down")
        kept = PendingTask.objects.get()
        assert kept.task_name == "kernel.tasks.record_canary"
        assert "kept while down" not in kept.payload  # arguments (link tokens) are stored encrypted
        assert flush() == 0  # still down: kept
        assert PendingTask.objects.count() == 1

        own_redis.start()
        with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            assert flush() == 1
            assert flush() == 0
            assert wait_for(lambda: AuditLog.objects.filter(action="system.canary").exists(), timeout=30)
    assert not PendingTask.objects.exists()
    assert [entry.data for entry in AuditLog.objects.filter(action="system.canary")] == [{"note": "kept while down"}]


@pytest.mark.security("K58")
@pytest.mark.chaos
def test_an_invitation_made_while_redis_is_down_is_saved_and_its_mail_kept(transactional_db, settings, world):
    from directory.services import invitation_create

    with celery_broker(f"redis://127.0.0.1:{free_port()}/9"):
        invitation, token = invitation_create(
            inviter=actor_for(world.admin_a), organisation=world.org_a, email="new.member@example.se", role="member"
        )
    kept = PendingTask.objects.get()
    assert kept.task_name == "directory.tasks.send_invitation_email"
    assert token not in kept.payload
    assert invitation.pk is not None


def test_every_task_is_a_safe_task():
    celery_app.loader.import_default_modules()
    tasks = [task for name, task in celery_app.tasks.items() if not name.startswith("celery.")]
    assert len(tasks) > 10
    assert all(isinstance(task, SafeTask) for task in tasks)


def test_no_code_publishes_around_the_safe_enqueue():
    """Work is handed to Celery only through kernel/queue.py: `task.delay_on_commit(...)` (a SafeTask) in a
    transaction, `publish(task, ...)` outside one. A bare .delay()/.apply_async() would raise when Redis is
    down."""
    packages = [p for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name not in {"tests", "bench"}]
    assert {"asfnet", "directory", "events", "matchmaking", "reports"} <= {p.name for p in packages}
    offenders = []
    for path in (path for package in packages for path in package.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative == Path("kernel/queue.py"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\.(delay|apply_async|apply_async_on_commit)\(", line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []
