from __future__ import annotations

from celery import shared_task

from asfnet.audit import audit_log


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
    broker was down (asfnet/queue.py)."""
    from asfnet.queue import flush

    return flush()
