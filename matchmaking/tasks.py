"""E-mails about the placement pipeline, in each recipient's language, never with sensitive fields."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from matchmaking.models import Match

# Who hears about which transition: the host organisation's members, or the proposing officer.
TO_HOST = {"proposed"}
TO_OFFICER = {"accepted", "declined", "started", "ended"}


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_match_email(match_id: int, kind: str) -> None:
    match = (
        Match.objects.select_related("need__participant", "opportunity__organisation", "proposed_by")
        .filter(pk=match_id)
        .first()
    )
    if match is None:
        return
    if kind in TO_HOST:
        recipients = [m.user for m in match.opportunity.organisation.memberships.select_related("user")]
    elif kind in TO_OFFICER and match.proposed_by is not None:
        recipients = [match.proposed_by]
    else:
        return
    for user in recipients:
        if not user.is_active:
            continue
        context = {"match": match, "kind": kind, "site_url": settings.SITE_URL}
        with translation.override(user.preferred_language or "sv"):
            subject = render_to_string("matchmaking/email/subject.txt", context).strip()
            body = render_to_string("matchmaking/email/body.txt", context)
        send_mail(subject, body, None, [user.email])


# --- Nudges (matchmaking/nudges.py) ---------------------------------------------------------------------------
@shared_task
def send_nudges() -> dict[str, int]:
    """Daily (settings.CELERY_BEAT_SCHEDULE): remind officers of needs with no proposal, hosts of unanswered
    proposals and organisations of opportunities about to expire. Idempotent: each thing is claimed before
    it is nudged, at most once a week. Returns how many of each were nudged."""
    from matchmaking.nudges import send_all

    return send_all()
