"""The daily nudges: one task per recipient, so a task retried after a failed send never repeats an e-mail
already handed over. The bodies are services in matchmaking/nudges.py; this module imports them, never the
reverse. (The steps of a placement are notifications: matchmaking.services calls notifications.services.notify.)"""

from __future__ import annotations

from celery import shared_task

from kernel.mail import retry_mail_task
from kernel.queue import publish
from matchmaking import nudges


# --- Nudges (matchmaking/nudges.py) ---------------------------------------------------------------------------
@shared_task
def send_nudges() -> dict[str, int]:
    """Daily (settings.CELERY_BEAT_SCHEDULE): remind officers of needs with no proposal, hosts of unanswered
    proposals and organisations of opportunities about to expire. Each thing is claimed before it is nudged,
    at most once a week, and each recipient gets a task of their own. Returns how many of each were nudged."""
    claimed = nudges.nudges_claim()
    for nudge in claimed:
        for user_id in nudge.recipient_ids:
            publish(send_nudge, nudge.kind, nudge.pk, user_id, nudge.nudged_at)  # kept in the outbox if Redis is down
    return nudges.summary(claimed)


@shared_task(bind=True, max_retries=5)
def send_nudge(self, kind: str, pk: int, user_id: int, nudged_at: str) -> None:  # type: ignore[no-untyped-def]
    try:
        nudges.nudge_send(kind=kind, pk=pk, user_id=user_id, nudged_at=nudged_at)
    except OSError as error:  # SMTP or network: this recipient alone is tried again
        retry_mail_task(self, error)
