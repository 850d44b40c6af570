from __future__ import annotations

from celery import shared_task

from kernel.audit import audit_log
from kernel.mail import flush_outbox
from kernel.mail import send_queued_email as send_queued_email  # the delivery task, found by autodiscovery here
from kernel.queue import flush


@shared_task(ignore_result=False)
def ping() -> str:
    """Canary: answers when a worker consumes from the broker."""
    return "pong"


@shared_task
def record_canary(note: str) -> None:
    """Canary that crosses the database: a worker writes an audit row."""
    audit_log(actor=None, action="system.canary", data={"note": note[:100]})


@shared_task
def flush_pending_tasks() -> int:
    """Every minute (settings.CELERY_BEAT_SCHEDULE): publish the tasks whose enqueue failed while the
    broker was down (kernel/queue.py)."""
    return flush()


@shared_task
def flush_email_outbox() -> int:
    """Beat: enqueue outbox e-mails whose task never ran (the broker was down) and purge old failed ones."""
    return flush_outbox()
