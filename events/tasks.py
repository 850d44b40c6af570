"""Celery tasks of the calendar: e-mails in the recipient's language, offer expiry, reminders, retention."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from events import services
from events.models import Event, EventStatus, Registration, RegistrationStatus
from kernel.queue import publish

logger = logging.getLogger(__name__)

EMAIL_KINDS = {
    "confirmed",
    "waitlisted",
    "pending",
    "offered",
    "offer_expired",
    "changed",
    "event_cancelled",
    "reminder",
}


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_registration_email(registration_id: int, kind: str, token: str = "") -> None:
    """One e-mail to one registered person, in the language they registered in. Links are built from
    SITE_URL. `token` (the secret of the confirm/cancel link) exists only in this message."""
    if kind not in EMAIL_KINDS:
        raise ValueError(f"unknown e-mail kind {kind!r}")
    registration = (
        Registration.objects.select_related("event", "event__organiser", "user").filter(pk=registration_id).first()
    )
    if registration is None or registration.personal_data_purged or not registration.email:
        return
    event = registration.event
    context = {
        "registration": registration,
        "event": event,
        "kind": kind,
        "event_url": settings.SITE_URL + reverse("events:detail", kwargs={"code": event.code}),
        "token_url": (settings.SITE_URL + reverse("events:registration_link", kwargs={"token": token}))
        if token
        else "",
        "online_url": event.online_url if registration.status == RegistrationStatus.CONFIRMED else "",
    }
    with translation.override(registration.language or "sv"):
        subject = render_to_string("events/email/subject.txt", context).strip()
        body = render_to_string("events/email/body.txt", context)
    send_mail(subject, body, None, [registration.email])


@shared_task
def expire_offers() -> int:
    return services.expire_offers()


@shared_task
def send_event_reminders() -> int:
    """The day before: one reminder per registered person. The event is claimed first (compare-and-swap
    on reminders_sent_at), so a second run sends nothing again."""
    now = timezone.now()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    sent = 0
    for event in Event.objects.filter(
        status=EventStatus.PUBLISHED, start__date=tomorrow, reminders_sent_at__isnull=True
    ):
        if not Event.objects.filter(pk=event.pk, reminders_sent_at__isnull=True).update(reminders_sent_at=now):
            continue
        for registration_id in event.registrations.filter(status=RegistrationStatus.CONFIRMED).values_list(
            "pk", flat=True
        ):
            publish(send_registration_email, registration_id, "reminder")  # kept in the outbox if Redis is down
            sent += 1
    return sent


@shared_task
def purge_event_personal_data() -> int:
    """Retention: purge personal data of every event whose retention period has passed."""
    now = timezone.now()
    purged = 0
    for event in Event.objects.filter(personal_data_purged_at__isnull=True, end__lt=now):
        if event.purge_due_at <= now:
            purged += services.event_purge_personal_data(event=event, now=now)
    return purged
