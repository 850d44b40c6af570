"""Tasks of the notifications app: the e-mail of one notification, and the daily summary (one task per
person). The bodies are in notifications/emails.py; this module imports them, never the reverse."""

from __future__ import annotations

from celery import shared_task

from kernel.mail import retry_mail_task
from kernel.queue import publish
from notifications import emails, retention


@shared_task(bind=True, max_retries=5)
def send_notification_email(self, notification_id: int) -> None:
    """notify() enqueues it after commit, one per notification; sent once (emails.notification_email_send)."""
    try:
        emails.notification_email_send(notification_id=notification_id)
    except OSError as error:  # SMTP or network: this recipient alone is tried again
        retry_mail_task(self, error)


@shared_task
def send_daily_digests() -> int:
    """Daily (settings.CELERY_BEAT_SCHEDULE): one summary task per person with notifications waiting.
    Returns how many were enqueued."""
    user_ids = emails.digest_recipients()
    for user_id in user_ids:
        publish(send_digest, user_id)  # kept in the outbox if Redis is down
    return len(user_ids)


@shared_task(bind=True, max_retries=5)
def send_digest(self, user_id: int) -> None:
    try:
        emails.digest_send(user_id=user_id)
    except OSError as error:  # SMTP or network: the claim was rolled back; the same summary is tried again
        retry_mail_task(self, error)


@shared_task
def purge_old_notifications() -> int:
    """Daily (settings.CELERY_BEAT_SCHEDULE): the retention of notifications (retention.notifications_purge).
    Returns how many were deleted; running it twice deletes nothing more."""
    return retention.notifications_purge()
