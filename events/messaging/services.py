"""An organiser writes to a group of the event's registered people: the message is logged (EventMessage) and
one e-mail task per recipient is enqueued after commit (events/messaging/emails.py), each under its own
send-once key. Guests who have not confirmed their e-mail address are never written to."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from directory.access import Actor, can_edit_organisation
from events.messaging.emails import send_event_message
from events.models import Attendance, Event, EventMessage, MessageGroup, Registration, RegistrationStatus
from kernel.audit import audit_log

GROUP_STATUSES = {
    MessageGroup.ALL: [
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.WAITLISTED,
        RegistrationStatus.OFFERED,
        RegistrationStatus.AWAITING_APPROVAL,
    ],
    MessageGroup.CONFIRMED: [RegistrationStatus.CONFIRMED],
    MessageGroup.WAITLISTED: [RegistrationStatus.WAITLISTED, RegistrationStatus.OFFERED],
    MessageGroup.ATTENDED: [RegistrationStatus.CONFIRMED],
    MessageGroup.AWAITING_APPROVAL: [RegistrationStatus.AWAITING_APPROVAL],
}


def message_recipients(*, event: Event, group: str) -> QuerySet[Registration]:
    """The registrations a message to `group` reaches (whose personal data is still held)."""
    statuses = GROUP_STATUSES[MessageGroup(group)]
    registrations = event.registrations.filter(status__in=statuses, personal_data_purged=False)
    if group == MessageGroup.ATTENDED:
        registrations = registrations.filter(attendance=Attendance.PRESENT)
    return registrations.order_by("pk")


@transaction.atomic
def message_send(*, actor: Actor, event: Event, group: str, subject: str, body: str) -> EventMessage:
    if not can_edit_organisation(actor, event.organiser):
        raise PermissionDenied
    if group not in MessageGroup.values:
        raise ValidationError({"group": _("Choose whom the message goes to.")})
    recipients = list(message_recipients(event=event, group=group).values_list("pk", flat=True))
    if not recipients:
        raise ValidationError({"group": _("Nobody is in that group, so the message was not sent.")})
    message = EventMessage(
        event=event,
        group=group,
        subject=subject.strip(),
        body=body.strip(),
        sender=actor.user,
        recipient_count=len(recipients),
    )
    message.full_clean()
    message.save()
    audit_log(  # after the save: the log names the message's key
        actor=actor.user,
        action="event.message_send",
        target=event,
        data={"message": message.pk, "group": group, "recipients": len(recipients)},
    )
    for registration_id in recipients:
        send_event_message.delay_on_commit(message.pk, registration_id)
    return message
