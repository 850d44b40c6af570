"""One organiser's message to one registered person, in that person's language (the account's language, or
the language a guest registered in). Sent under a send-once key per (message, registration), so a retried or
redelivered task never delivers the same message twice."""

from __future__ import annotations

from celery import shared_task

from events.links import event_url
from events.models import EventMessage, Registration
from kernel.mail import retry_mail_task, send_templated


def event_message_send(*, message_id: int, registration_id: int) -> int:
    """Returns the number of e-mails handed over (0 or 1)."""
    message = EventMessage.objects.select_related("event", "event__organiser").filter(pk=message_id).first()
    if message is None:
        return 0
    registration = Registration.objects.select_related("user").filter(pk=registration_id, event=message.event).first()
    if registration is None or registration.personal_data_purged:
        return 0
    event = message.event
    context = {
        "message": message,
        "event": event,
        "registration": registration,
        "event_url": event_url(event),
    }
    return send_templated(
        "events/message",
        to=registration.user if registration.user_id else registration.guest_email,
        language=registration.language,
        context=context,
        once_key=f"events.message:{message.pk}:{registration.pk}",
    )


@shared_task(bind=True, max_retries=5, name="events.tasks.send_event_message")
def send_event_message(self, message_id: int, registration_id: int) -> None:
    try:
        event_message_send(message_id=message_id, registration_id=registration_id)
    except OSError as error:  # SMTP or network: this one person's e-mail is tried again
        retry_mail_task(self, error)
