"""Enqueueing that survives a broker outage: the one place where work is handed to Celery.

A request that enqueues work must answer normally with Redis down, and the work must be done once the
broker is back (docs/security-checks.md K58). So a failed publish (kombu's OperationalError, redis' connection
errors) is logged as a warning and never raised; then either
* the task is `recovered_by_sweeper` — the row state already says the work is due and a scheduled sweeper
  enqueues it again (report runs) — and nothing more is needed, or
* the task and its arguments are kept in the outbox (PendingTask, arguments encrypted) and
  `kernel.tasks.flush_pending_tasks` publishes them again every minute once the broker answers.

Every task of the project is a `SafeTask` (asfnet/celery.py), so `task.delay_on_commit(...)` goes through
`enqueue_on_commit`; code outside a transaction (a beat task fanning out work) calls `publish`."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import logging
from typing import Any

import kombu.exceptions
import redis.exceptions
from celery.contrib.django.task import DjangoTask
from django.conf import settings
from django.db import DatabaseError, transaction

logger = logging.getLogger(__name__)

# What publishing raises when the broker cannot be reached (kombu wraps most of them in OperationalError).
ENQUEUE_ERRORS = (
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,
    TimeoutError,
)


def publish(task: Any, *args: Any, **kwargs: Any) -> bool:
    """Send `task` now. True when the broker took it; False when it was down (logged, kept or swept)."""
    try:
        task.apply_async(args=args, kwargs=kwargs)
    except ENQUEUE_ERRORS as error:
        if getattr(task, "recovered_by_sweeper", False):
            logger.warning(
                "broker unavailable, %s%r not enqueued; its sweeper enqueues it later: %s", task.name, args, error
            )
        else:
            logger.warning("broker unavailable, %s kept in the outbox: %s", task.name, error)
            _keep(task.name, args, kwargs)
        return False
    return True


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """Send `task` once the current transaction commits (never for a rolled-back one), safely."""
    transaction.on_commit(functools.partial(publish, task, *args, **kwargs))


class SafeTask(DjangoTask):
    """The project's task class. `recovered_by_sweeper = True` on a task (a decorator option) says that a
    sweeper finds its work from the database rows, so a lost enqueue needs no outbox row."""

    recovered_by_sweeper = False

    def delay_on_commit(self, *args: Any, **kwargs: Any) -> None:
        enqueue_on_commit(self, *args, **kwargs)


# --- The outbox ----------------------------------------------------------------------------------------------
def _fernet() -> Any:
    from cryptography.fernet import Fernet

    key = hashlib.sha256(b"kernel.queue.outbox:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _keep(task_name: str, args: tuple, kwargs: dict) -> None:
    # Imported here, not at the top: Celery loads this module as its task class (asfnet/celery.py) before
    # Django's apps are ready, and a model cannot be imported then.
    from kernel.models import PendingTask

    payload = _fernet().encrypt(json.dumps({"args": list(args), "kwargs": kwargs}).encode()).decode()
    try:
        PendingTask.objects.create(task_name=task_name, payload=payload)
    except DatabaseError:
        logger.exception("broker and database both unavailable: %s is lost", task_name)


def flush(limit: int = 500) -> int:
    """Publish the kept tasks, oldest first; each row is locked (two flushes never send one twice) and
    deleted in the transaction that published it. Stops at the first broker failure. Returns how many
    were published."""
    from celery import current_app as app
    from cryptography.fernet import InvalidToken

    from kernel.models import PendingTask

    published = 0
    for pk in list(PendingTask.objects.values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            row = PendingTask.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if row is None:
                continue  # another flush has it
            try:
                data = json.loads(_fernet().decrypt(row.payload.encode()))
                task = app.tasks[row.task_name]
            except (InvalidToken, KeyError, ValueError):
                logger.error(
                    "pending task %s (%s) cannot be published (unknown task or key); dropped", pk, row.task_name
                )
                row.delete()
                continue
            try:
                task.apply_async(args=data["args"], kwargs=data["kwargs"])
            except ENQUEUE_ERRORS as error:
                logger.warning("broker still unavailable; pending tasks wait: %s", error)
                break
            row.delete()
        published += 1
    return published
