"""E-mails to registered people, each in the language they registered in: one task per (registration,
e-mail), beside the service it calls (events/services.py enqueues it; this module imports no service, so
there is no cycle).

Kinds: confirmed, waitlisted, pending, offered, offer_expired, changed, event_cancelled, reminder, and for
events that need the organiser's approval awaiting_approval, approved, approved_waitlisted, refused. A
reminder is sent at most once per registration (kernel.mail.send_templated's once_key), so a retried or
redelivered reminder task sends nothing twice."""

from __future__ import annotations

from celery import shared_task
from django.urls import reverse

from directory.forbund.links import site_url
from events.links import event_url
from events.models import Registration, RegistrationStatus
from kernel.mail import retry_mail_task, send_templated

EMAIL_KINDS = {
    "confirmed",
    "waitlisted",
    "pending",
    "offered",
    "offer_expired",
    "changed",
    "event_cancelled",
    "reminder",
    "awaiting_approval",
    "approved",
    "approved_waitlisted",
    "refused",
}

DECISION_KINDS = {"approved", "approved_waitlisted", "refused"}


def registration_email_send(*, registration_id: int, kind: str, token: str = "") -> int:
    """One e-mail to one registered person. Links are built from SITE_URL. `token` (the secret of the
    confirm/cancel link) exists only in this message. Returns the number of messages sent (0 or 1)."""
    if kind not in EMAIL_KINDS:
        raise ValueError(f"unknown e-mail kind {kind!r}")
    registration = (
        Registration.objects.select_related("event", "event__organiser", "user").filter(pk=registration_id).first()
    )
    if registration is None or registration.personal_data_purged or not registration.email:
        return 0
    if kind == "reminder" and registration.status != RegistrationStatus.CONFIRMED:
        return 0  # cancelled since the reminders were enqueued
    event = registration.event
    context = {
        "registration": registration,
        "event": event,
        "kind": kind,
        "event_url": event_url(event),
        "token_url": (site_url(event.forbund_id) + reverse("events:registration_link", kwargs={"token": token}))
        if token
        else "",
        "online_url": event.online_url if registration.status == RegistrationStatus.CONFIRMED else "",
        "decision_message": registration.decision_message if kind in DECISION_KINDS else "",
    }
    return send_templated(
        "events/registration",
        to=registration.email,
        language=registration.language,
        context=context,
        once_key=f"events.reminder:{registration.pk}" if kind == "reminder" else None,
    )


# The name it had in events/tasks.py, so messages queued (or kept in the outbox) under it still run.
@shared_task(bind=True, max_retries=5, name="events.tasks.send_registration_email")
def send_registration_email(self, registration_id: int, kind: str, token: str = "") -> None:
    try:
        registration_email_send(registration_id=registration_id, kind=kind, token=token)
    except OSError as error:  # SMTP or network: this one person's e-mail is tried again
        retry_mail_task(self, error)
