from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from directory.models import Invitation

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
