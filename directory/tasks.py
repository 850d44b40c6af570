"""Tasks of the directory: the invitation e-mail, the freshness nudge, the saved-search digest,
verification reminders and the escalation of unanswered reports of outdated information. Each
recipient gets a task of their own, so a retry after a failed send repeats nothing already handed over.
The bodies are services (directory/emails.py, directory/saved_searches/services.py); this module imports them,
never the reverse."""

from __future__ import annotations

import logging

from celery import shared_task

from directory import emails, verification
from directory.outdated import services as outdated
from directory.saved_searches import services as saved_searches
from kernel.mail import retry_mail_task
from kernel.queue import publish

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=5)
def send_invitation_email(self, invitation_id: int, token: str) -> None:  # type: ignore[no-untyped-def]
    try:
        if not emails.invitation_email_send(invitation_id=invitation_id, token=token):
            logger.info("invitation %s no longer usable; nothing sent", invitation_id)
    except OSError as error:  # SMTP or network: tried again
        retry_mail_task(self, error)


# --- Freshness nudge ------------------------------------------------------------------------------------
@shared_task
def nudge_stale_organisations() -> int:
    """Weekly (settings.CELERY_BEAT_SCHEDULE): claim the organisations whose details need confirming (at most
    once every emails.NUDGE_INTERVAL_DAYS each) and enqueue one e-mail task per active member. Returns the
    number of organisations nudged (claimed with at least one member to tell)."""
    claimed = emails.organisation_nudges_claim()
    for nudge in claimed:
        for user_id in nudge.member_ids:
            publish(send_organisation_nudge, nudge.organisation_id, user_id, nudge.nudged_at)
    return sum(1 for nudge in claimed if nudge.member_ids)


@shared_task(bind=True, max_retries=5)
def send_organisation_nudge(self, organisation_id: int, user_id: int, nudged_at: str) -> None:  # type: ignore[no-untyped-def]
    try:
        emails.organisation_nudge_send(organisation_id=organisation_id, user_id=user_id, nudged_at=nudged_at)
    except OSError as error:  # SMTP or network: this member alone is tried again
        retry_mail_task(self, error)


# --- Saved searches: the weekly digest -------------------------------------------------------------------
@shared_task
def send_saved_search_digests() -> int:
    """Weekly (settings.CELERY_BEAT_SCHEDULE): one digest task per active user with saved searches, so one
    person's failing mailbox retries alone. Returns the number of users queued."""
    user_ids = saved_searches.users_with_saved_searches()
    for user_id in user_ids:
        publish(send_saved_search_digest, user_id)  # kept in the outbox if Redis is down
    return len(user_ids)


@shared_task(bind=True, max_retries=5)
def send_saved_search_digest(self, user_id: int) -> int:  # type: ignore[no-untyped-def]
    """One user's digest (directory.saved_searches.services.saved_search_digest_send): idempotent, so a duplicate or
    redelivered task sends nothing twice; a failed send rolls back its claims and is retried."""
    try:
        return saved_searches.saved_search_digest_send(user_id=user_id)
    except OSError as error:
        retry_mail_task(self, error)


# --- Reports of outdated information: escalation ---------------------------------------------------------
@shared_task
def escalate_outdated_reports() -> int:
    """Daily (settings.CELERY_BEAT_SCHEDULE): reports left open OUTDATED_REPORT_ESCALATE_DAYS go to the
    coordinators. Each report is claimed in the transaction that notifies, so a retry or an overlapping run
    notifies nobody twice. Returns the number escalated by this run."""
    return outdated.outdated_reports_escalate()


# --- Verification that expires -----------------------------------------------------------------------------
@shared_task
def send_verification_reminders() -> list[int]:
    """Daily (settings.CELERY_BEAT_SCHEDULE): coordinators hear about verifications that expire in 30 days or
    have expired, once per verification period (directory.verification). Returns [due, expired] sent."""
    due, expired = verification.verification_reminders_send()
    return [due, expired]
