"""Celery on the real Redis with a real worker (celery.contrib.testing), and enqueue-after-commit
(docs/security-checks.md I44)."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction

from asfnet.celery import app as celery_app
from kernel.models import AuditLog
from kernel.tasks import ping, record_canary


@pytest.fixture
def celery_worker(transactional_db):
    """A worker thread consuming from the test's own Redis database; `transactional_db` so it sees the
    rows the test commits."""
    assert not celery_app.conf.task_always_eager, "these tests need the real broker"
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING") as worker:
        yield worker


def _wait_for(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.celery_worker
def test_canary_answers_through_redis(celery_worker):
    assert ping.delay().get(timeout=20) == "pong"


@pytest.mark.celery_worker
def test_worker_writes_a_row_the_test_can_read(celery_worker):
    record_canary.delay("hello from the test")
    assert _wait_for(lambda: AuditLog.objects.filter(action="system.canary").exists())
    row = AuditLog.objects.get(action="system.canary")
    assert row.data == {"note": "hello from the test"}


@pytest.mark.security("I44")
@pytest.mark.chaos
def test_rolled_back_transaction_enqueues_nothing_committed_one_exactly_once(
    db, django_capture_on_commit_callbacks, monkeypatch
):
    sent: list[tuple] = []
    monkeypatch.setattr(
        record_canary, "apply_async", lambda args=None, kwargs=None, **kw: sent.append(tuple(args or ()))
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                record_canary.delay_on_commit("rolled back")
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    assert callbacks == []
    assert sent == []

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        record_canary.delay_on_commit("committed")
    assert len(callbacks) == 1
    assert sent == [("committed",)]


def test_celery_speaks_json_only_with_time_limits():
    conf = celery_app.conf
    assert conf.accept_content == ["json"]
    assert conf.task_serializer == "json"
    assert conf.task_time_limit and conf.task_soft_time_limit
    assert conf.task_soft_time_limit < conf.task_time_limit
    assert conf.task_acks_late


def test_every_scheduled_task_exists():
    """A typo in CELERY_BEAT_SCHEDULE would only show in production, when beat sends an unknown task."""
    from django.conf import settings

    celery_app.loader.import_default_modules()
    assert len(settings.CELERY_BEAT_SCHEDULE) >= 8
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in celery_app.tasks, name
