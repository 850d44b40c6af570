from __future__ import annotations

from celery import shared_task

from kernel.audit import audit_log


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
    from kernel.queue import flush

    return flush()


@shared_task(bind=True, max_retries=None, recovered_by_sweeper=True)
def send_queued_email(self, outbox_id: int) -> None:
    """Deliver one outbox e-mail; on an SMTP/network error retry with backoff (kernel/mail.py bounds the
    attempts). Run eagerly (embedded default) a failed attempt is not retried in the request: the row stays
    queued."""
    from kernel.mail import deliver_outbox_email

    delay = deliver_outbox_email(outbox_id=outbox_id)
    if delay is not None and not self.request.is_eager:
        raise self.retry(countdown=delay)


@shared_task
def flush_email_outbox() -> int:
    """Beat: enqueue outbox e-mails whose task never ran (the broker was down) and purge old failed ones."""
    from kernel.mail import flush_outbox

    return flush_outbox()
