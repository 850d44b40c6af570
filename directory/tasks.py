from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from directory.models import Invitation
from kernel.queue import publish

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_invitation_email(invitation_id: int, token: str) -> None:
    """Send the invitation in the language it was written for. The link is built from SITE_URL, never
    from a request's Host header."""
    invitation = Invitation.objects.select_related("organisation", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_usable:
        logger.info("invitation %s no longer usable; nothing sent", invitation_id)
        return
    link = settings.SITE_URL + reverse("directory:invitation_accept", kwargs={"token": token})
    context = {"invitation": invitation, "link": link, "valid_days": settings.INVITATION_VALID_DAYS}
    with translation.override(invitation.language):
        subject = render_to_string("directory/email/invitation_subject.txt", context).strip()
        body = render_to_string("directory/email/invitation_body.txt", context)
    send_mail(subject, body, None, [invitation.email])


# --- Freshness nudge ------------------------------------------------------------------------------------
NUDGE_INTERVAL_DAYS = 30


@shared_task
def nudge_stale_organisations() -> int:
    """E-mail the members of every organisation whose details have not been confirmed for
    DIRECTORY_NEEDS_UPDATE_MONTHS (freshness "needs update", and "hidden" too: those need it most), at
    most once every NUDGE_INTERVAL_DAYS per organisation. Runs weekly (settings.CELERY_BEAT_SCHEDULE).

    Each organisation is claimed with a compare-and-swap on `nudged_at` before anything is sent, so a
    duplicate or overlapping run sends nothing twice. When sending fails, the claim is given back so the
    next run tries again. Returns the number of organisations nudged."""
    import datetime as dt

    from django.db.models import Q
    from django.utils import timezone

    from directory.models import Organisation

    now = timezone.now()
    due = Q(nudged_at__isnull=True) | Q(nudged_at__lt=now - dt.timedelta(days=NUDGE_INTERVAL_DAYS))
    nudged = 0
    for pk, previous in Organisation.objects.needing_update().filter(due).values_list("pk", "nudged_at"):
        claimed = Organisation.objects.needing_update().filter(due, pk=pk).update(nudged_at=now)
        if claimed != 1:
            continue  # another run got it first, or it was confirmed meanwhile
        try:
            _send_nudge(pk)
        except OSError:
            logger.exception("freshness nudge for organisation %s failed; it will be tried again", pk)
            Organisation.objects.filter(pk=pk, nudged_at=now).update(nudged_at=previous)
            continue
        nudged += 1
    return nudged


def _send_nudge(organisation_id: int) -> None:
    """One e-mail per active member, in the member's preferred language, sent over one connection."""
    from django.core.mail import EmailMessage, get_connection

    from directory.models import Membership, Organisation

    organisation = Organisation.objects.get(pk=organisation_id)
    members = (
        Membership.objects.filter(organisation=organisation, user__is_active=True)
        .select_related("user")
        .order_by("user__email")
    )
    context = {
        "organisation": organisation,
        "confirm_link": settings.SITE_URL + reverse("directory:confirm", kwargs={"code": organisation.code}),
        "edit_link": settings.SITE_URL + reverse("directory:edit", kwargs={"code": organisation.code}),
    }
    messages = []
    for membership in members:
        user = membership.user
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            subject = render_to_string("directory/email/nudge_subject.txt", {**context, "user": user}).strip()
            body = render_to_string("directory/email/nudge_body.txt", {**context, "user": user})
        messages.append(EmailMessage(subject, body, None, [user.email]))
    if messages:
        get_connection().send_messages(messages)


# --- Saved searches: the weekly digest -------------------------------------------------------------------


@shared_task
def send_saved_search_digests() -> int:
    """Weekly (settings.CELERY_BEAT_SCHEDULE): one digest task per active user with saved searches, so one
    person's failing mailbox retries alone. Returns the number of users queued."""
    from directory.saved_searches.services import users_with_saved_searches

    user_ids = users_with_saved_searches()
    for user_id in user_ids:
        publish(send_saved_search_digest, user_id)  # kept in the outbox if Redis is down
    return len(user_ids)


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_saved_search_digest(user_id: int) -> int:
    """One user's digest (directory.saved_searches.services.saved_search_digest_send): idempotent, so a duplicate or
    redelivered task sends nothing twice; a failed send rolls back its claims and is retried."""
    from directory.saved_searches.services import saved_search_digest_send

    return saved_search_digest_send(user_id=user_id)
