"""Beat tasks of the calendar: offer expiry, reminders, retention. Each calls a service (events/services.py);
the e-mail to one registered person is events.emails.send_registration_email."""

from __future__ import annotations

from celery import shared_task

from events import services
from events.emails import send_registration_email
from kernel.queue import publish


@shared_task
def expire_offers() -> int:
    return services.expire_offers()


@shared_task
def send_event_reminders() -> int:
    """The day before: one reminder task per registered person (services.event_reminders_claim claims
    each event once, so a second run enqueues nothing). Returns the number of reminders enqueued."""
    registration_ids = services.event_reminders_claim()
    for registration_id in registration_ids:
        publish(send_registration_email, registration_id, "reminder")  # kept in the outbox if Redis is down
    return len(registration_ids)


@shared_task
def purge_event_personal_data() -> int:
    """Retention: purge personal data of every event whose retention period has passed."""
    return len(services.events_purge_due())
