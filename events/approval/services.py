"""Accepting or refusing a registration that awaits the organiser's approval (Event.requires_approval).

Accepting respects capacity the way registering does: the event row is locked first (SELECT … FOR UPDATE),
so two organisers accepting the last two people at once are serialised. Someone accepted for a full event
joins the waiting list — they are approved, and the next free place is offered to them in turn — rather than
being refused: an organiser who says yes to a person does not want to say it again when a place frees up.

The person is told by e-mail in their language (events/emails.py), with the organiser's message if one was
written, and, when they have an account, in their notification centre."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from directory.access import Actor, can_edit_organisation
from events.models import EventStatus, Registration, RegistrationStatus
from events.services import _lock, _notify, _place_or_queue, notify_registrant
from kernel.audit import audit_log
from kernel.identifiers import refuse_personnummer

MAX_MESSAGE = 2000


def _decide(*, actor: Actor, registration: Registration, message: str) -> Registration:
    """Lock the event and the registration; check the actor organises it and it still awaits a decision."""
    event = registration.event
    if not can_edit_organisation(actor, event.organiser):
        raise PermissionDenied
    message = (message or "").strip()
    if len(message) > MAX_MESSAGE:
        raise ValidationError(
            {
                "message": ngettext(
                    "Keep the message under %(max)s character.",
                    "Keep the message under %(max)s characters.",
                    MAX_MESSAGE,
                )
                % {"max": MAX_MESSAGE}
            }
        )
    refuse_personnummer(message)
    locked = _lock(event)
    registration = Registration.objects.select_for_update(of=("self",)).select_related("user").get(pk=registration.pk)
    registration.event = locked
    if registration.status != RegistrationStatus.AWAITING_APPROVAL:
        raise ValidationError(
            _("%(name)s no longer awaits a decision (status: %(status)s).")
            % {"name": registration.display_name, "status": registration.get_status_display()}
        )
    registration.decision_message = message
    registration.decided_at = timezone.now()
    return registration


def _tell(registration: Registration, variant: str, actor: Actor) -> None:
    notify_registrant(registration, kind="registration_decided", params={"variant": variant}, actor=actor.user)


@transaction.atomic
def registration_accept(*, actor: Actor, registration: Registration, message: str = "") -> Registration:
    """Accept a registration: a place if one is free, otherwise the waiting list."""
    registration = _decide(actor=actor, registration=registration, message=message)
    event = registration.event
    if event.status != EventStatus.PUBLISHED or event.end <= timezone.now():
        raise ValidationError(_("The event is cancelled or over: nobody can be given a place any more."))
    registration.status = _place_or_queue(event)
    registration.save(update_fields=["status", "decision_message", "decided_at", "updated_at"])
    audit_log(
        actor=actor.user,
        action="registration.accept",
        target=registration,
        data={"status": registration.status, "message": bool(registration.decision_message)},
    )
    variant = "approved" if registration.status == RegistrationStatus.CONFIRMED else "approved_waitlisted"
    _notify(registration, variant)
    _tell(registration, variant, actor)
    return registration


@transaction.atomic
def registration_refuse(*, actor: Actor, registration: Registration, message: str = "") -> Registration:
    """Refuse a registration. It is no longer active: should the person register again, the organiser
    decides again."""
    registration = _decide(actor=actor, registration=registration, message=message)
    registration.status = RegistrationStatus.REFUSED
    registration.save(update_fields=["status", "decision_message", "decided_at", "updated_at"])
    audit_log(
        actor=actor.user,
        action="registration.refuse",
        target=registration,
        data={"message": bool(registration.decision_message)},
    )
    _notify(registration, "refused")
    _tell(registration, "refused", actor)
    return registration
